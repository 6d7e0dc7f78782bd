// clues-monitor: the elasticity manager (the seed's CLUES). cron starts `clues-monitor run` every
// minute; one copy at a time holds a lock and checks the cluster every second, so it reacts in
// seconds while cron brings it back within a minute if it dies.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError, UserError } from '../lib/core/errors.ts';
import { clusterNames } from '../lib/core/names.ts';
import { timelineSpec } from '../lib/core/timeline-chart.ts';
import { flagValue, parseFlags } from '../lib/io/cli.ts';
import { watchDir } from '../lib/io/dir-watch.ts';
import { eventLogPath, readKept } from '../lib/io/events.ts';
import { lockHeld, waitLock, rootOnlyLockName, tryLock } from '../lib/io/lock.ts';
import { vegaLiteToSvg } from '../lib/io/svg.ts';
import { type FrontendCluster, openFrontend } from '../lib/middleware/frontend.ts';
import { parseDuration, parseSamples, timelineOf } from '../lib/monitor/history.ts';
import { createMonitor, historyLogPath, type Monitor } from '../lib/monitor/monitor.ts';
import { nextIdleLimit } from '../lib/monitor/policy.ts';
import { restUntil } from '../lib/monitor/rest.ts';
import { loadMonitorState } from '../lib/monitor/saved-state.ts';

// One monitor per frontend: two cron runs can never both hold it, and only root can (lib/io/lock.ts).
const lockName = (): string => rootOnlyLockName('ec4docker-clues-monitor');
const TICK_MS = 1000;

const USAGE = `usage: clues-monitor [run [--wait]|once|running|status [--json]|timeline [--since DURATION] [--json]]
  run       check the cluster every second (what the frontend starts; exits at once if one already
            runs, or with --wait waits until that one ends and takes over)
  once      one check, then exit
  running   exit 0 if a monitor runs (holds the lock), 1 if not; prints nothing
  status    each node's container, scheduler state, idle time and recent power actions (--json for scripts)
  timeline  an SVG picture of nodes on, nodes busy and jobs waiting over the last DURATION
            (default 1h; e.g. 90s, 30m, 2h, 1d), failures marked; --json prints its points instead`;
const COMMANDS = ['run', 'once', 'running', 'status', 'timeline'];

export async function cluesMonitor(argv: string[]): Promise<void> {
  const args = parseFlags(argv, { boolean: ['h', 'json', 'wait'], string: ['since'], alias: { h: 'help' } });
  if (args.h) return console.log(USAGE);
  const command = String(args._[0] ?? 'run');
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: ${COMMANDS.join(', ')}; see -h)`);
  if (command === 'running') return void (process.exitCode = (await lockHeld(lockName())) ? 0 : 1);
  if (command === 'timeline') return timeline(flagValue(args, 'since') ?? '1h', Boolean(args.json));
  // Users read the status too: it needs the engine, which only root reaches (sudoers allows this).
  if (command === 'status' && process.getuid?.() !== 0) return asRoot(['status', ...(args.json ? ['--json'] : [])]);
  const cluster = openFrontend();
  const monitor = createMonitor(cluster.config, cluster.power);
  if (command === 'run') return runForever(cluster, monitor, Boolean(args.wait));
  if (command === 'once') {
    if (!(await tryLock(lockName()))) throw new UserError('another clues-monitor is running; it checks the cluster every second');
    await monitor.tick(loadMonitorState());
    return monitor.settle();
  }
  return status(cluster, monitor, Boolean(args.json));
}

/** Runs this command again as root with sudo (no password: sudoers allows exactly this), its output ours. */
function asRoot(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sudo', ['-n', '/opt/ec4docker/clues-monitor', ...argv], { stdio: 'inherit' });
    child.on('error', (error) => reject(new UserError(`status needs root: sudo: ${error.message}`)));
    child.on('exit', (code) => {
      process.exitCode = code ?? 1;
      resolve();
    });
  });
}

async function runForever(cluster: FrontendCluster, monitor: Monitor, wait: boolean): Promise<void> {
  // cron's every-minute start while one runs: nothing to do; the supervisor's waits to take over
  if (!(await (wait ? waitLock(lockName(), Infinity, 1000) : tryLock(lockName())))) return;
  console.log(`${new Date().toISOString()} clues-monitor: started (elasticity ${cluster.config.elasticity}, pid ${process.pid})`);
  let state = loadMonitorState();
  const marks = cluster.power.scheduler.submissionMarks ? watchDir(cluster.power.scheduler.submissionMarks) : undefined;
  for (;;) {
    const started = Date.now();
    marks?.arm(); // a job submitted from this look on ends the rest after it
    const pendingAtStart = marks ? undefined : cluster.power.scheduler.pendingJobs?.().catch(() => []);
    try {
      state = await monitor.tick(state);
    } catch (error) {
      // A failed check (the scheduler restarting, the engine busy) must not end the monitor: try next tick.
      console.error(`${new Date().toISOString()} clues-monitor: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (monitor.madeJobsWait()) continue; // jobs it requeued: nodes for them now, not a tick later
    // In mode monitor, the next look is due at the next tick or when an idle node reaches its limit.
    const idleLimit = cluster.config.elasticity === 'monitor' ? nextIdleLimit(state.history, cluster.config.idleSeconds, Date.now() / 1000) : undefined;
    const due = Math.min(started + TICK_MS, idleLimit === undefined ? Infinity : idleLimit * 1000);
    await restUntil(cluster.power.scheduler, due, undefined, pendingAtStart, marks);
  }
}

interface NodeStatus {
  node: string;
  container: string;
  host?: string; // the Swarm host it runs on (EC4DOCK_ORCHESTRATOR=swarm)
  scheduler: string;
  reason: string;
  idleSeconds: number | null;
  failedPowerOns: number;
}

async function status(cluster: FrontendCluster, monitor: Monitor, json: boolean): Promise<void> {
  const { config, middleware } = cluster;
  const seen = await monitor.observe();
  const history = loadMonitorState().history;
  const now = Date.now() / 1000;
  const byName = new Map(seen.nodes.map((n) => [n.name, n]));
  const rows: NodeStatus[] = clusterNames(config).nodes.map((name) => {
    const h = history[name];
    return {
      node: name,
      container: seen.nodeStates.get(name) ?? '-',
      ...(config.orchestrator === 'swarm' ? { host: seen.nodeHosts.get(name) ?? '-' } : {}),
      scheduler: seen.states.get(name) ?? middleware.unlisted,
      reason: byName.get(name)?.reason ?? '',
      idleSeconds: h?.idleSince !== undefined ? Math.round(now - h.idleSince) : null,
      failedPowerOns: h?.failedPowerOns ?? 0,
    };
  });
  let events: unknown[] = [];
  try {
    events = readFileSync(eventLogPath(), 'utf8').split('\n').filter(Boolean).slice(-10).map((l) => JSON.parse(l) as unknown);
  } catch {
    // no event yet
  }
  // Not tryLock(): a status taken at the minute cron starts the monitor would turn it away.
  const running = (await lockHeld(lockName())) ? 'running' : 'not running';
  if (json) return console.log(JSON.stringify({ cluster: config.serverName, elasticity: config.elasticity, monitor: running, nodes: rows, events }, null, 2));
  console.log(`cluster ${config.serverName}: elasticity ${config.elasticity}, clues-monitor ${running}`);
  const hosts = config.orchestrator === 'swarm'; // where each node runs: a Swarm host
  const table = [
    ['NODE', 'CONTAINER', ...(hosts ? ['HOST'] : []), middleware.title, 'IDLE', 'FAILED', 'REASON'],
    ...rows.map((r) => [r.node, r.container, ...(hosts ? [r.host ?? '-'] : []), r.scheduler, r.idleSeconds === null ? '-' : `${r.idleSeconds}s`, String(r.failedPowerOns), r.reason]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  if (events.length > 0) {
    console.log('\nrecent power actions:');
    for (const e of events as Array<Record<string, unknown>>) console.log(`  ${String(e.time)}  ${String(e.action).padEnd(14)} ${String(e.node).padEnd(widths[0])}  ${String(e.reason)}`);
  }
}

/** What the cluster did over the last `since`: the monitor's history and events, drawn (or as JSON). */
async function timeline(since: string, json: boolean): Promise<void> {
  const seconds = parseDuration(since);
  if (seconds === undefined) throw new UsageError(`--since ${JSON.stringify(since)}: not a duration (e.g. 90s, 30m, 2h, 1d)`);
  const samples = parseSamples(readKept(historyLogPath()));
  if (samples.length === 0) throw new UserError(`no history yet in ${historyLogPath()}: clues-monitor records it while it runs`);
  const events = readKept(eventLogPath()).split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as { time: string; action: string; node: string }];
    } catch {
      return [];
    }
  });
  const now = Date.now() / 1000;
  const drawn = timelineOf(samples, events, now - seconds, now);
  if (json) return console.log(JSON.stringify(drawn, null, 2));
  const title = `cluster ${hostname()}: the last ${since}, to ${new Date(now * 1000).toISOString().slice(0, 19)}Z`;
  process.stdout.write(await vegaLiteToSvg(timelineSpec(drawn.points, drawn.marks, title, 'clock')));
}
