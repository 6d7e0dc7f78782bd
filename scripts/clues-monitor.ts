// clues-monitor: the elasticity manager (the seed's CLUES). cron starts `clues-monitor run` every
// minute; one copy at a time holds a lock and checks the cluster every second, so it reacts in
// seconds while cron brings it back within a minute if it dies.
import { readFileSync } from 'node:fs';
import { parseFlags } from '../lib/cli.ts';
import { clusterNames } from '../lib/cluster.ts';
import type { Config } from '../lib/config.ts';
import { type ContainerSummary, lastLogLine, removeContainers } from '../lib/docker.ts';
import { UsageError, UserError } from '../lib/errors.ts';
import { EVENT_LOG, logEvent } from '../lib/events.ts';
import { loadFrontendConfig } from '../lib/frontend-config.ts';
import { lockHeld, tryLock } from '../lib/lock.ts';
import { loadMonitorState, saveMonitorState, type MonitorState } from '../lib/monitor-state.ts';
import { nodeContainers } from '../lib/node-container.ts';
import { type PowerAction, planPower } from '../lib/policy.ts';
import { sleep } from '../lib/run.ts';
import { type Scheduler, type SchedulerView, schedulerFor } from '../lib/scheduler.ts';
import { withHiddenNodes } from '../lib/views.ts';

// One monitor per frontend: two cron runs can never both hold it (lib/lock.ts).
const LOCK = 'ec4docker-clues-monitor';
const TICK_MS = 1000;
const PROBE_MS = 200;
const SET_ASIDE_REASON = 'ec4docker: set aside';

// Power-offs take seconds (Slurm's SuspendTimeout, waiting for the node to be off): they go on
// while the next checks run, so a job submitted meanwhile is seen within PROBE_MS, not after them.
// The checks leave a node alone while an action on it is in flight.
const inFlight = new Map<string, Promise<void>>();

const USAGE = `usage: clues-monitor [run|once|running|status [--json]]
  run      check the cluster every second (what cron starts; exits at once if one already runs)
  once     one check, then exit
  running  exit 0 if a monitor runs (holds the lock), 1 if not; prints nothing
  status   each node's container, Slurm state, idle time and recent power actions (--json for scripts)`;

export async function cluesMonitor(argv: string[]): Promise<void> {
  const args = parseFlags(argv, { boolean: ['h', 'json'], alias: { h: 'help' } });
  if (args.h) return console.log(USAGE);
  const command = String(args._[0] ?? 'run');
  if (command === 'running') return void (process.exitCode = (await lockHeld(LOCK)) ? 0 : 1);
  const config = loadFrontendConfig();
  const scheduler = schedulerFor(config);
  if (command === 'run') return runForever(config, scheduler);
  if (command === 'once') {
    if (!(await tryLock(LOCK))) throw new UserError('another clues-monitor is running; it checks the cluster every second');
    await tick(config, scheduler, loadMonitorState());
    return void (await Promise.all(inFlight.values()));
  }
  if (command === 'status') return status(config, scheduler, Boolean(args.json));
  throw new UsageError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
}

async function runForever(config: Config, scheduler: Scheduler): Promise<void> {
  if (!(await tryLock(LOCK))) return; // cron's every-minute start while one runs: nothing to do
  console.log(`${new Date().toISOString()} clues-monitor: started (elasticity ${config.elasticity}, pid ${process.pid})`);
  let state = loadMonitorState();
  for (;;) {
    const started = Date.now();
    try {
      state = await tick(config, scheduler, state);
    } catch (error) {
      // A failed check (slurmctld restarting, engine busy) must not end the monitor: try next tick.
      console.error(`${new Date().toISOString()} clues-monitor: ${error instanceof Error ? error.message : String(error)}`);
    }
    await restUntil(scheduler, started + TICK_MS);
  }
}

/**
 * Waits until the next check is due, or less when a job was submitted (or requeued) meanwhile:
 * the scheduler's cheap pending-job list is asked every PROBE_MS, so a new job waits about
 * 0.1 s for the monitor instead of up to a whole tick.
 */
export async function restUntil(scheduler: Pick<Scheduler, 'pendingJobs'>, due: number, probeMs = PROBE_MS): Promise<void> {
  if (!scheduler.pendingJobs) return sleep(Math.max(100, due - Date.now()));
  const known = new Set(await scheduler.pendingJobs());
  while (Date.now() + probeMs < due) {
    await sleep(probeMs);
    if ((await scheduler.pendingJobs()).some((id) => !known.has(id))) return;
  }
  await sleep(Math.max(0, due - Date.now()));
}

interface Observation extends SchedulerView {
  containers: Map<string, ContainerSummary>;
}

/** Reads the scheduler's view and the engine's, at the same moment. */
async function observe(config: Config, scheduler: Scheduler): Promise<Observation> {
  const [view, containers] = await Promise.all([scheduler.observe(), nodeContainers(config.serverName)]);
  return { ...view, containers };
}

/** One check: repair what disagrees between Slurm and Docker, then apply the policy. */
export async function tick(config: Config, scheduler: Scheduler, state: MonitorState): Promise<MonitorState> {
  const seen = await observe(config, scheduler);
  const now = Date.now() / 1000;
  for (const node of seen.nodes) {
    if (inFlight.has(node.name)) continue;
    const container = seen.containers.get(node.name);
    const running = container?.state === 'running';
    if (node.power === 'on' && !running && !node.reason.startsWith(SET_ASIDE_REASON)) {
      // The container vanished (killed, crashed): tell the scheduler now (Slurm would wait for
      // SlurmdTimeout), so that its jobs are requeued and start again at once.
      await removeContainers([node.name]);
      (state.history[node.name] ??= { failedPowerOns: 0 }).vanishedAt = now; // cool-down before recover
      const jobs = await scheduler.markDown(node.name, 'ec4docker: container vanished');
      logEvent({ action: 'vanished', node: node.name, by: 'clues-monitor', reason: `container ${container?.state ?? 'gone'}`, requeued: jobs });
    } else if (node.power === 'off' && container) {
      // Its last log line says why, e.g. when Slurm gave up on a node that never registered.
      const log = await lastLogLine(node.name);
      await removeContainers([node.name]);
      logEvent({ action: 'orphan_removed', node: node.name, by: 'clues-monitor', reason: `container ${container.state} of a powered-off node`, log });
    } else if (node.power === 'powering_up' && container && !running && container.state !== 'created') {
      // It will never register: a failed power-on, counted like one that timed out.
      const why = `container ${container.state} while powering up`;
      const history = (state.history[node.name] ??= { failedPowerOns: 0 });
      history.failedPowerOns += 1;
      delete history.poweringOnSince;
      await removeContainers([node.name]);
      logEvent({ action: 'failed', node: node.name, by: 'clues-monitor', reason: why, failedPowerOns: history.failedPowerOns });
      if (history.failedPowerOns > config.retriesPowerOn) {
        history.setAsideSince = now;
        await setAside(scheduler, node.name, `${why}; ${history.failedPowerOns} failed power-ons, ${config.retriesPowerOn} retries allowed`);
      } else {
        await scheduler.markDown(node.name, `ec4docker: ${why}`); // requeues a job waiting for it
      }
    }
  }
  // A job requeued after a node failure (a failed boot, Slurm's ResumeTimeout) is held back for
  // minutes: once a node could take it, let it start, so a retry is seconds away, not minutes.
  const held = seen.heldAfterRequeue ?? [];
  if (held.length > 0 && scheduler.release && seen.nodes.some((n) => n.usable)) {
    await scheduler.release(held);
    for (const job of held) logEvent({ action: 'released', node: '-', by: 'clues-monitor', reason: `job ${job}: requeued and held back; a node can take it now` });
  }
  // A node being powered off is left out of the plan (a waiting job gets another node now, not
  // that one once it is off), and its record is kept as it was.
  const poweringOff = new Set(inFlight.keys());
  const policy = planPower({
    nodes: withHiddenNodes(seen.nodes, clusterNames(config).nodes).filter((n) => !poweringOff.has(n.name)),
    jobs: seen.jobs,
    config,
    now,
    history: state.history,
  });
  for (const node of poweringOff) if (state.history[node]) policy.history[node] = state.history[node];
  const actions = policy.actions.filter((action) => shouldApply(config, action));
  const report = (action: PowerAction) => (error: unknown) =>
    logEvent({ action: 'error', node: action.node, by: 'clues-monitor', reason: `${action.kind}: ${String(error)}` });
  // Power-ons go to Slurm in one request (it starts the containers in parallel); power-offs go on
  // in the background (inFlight); the other actions run together.
  const powerOns = actions.filter((a) => a.kind === 'power_on');
  for (const action of actions.filter((a) => a.kind === 'power_off')) {
    inFlight.set(action.node, apply(scheduler, action).catch(report(action)).finally(() => inFlight.delete(action.node)));
  }
  await Promise.all([
    ...(powerOns.length > 0 ? [scheduler.powerOn(powerOns.map((a) => a.node), 'clues-monitor', (node) => powerOns.find((a) => a.node === node)?.reason ?? '').catch(report(powerOns[0]))] : []),
    ...actions.filter((a) => a.kind !== 'power_on' && a.kind !== 'power_off').map((action) => apply(scheduler, action).catch(report(action))),
  ]);
  const next = { history: policy.history };
  saveMonitorState(next);
  return next;
}

/**
 * In mode slurm, Slurm powers nodes on for jobs and off when idle (SuspendExcNodes keeps the warm
 * ones on); the monitor recovers, sets aside, and starts the nodes kept warm (EXTRA_NODES_FREE).
 */
function shouldApply(config: Config, action: PowerAction): boolean {
  if (config.elasticity === 'monitor') return true;
  if (config.elasticity === 'none') return action.kind === 'recover' || action.kind === 'set_aside';
  return action.kind === 'recover' || action.kind === 'set_aside' || (action.kind === 'power_on' && action.warm === true);
}

async function apply(scheduler: Scheduler, action: PowerAction): Promise<void> {
  const { node, reason } = action;
  switch (action.kind) {
    case 'power_on':
      await scheduler.powerOn([node], 'clues-monitor', () => reason);
      return;
    case 'power_off': {
      const result = await scheduler.powerOff(node, 'clues-monitor', reason);
      if (result.kind === 'busy') logEvent({ action: 'kept', node, by: 'clues-monitor', reason: `a job landed: ${result.jobs.join(',')}` });
      return;
    }
    case 'set_aside':
      await setAside(scheduler, node, reason);
      return;
    case 'recover':
      // A node the scheduler left down (failed power-on, vanished container): back to powered-off.
      if (await scheduler.recover(node)) logEvent({ action: 'recover', node, by: 'clues-monitor', reason });
      return;
  }
}


/** Keeps a node that keeps failing out of service (DOWN, with the reason) until a person acts. */
async function setAside(scheduler: Scheduler, node: string, reason: string): Promise<void> {
  await removeContainers([node]);
  await scheduler.markDown(node, `${SET_ASIDE_REASON}: ${reason}`);
  logEvent({ action: 'set_aside', node, by: 'clues-monitor', reason });
}

interface NodeStatus {
  node: string;
  container: string;
  scheduler: string;
  reason: string;
  idleSeconds: number | null;
  failedPowerOns: number;
}

async function status(config: Config, scheduler: Scheduler, json: boolean): Promise<void> {
  const seen = await observe(config, scheduler);
  const history = loadMonitorState().history;
  const now = Date.now() / 1000;
  const byName = new Map(seen.nodes.map((n) => [n.name, n]));
  const rows: NodeStatus[] = clusterNames(config).nodes.map((name) => {
    const h = history[name];
    return {
      node: name,
      container: seen.containers.get(name)?.state ?? '-',
      scheduler: seen.states.get(name) ?? (config.middleware === 'slurm' ? 'hidden' : 'off'),
      reason: byName.get(name)?.reason ?? '',
      idleSeconds: h?.idleSince !== undefined ? Math.round(now - h.idleSince) : null,
      failedPowerOns: h?.failedPowerOns ?? 0,
    };
  });
  let events: unknown[] = [];
  try {
    events = readFileSync(EVENT_LOG, 'utf8').split('\n').filter(Boolean).slice(-10).map((l) => JSON.parse(l) as unknown);
  } catch {
    // no event yet
  }
  // Not tryLock(): a status taken at the minute cron starts the monitor would turn it away.
  const monitor = (await lockHeld(LOCK)) ? 'running' : 'not running';
  if (json) return console.log(JSON.stringify({ cluster: config.serverName, elasticity: config.elasticity, monitor, nodes: rows, events }, null, 2));
  console.log(`cluster ${config.serverName}: elasticity ${config.elasticity}, clues-monitor ${monitor}`);
  const table = [['NODE', 'CONTAINER', config.middleware.toUpperCase(), 'IDLE', 'FAILED', 'REASON'], ...rows.map((r) => [r.node, r.container, r.scheduler, r.idleSeconds === null ? '-' : `${r.idleSeconds}s`, String(r.failedPowerOns), r.reason])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
  if (events.length > 0) {
    console.log('\nrecent power actions:');
    for (const e of events as Array<Record<string, unknown>>) console.log(`  ${String(e.time)}  ${String(e.action).padEnd(14)} ${String(e.node).padEnd(widths[0])}  ${String(e.reason)}`);
  }
}

