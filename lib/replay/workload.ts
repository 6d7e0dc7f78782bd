// Pure: which jobs of a trace a replay submits, when, on how many nodes and for how long.
// A job of P processors on a machine of MaxProcs takes ceil(P / MaxProcs × nodes) of the
// cluster's nodes, at least one; its submit and run times are divided by the speedup.
import { UsageError } from '../core/errors.ts';
import { maxProcessors, type SwfTrace } from './swf.ts';

export interface ReplayOptions {
  speedup: number; // > 0: trace seconds per real second
  nodes: number; // the cluster's nodes (EC4DOCK_MAXNODES)
  window?: { start: number; hours: number }; // trace seconds from the log's start
}

export interface ReplayJob {
  id: number; // the trace's job number
  submitAt: number; // real seconds after the replay's start
  runFor: number; // real seconds
  nodes: number;
}

export interface ReplayPlan {
  jobs: ReplayJob[];
  skipped: number; // jobs with no run time or no processor count, which cannot be replayed
  maxProcs: number;
}

/** The jobs to submit, in submit order; bad options and an empty window are refused in one line. */
export function planReplay(trace: SwfTrace, options: ReplayOptions): ReplayPlan {
  if (!(options.speedup > 0)) throw new UsageError(`--speedup must be a number above 0, got ${options.speedup}`);
  if (!Number.isInteger(options.nodes) || options.nodes < 1) throw new UsageError(`--nodes must be a whole number of at least 1, got ${options.nodes}`);
  const maxProcs = maxProcessors(trace);
  let jobs = trace.jobs;
  let origin = Math.min(...jobs.map((j) => j.submit));
  if (options.window) {
    const { start, hours } = options.window;
    if (!(hours > 0)) throw new UsageError(`--window: the hours must be above 0, got ${hours}`);
    jobs = jobs.filter((j) => j.submit >= start && j.submit < start + hours * 3600);
    origin = start;
    if (jobs.length === 0) throw new UsageError(`--window ${start},${hours}: no job is submitted in that window`);
  }
  const usable = jobs.filter((j) => j.runTime > 0 && j.processors > 0);
  if (usable.length === 0) throw new UsageError('no job of the trace has both a run time and a processor count');
  const tooBig = usable.find((j) => j.processors > maxProcs);
  if (tooBig) throw new UsageError(`job ${tooBig.id} asks ${tooBig.processors} processors, more than the machine's ${maxProcs} (MaxProcs): it can never run`);
  const planned = usable.map((j) => ({
    id: j.id,
    submitAt: (j.submit - origin) / options.speedup,
    runFor: j.runTime / options.speedup,
    nodes: Math.max(1, Math.ceil((j.processors / maxProcs) * options.nodes)),
  }));
  planned.sort((a, b) => a.submitAt - b.submitAt || a.id - b.id);
  return { jobs: planned, skipped: jobs.length - usable.length, maxProcs };
}

/** The perfect-packing bound on node-seconds: each job's nodes × its run time, summed. */
export function oracleNodeSeconds(jobs: readonly ReplayJob[]): number {
  return jobs.reduce((sum, j) => sum + j.nodes * j.runFor, 0);
}
