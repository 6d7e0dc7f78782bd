// npm run replay -- --trace FILE --speedup N --nodes M [--window START,HOURS] [--faults] [--seed S]
//                   [--baseline static] [--middleware slurm|sge] --out DIR
// Replays a real job trace (SWF) on a cluster of its own, made and removed here, and writes
// DIR/summary.json and DIR/timeline.svg/.png (docs/replay.md). Runs on the host.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { UsageError } from '../lib/core/errors.ts';
import { flagValue, parseFlags, runCommand } from '../lib/io/cli.ts';
import { ensurePath, run } from '../lib/io/run.ts';
import { vegaLiteToSvg } from '../lib/io/svg.ts';
import { timelineSpec } from '../lib/core/timeline-chart.ts';
import { planFaults } from '../lib/replay/faults.ts';
import { busyPoweredOff, outcome, splitNodeSeconds, timeline } from '../lib/replay/outcome.ts';
import { REPLAY_SCHEDULERS } from '../lib/replay/schedulers.ts';
import { type ClusterSpec, makeCluster, type Recorded, removeCluster, replay } from '../lib/replay/session.ts';
import { parseSwf } from '../lib/replay/swf.ts';
import { oracleNodeSeconds, planReplay, type ReplayJob } from '../lib/replay/workload.ts';

const USAGE = `usage: npm run replay -- --trace FILE --speedup N --nodes M --out DIR [options]
  --trace FILE          a job trace in the Standard Workload Format (SWF)
  --speedup N           trace seconds per real second (submit and run times are divided by it)
  --nodes M             the cluster's nodes; a job of P processors takes ceil(P / MaxProcs x M)
  --window START,HOURS  only the jobs submitted in that window (START: trace seconds)
  --faults              kill a busy node, kill clues-monitor, restart the frontend, stop a booting node
  --seed S              when the faults come (default 1)
  --baseline static     replay again on a static cluster of M nodes, all on
  --middleware NAME     the scheduler: slurm (default) or sge
  --out DIR             where summary.json and timeline.svg/.png go`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The frontend's event log and the scheduler's log, beside the figures (best effort). */
async function keepLogs(s: ClusterSpec, out: string): Promise<void> {
  const scheduler = s.middleware === 'sge' ? '/var/log/ec4docker/qmaster.log' : '/var/log/slurm/slurmctld.log';
  for (const path of ['/var/log/ec4docker/events.jsonl', scheduler]) {
    await run('docker', ['cp', `${s.name}:${path}`, `${out}/${s.name}.${path.split('/').pop()}`], { timeout: '60s' });
  }
}

function number(args: ReturnType<typeof parseFlags>, flag: string, fallback?: number): number {
  const text = flagValue(args, flag);
  if (text === undefined) {
    if (fallback === undefined) throw new UsageError(`--${flag} is required (see --help)`);
    return fallback;
  }
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text)) throw new UsageError(`--${flag} must be a number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** The figures of one replay, with the keys summary.json promises. */
function figures(recorded: Recorded, jobs: readonly ReplayJob[], nodes: number, speedup: number) {
  const injected = recorded.faults.filter((f) => f.node).map((f) => ({ node: f.node as string, at: f.at }));
  return {
    ...outcome(recorded.jobs, recorded.power, recorded.end),
    busy_powered_off: busyPoweredOff(recorded.runs, recorded.deaths, injected),
    node_seconds_split: splitNodeSeconds(recorded.runs, recorded.power, recorded.end),
    oracle_node_seconds: Math.round(oracleNodeSeconds(jobs) * 1000) / 1000,
    static_node_seconds: Math.round(nodes * (recorded.end - recorded.start) * 1000) / 1000,
    faults: recorded.faults.map((f) => ({ ...f, t: Math.round((f.at - recorded.start) * 10) / 10 })),
    speedup,
  };
}

async function draw(recorded: Recorded, title: string, out: string): Promise<void> {
  const points = timeline(recorded.jobs, recorded.runs, recorded.power, recorded.start, recorded.end);
  const faults = recorded.faults.map((f) => ({ kind: f.kind, t: Math.round((f.at - recorded.start) * 10) / 10 }));
  const svg = await vegaLiteToSvg(timelineSpec(points, faults, title));
  writeFileSync(`${out}/timeline.svg`, svg);
  writeFileSync(`${out}/timeline.png`, new Resvg(svg, { background: 'white' }).render().asPng());
}

await runCommand('replay', async () => {
  ensurePath();
  const args = parseFlags(process.argv.slice(2), {
    string: ['trace', 'speedup', 'nodes', 'window', 'seed', 'baseline', 'middleware', 'out'], boolean: ['faults', 'help'],
  });
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const file = flagValue(args, 'trace');
  const out = flagValue(args, 'out');
  if (!file) throw new UsageError('--trace is required (see --help)');
  if (!out) throw new UsageError('--out is required (see --help)');
  if (!existsSync(file)) throw new UsageError(`--trace ${file}: no such file`);
  const speedup = number(args, 'speedup');
  const nodes = number(args, 'nodes');
  const seed = number(args, 'seed', 1);
  const windowText = flagValue(args, 'window');
  const window = windowText === undefined ? undefined : (() => {
    const m = /^([0-9]+(?:\.[0-9]+)?),([0-9]+(?:\.[0-9]+)?)$/.exec(windowText);
    if (!m) throw new UsageError(`--window must be START,HOURS (trace seconds, hours), got ${JSON.stringify(windowText)}`);
    return { start: Number(m[1]), hours: Number(m[2]) };
  })();
  const baseline = flagValue(args, 'baseline');
  if (baseline !== undefined && baseline !== 'static') throw new UsageError(`--baseline must be static, got ${JSON.stringify(baseline)}`);
  const middleware = flagValue(args, 'middleware') ?? 'slurm';
  if (!(middleware in REPLAY_SCHEDULERS)) throw new UsageError(`--middleware ${middleware}: the replay knows ${Object.keys(REPLAY_SCHEDULERS).join(' and ')}`);
  const plan = planReplay(parseSwf(readFileSync(file, 'utf8'), file), { speedup, nodes, window });

  mkdirSync(out, { recursive: true });
  const duration = Math.max(...plan.jobs.map((j) => j.submitAt + j.runFor));
  const faults = args.faults ? planFaults(duration, seed) : [];
  const spec = (variant: string, staticCluster: boolean): ClusterSpec => ({
    setup: `${ROOT}setup-cluster`, name: `replay${variant}${randomBytes(3).toString('hex')}`, nodes, middleware,
    idleSeconds: Math.max(1, Math.round(120 / speedup)), static: staticCluster,
  });
  console.log(`replay: ${plan.jobs.length} jobs (${plan.skipped} skipped) over ${duration.toFixed(0)} s on ${nodes} nodes, speedup ${speedup}${faults.length ? `, ${faults.length} faults` : ''}`);
  const once = async (s: ClusterSpec, withFaults: typeof faults): Promise<Recorded> => {
    try {
      await makeCluster(s, `${out}/${s.name}.config`, writeFileSync);
      const recorded = await replay(s, plan.jobs, withFaults, seed);
      writeFileSync(`${out}/${s.name}.records.json`, `${JSON.stringify(recorded)}\n`);
      await keepLogs(s, out);
      return recorded;
    } finally {
      if (!process.env.EC4D_KEEP) await removeCluster(s);
    }
  };
  const elastic = await once(spec('e', false), faults);
  const summary: Record<string, unknown> = figures(elastic, plan.jobs, nodes, speedup);
  await draw(elastic, `replay of ${file}: ${plan.jobs.length} jobs, ${nodes} nodes, speedup ${speedup}`, out);
  if (baseline === 'static') summary.baseline = figures(await once(spec('s', true), []), plan.jobs, nodes, speedup);
  writeFileSync(`${out}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
  for (const [key, value] of Object.entries(summary)) console.log(`${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`);
});
