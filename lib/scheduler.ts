// The middleware plug-in point: what clues-monitor needs from a batch system. Each middleware
// implements it once (lib/<middleware>/adapter.ts); the monitor and its status use nothing else.
import type { Config } from './config.ts';
import { UsageError } from './errors.ts';
import { slurmScheduler } from './slurm/adapter.ts';
import type { JobView, NodeView } from './views.ts';

/** The scheduler's picture of the cluster's nodes and live jobs, in neutral views. */
export interface SchedulerView {
  nodes: NodeView[]; // every configured node the scheduler lists (hidden ones are added by the caller)
  jobs: JobView[]; // pending and running jobs only
  states: Map<string, string>; // each node's state as the scheduler spells it, for people
}

export type PowerOffResult = { kind: 'off' } | { kind: 'already-off'; orphanRemoved: boolean } | { kind: 'busy'; jobs: string[] };

export interface Scheduler {
  readonly kind: Config['middleware'];
  /** Reads nodes and jobs (machine-readable output where the scheduler has it). */
  observe(): Promise<SchedulerView>;
  /** Asks for nodes to be powered on (the scheduler's own power saving, or directly). */
  powerOn(nodes: string[], by: string, reason: (node: string) => string): Promise<void>;
  /** Powers a node off without touching a job: drain, check, remove; 'busy' if a job is there. */
  powerOff(node: string, by: string, reason: string): Promise<PowerOffResult>;
  /**
   * Takes a node out of service now, e.g. its container vanished: the jobs on it are requeued and
   * may start again at once (not after the scheduler's requeue delay). Returns their ids.
   */
  markDown(node: string, reason: string): Promise<string[]>;
  /** Brings a down node back to "powered off and usable". */
  recover(node: string): Promise<void>;
}

/** The adapter of the cluster's middleware. */
export function schedulerFor(config: Config): Scheduler {
  if (config.middleware === 'slurm') return slurmScheduler(config);
  throw new UsageError(`middleware ${config.middleware} has no adapter yet`);
}
