// Pure: what happened to a replay's jobs and nodes, from what was recorded (each job's start and
// end markers in /home, each node's power-on and power-off), as the figures of summary.json.

export interface JobRecord {
  id: number;
  submitted: number; // epoch seconds
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
  return {
    jobs: jobs.length,
    completed,
    lost: jobs.length - completed,
    run_twice: jobs.filter((j) => j.ends.length > 1).length,
    node_seconds: round(nodeSeconds(power, end)),
    wait_p50_s: round(percentile(waits, 50)),
    wait_p95_s: round(percentile(waits, 95)),
    wait_max_s: round(waits.length ? Math.max(...waits) : 0),
  };
}
