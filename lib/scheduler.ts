// The middleware plug-in point: what clues-monitor needs from a batch system. Each middleware
// implements it once (lib/<middleware>/adapter.ts); the monitor and its status use nothing else.
import type { Config } from './config.ts';
import { gridEngineScheduler } from './gridengine/adapter.ts';
import { slurmScheduler } from './slurm/adapter.ts';
import { torqueScheduler } from './torque/adapter.ts';
import type { JobView, NodeView } from './views.ts';

/** The scheduler's picture of the cluster's nodes and live jobs, in neutral views. */
export interface SchedulerView {
  nodes: NodeView[]; // every configured node the scheduler lists (hidden ones are added by the caller)
  jobs: JobView[]; // pending and running jobs only
  states: Map<string, string>; // each node's state as the scheduler spells it, for people
  // Jobs the scheduler requeued and holds back for a while (Slurm: two minutes after a node failure).
  heldAfterRequeue?: string[];
}

export type PowerOffResult = { kind: 'off' } | { kind: 'already-off'; orphanRemoved: boolean } | { kind: 'busy'; jobs: string[] };

export interface PowerOffOptions {
  // Wait for the node's jobs to end (drained meanwhile) instead of reporting it busy.
  wait?: boolean;
  onWait?: (jobs: string[]) => void;
}

export interface Scheduler {
  readonly kind: Config['middleware'];
  /** Reads nodes and jobs (machine-readable output where the scheduler has it). */
  observe(): Promise<SchedulerView>;
  /** Starts powering nodes on (the scheduler's own power saving, or directly); returns those already on. */
  powerOn(nodes: string[], by: string, reason: (node: string) => string): Promise<{ already: string[]; starting: string[] }>;
  /** Waits until the nodes are up in the scheduler; returns the ones that failed, with why. */
  awaitPowerOn(nodes: string[], onUp: (node: string, state: string) => void): Promise<Map<string, string>>;
  /** Puts a node whose power-on failed back to powered off, with no container left. */
  undoPowerOn(node: string, reason: string, by: string): Promise<void>;
  /** Powers a node off without touching a job: drain, check, remove; 'busy' if a job is there. */
  powerOff(node: string, by: string, reason: string, options?: PowerOffOptions): Promise<PowerOffResult>;
  /**
   * Takes a node out of service now, e.g. its container vanished: the jobs on it are requeued and
   * may start again at once (not after the scheduler's requeue delay). Returns their ids.
   */
  markDown(node: string, reason: string): Promise<string[]>;
  /** Brings a down node back to "powered off and usable"; false if it is left as it is for now. */
  recover(node: string): Promise<boolean>;
  /** Optional: makes jobs held back after a requeue (heldAfterRequeue) eligible now. */
  release?(jobs: string[]): Promise<void>;
  /**
   * Optional: the ids of pending jobs, from one cheap call, so that clues-monitor notices a new
   * job between its full checks ([] when the call fails).
   */
  pendingJobs?(): Promise<string[]>;
}

/** The adapter of the cluster's middleware. */
export function schedulerFor(config: Config): Scheduler {
  if (config.middleware === 'slurm') return slurmScheduler(config);
  if (config.middleware === 'sge') return gridEngineScheduler(config);
  return torqueScheduler(config);
}

/**
 * How setup-cluster counts a cluster's queued and running jobs from the host (docker exec in the
 * frontend), before it terminates the cluster.
 */
export const JOB_LIST: Record<Config['middleware'], { argv: string[]; count: (stdout: string) => number }> = {
  slurm: { argv: ['squeue', '-h', '-o', '%i'], count: (out) => out.split('\n').filter(Boolean).length },
  // qstat prints two header lines, then one line per job (or array task range) starting with its number.
  sge: { argv: ['qstat', '-u', '*'], count: (out) => out.split('\n').filter((l) => /^\s*\d+\s/.test(l)).length },
  torque: { argv: ['qstat'], count: (out) => out.split('\n').filter((l) => /^\d+(\[\d*\])?\.\S+\s/.test(l)).length },
};
