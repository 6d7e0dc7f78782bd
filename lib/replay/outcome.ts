// Pure: what happened to a replay's jobs and nodes, from what was recorded (each job's start and
// end markers in /home, each node's power-on and power-off), as the figures of summary.json.
import type { TimelinePoint } from '../core/timeline-chart.ts';

export interface JobRecord {
  id: number;
  submitted: number; // epoch seconds
  due?: number; // epoch seconds the trace put its submit at (scaled); submitted later: the harness lagged
  starts: number[]; // epoch seconds of each start marker (more than one: requeued and started again)
  ends: number[]; // epoch seconds of each end marker (more than one: the job ran twice)
}

export interface PowerInterval {
  node: string;
  on: number; // epoch seconds
  off?: number; // undefined: still on at the end
}

export interface Outcome {
  jobs: number;
  completed: number;
  lost: number; // submitted, never completed
  run_twice: number; // ran to its end more than once (a requeued job that was killed mid-run did not)
  node_seconds: number;
  wait_p50_s: number;
  wait_p95_s: number;
  wait_max_s: number;
  submit_lag_p95_s: number; // how late the harness submitted (jobs with a due time): a lag changes the load
  submit_lag_max_s: number;
}

/** The nearest-rank percentile (p in 0..100) of the values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Seconds nodes were powered on, up to `end` for a node still on. */
export function nodeSeconds(intervals: readonly PowerInterval[], end: number): number {
  return intervals.reduce((sum, i) => sum + Math.max(0, (i.off ?? end) - i.on), 0);
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** The figures of one replay. Wait is first start − submit, for the jobs that started. */
export function outcome(jobs: readonly JobRecord[], power: readonly PowerInterval[], end: number): Outcome {
  const waits = jobs.filter((j) => j.starts.length > 0).map((j) => Math.max(0, Math.min(...j.starts) - j.submitted));
  const completed = jobs.filter((j) => j.ends.length > 0).length;
  const lags = jobs.flatMap((j) => (j.due === undefined ? [] : [Math.max(0, j.submitted - j.due)]));
  return {
    jobs: jobs.length,
    completed,
    lost: jobs.length - completed,
    run_twice: jobs.filter((j) => j.ends.length > 1).length,
    node_seconds: round(nodeSeconds(power, end)),
    wait_p50_s: round(percentile(waits, 50)),
    wait_p95_s: round(percentile(waits, 95)),
    wait_max_s: round(waits.length ? Math.max(...waits) : 0),
    submit_lag_p95_s: round(percentile(lags, 95)),
    submit_lag_max_s: round(lags.length ? Math.max(...lags) : 0),
  };
}

/** One run of a job, from a start marker to the end marker after it (none: cut short). */
export interface JobRun {
  id: number;
  nodes: string[];
  start: number;
  end?: number;
}

/**
 * Nodes powered off while they held a job: the death of a node container that cut a run of a job
 * on it short, other than by an injected fault. A run cut short lasts at most to the job's next
 * start (requeued); its first node death ends it, and its nodes are free from then (a node that
 * went idle and off before the requeued job started again held no job).
 */
export function busyPoweredOff(runs: readonly JobRun[], deaths: ReadonlyArray<{ node: string; at: number }>, injected: ReadonlyArray<{ node: string; at: number }>): number {
  const isInjected = (d: { node: string; at: number }) => injected.some((f) => f.node === d.node && Math.abs(f.at - d.at) < 2);
  const cutting = new Set(runs.flatMap((r) => {
    const inside = deaths.filter((d) => r.nodes.includes(d.node) && d.at > r.start && d.at < (r.end ?? Infinity));
    return inside.length ? [inside.reduce((a, b) => (b.at < a.at ? b : a))] : [];
  }));
  return [...cutting].filter((d) => !isInjected(d)).length;
}

/** The replay's history, one point per `step` seconds from `t0` to `t1` (epoch seconds). */
export function timeline(jobs: readonly JobRecord[], runs: readonly JobRun[], power: readonly PowerInterval[], t0: number, t1: number, step = 1): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  for (let t = t0; t <= t1; t += step) {
    points.push({
      t: round(t - t0),
      on: power.filter((p) => p.on <= t && t < (p.off ?? Infinity)).length,
      busy: runs.filter((r) => r.start <= t && t < (r.end ?? t1)).reduce((n, r) => n + r.nodes.length, 0),
      waiting: jobs.filter((j) => j.submitted <= t && !(j.starts.length > 0 && Math.min(...j.starts) <= t)).length,
    });
  }
  return points;
}

/** Where the node-seconds went: every second a node was on falls in exactly one of these. */
export interface NodeSecondsSplit {
  in_jobs: number; // running a job
  before_first_job: number; // booting, or on and waiting for the other nodes of its first job (all of it, if no job came)
  short_gaps: number; // between two jobs, under SHORT_GAP_S: the scheduler handing the node on
  long_gaps: number; // between two jobs, longer: held for a job that waits for more nodes, or idle under the idle time
  after_last_job: number; // the idle time and the power-off
}

// Shorter than this, a gap between two jobs on a node is the scheduler's hand-off (Slurm: 1-3 s).
export const SHORT_GAP_S = 5;

/** Splits each power interval of each node by the job runs on that node (a run cut short ends at the interval's end). */
export function splitNodeSeconds(runs: readonly JobRun[], power: readonly PowerInterval[], end: number): NodeSecondsSplit {
  const split: NodeSecondsSplit = { in_jobs: 0, before_first_job: 0, short_gaps: 0, long_gaps: 0, after_last_job: 0 };
  for (const p of power) {
    const off = p.off ?? end;
    if (off <= p.on) continue;
    // the runs on this node within the interval, clipped to it and merged where they overlap
    const busy: Array<[number, number]> = [];
    const clipped = runs.filter((r) => r.nodes.includes(p.node)).map((r) => [Math.max(p.on, r.start), Math.min(off, r.end ?? off)] as const);
    for (const [s, e] of clipped.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0])) {
      const last = busy[busy.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else busy.push([s, e]);
    }
    if (busy.length === 0) {
      split.before_first_job += off - p.on;
      continue;
    }
    split.before_first_job += busy[0][0] - p.on;
    split.after_last_job += off - busy[busy.length - 1][1];
    busy.forEach(([s, e], i) => {
      split.in_jobs += e - s;
      if (i === 0) return;
      const gap = s - busy[i - 1][1];
      if (gap < SHORT_GAP_S) split.short_gaps += gap;
      else split.long_gaps += gap;
    });
  }
  return Object.fromEntries(Object.entries(split).map(([k, v]) => [k, round(v)])) as unknown as NodeSecondsSplit;
}
