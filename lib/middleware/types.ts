// The middleware plug-in point. A middleware (Slurm, Grid Engine, Torque) is one folder
// lib/<name>/ whose index.ts exports one Middleware record; lib/middleware/registry.ts lists them.
// Its Scheduler adapter runs scheduler commands only: where nodes run is the NodeBackend's.
import type { NodeBackend } from '../backend/types.ts';
import type { Config } from '../core/config.ts';
import type { JobView, NodeView } from '../core/views.ts';

/** The scheduler's picture of the cluster's nodes and live jobs, in neutral views. */
export interface SchedulerView {
  nodes: NodeView[]; // every configured node the scheduler lists (hidden ones are added by the caller)
  jobs: JobView[]; // pending and running jobs only
  states: Map<string, string>; // each node's state as the scheduler spells it, for people
  // Jobs the scheduler requeued and holds back for a while (Slurm: two minutes after a node failure).
  heldAfterRequeue?: string[];
  // Requeued jobs the scheduler last saw still cleaning up their earlier run: Slurm looks at
  // them again only when something asks it for a scheduling pass.
  cleaningAfterRequeue?: string[];
  // Each node's power state, where the look tells it (Slurm): a power-on just after need not ask.
  powerStates?: Map<string, PowerState>;
}

/** A node's state when a power-on is asked for. */
export interface PowerState {
  up: boolean; // registered and able to take jobs
  listed: boolean; // the scheduler knows the node (Grid Engine, Torque: it is in the queue)
  state: string; // for people and the event log
}

/** What the scheduler says of a booting node: up (with its state for people), failed, or not yet. */
export type BootCheck = { up: string } | { failed: string } | undefined;

export type SchedulerPowerOff = { kind: 'off'; state: string } | { kind: 'already-off' } | { kind: 'busy'; jobs: string[] };

export interface PowerOffOptions {
  // Wait for the node's jobs to end (drained meanwhile) instead of reporting it busy.
  wait?: boolean;
  onWait?: (jobs: string[]) => void;
  // Removes the node's container. A scheduler whose own power saving removes nodes (Slurm) calls
  // it once the node is drained, empty and its power-down accepted, rather than waiting for that.
  remove?: () => Promise<void>;
  // The caller saw the node on, idle and in service a moment ago (clues-monitor's look): its state
  // need not be asked again. A job placed on it since is still found, as for any power-off.
  seenIdle?: boolean;
}

export interface Scheduler {
  /**
   * True when the scheduler's own power saving starts and removes node containers (Slurm runs
   * slurm-resume and slurm-suspend); otherwise ec4docker starts them once the nodes are admitted.
   */
  readonly startsNodes: boolean;
  /** The daemon a node runs that must register (for messages). */
  readonly daemon: string;
  /** Reads nodes and jobs (machine-readable output where the scheduler has it). */
  observe(): Promise<SchedulerView>;
  /** The nodes' states, for a power-on. */
  powerStates(nodes: string[]): Promise<Map<string, PowerState>>;
  /**
   * Gets nodes ready to be powered on. Slurm: asked to power them up (it then starts them), or
   * with `startingHere` (the caller starts them at once) only made schedulable; others: made
   * known first, so that a starting node is not taken for an orphan.
   */
  admit(nodes: string[], states: Map<string, PowerState>, startingHere: boolean): Promise<void>;
  /**
   * Optional: told of nodes the caller is about to start; returns at once. Slurm watches them
   * register, so that their first jobs start without the prolog's wait. `started` settles once
   * their containers have started: none registers before.
   */
  starting?(nodes: string[], started: Promise<unknown>): void;
  /** Each booting node's state, read once for all of them. */
  bootChecks(nodes: string[]): Promise<Map<string, BootCheck>>;
  /** After a failed power-on, its node already removed: back to powered off in the scheduler. */
  forget(node: string, reason: string): Promise<void>;
  /**
   * Takes a node out of the scheduler without touching a job: no new job lands, then a look;
   * 'busy' if a job is there (or with options.wait, once its jobs have ended).
   */
  powerOff(node: string, by: string, reason: string, options: PowerOffOptions): Promise<SchedulerPowerOff>;
  /**
   * Takes a node out of service now, e.g. its container vanished: the jobs on it are requeued and
   * may start again at once (not after the scheduler's requeue delay). Returns their ids.
   */
  markDown(node: string, reason: string): Promise<string[]>;
  /** Brings a down node back to "powered off and usable"; false if it is left as it is for now. */
  recover(node: string, running: boolean): Promise<boolean>;
  /** Optional: makes jobs eligible now and asks for a scheduling pass (heldAfterRequeue, cleaningAfterRequeue). */
  release?(jobs: string[]): Promise<void>;
  /**
   * Optional: the ids of pending jobs, from one cheap call, so that clues-monitor notices a new
   * job between its full checks ([] when the call fails).
   */
  pendingJobs?(): Promise<string[]>;
  /**
   * Optional: a directory where the scheduler rewrites a file at every job submitted (Slurm's
   * job_submit.lua), so that clues-monitor wakes on it instead of polling pendingJobs.
   */
  submissionMarks?: string;
}

/** What runs on the frontend for a middleware's program: its cluster's config and node backend. */
export interface Frontend {
  config: Config;
  backend: NodeBackend;
}

/** A program the frontend image links to ec4d under its name (run by the scheduler or the entrypoint). */
export type Program = (argv: string[], frontend: () => Frontend) => Promise<void>;

/**
 * A container of the cluster beside the frontend, on its network, named and hostnamed
 * <servername>-<role>, with the secrets volume (it may make the keys) and a data volume of its own that
 * setup-cluster -t keeps like /home (only --purge removes it).
 */
export interface ServiceSpec {
  role: 'db';
  image: string;
  dataVolume: { role: 'accounting'; mount: string };
  env: Record<string, string>;
  memory: string; // docker --memory
}

/** Everything that differs between middlewares. */
export interface Middleware {
  name: string; // EC4DOCK_MIDDLEWARE and the images' org.ec4docker.middleware label
  title: string; // the scheduler's column in `clues-monitor status`
  // Powers nodes on and off by itself: EC4DOCK_ELASTICITY=slurm is possible.
  ownPowerSaving: boolean;
  // The frontend must resolve every node before it starts (its /etc/hosts lists them at fixed
  // addresses), so the cluster's network must be one setup-cluster made.
  fixedNodeAddresses: boolean;
  // What `clues-monitor status` shows for a node the scheduler does not list.
  unlisted: string;
  // How setup-cluster counts the jobs in a frontend before it terminates the cluster.
  jobList: { argv: string[]; count: (stdout: string) => number };
  // Runs a REST API in the frontend when EC4DOCK_REST_API=yes: its port there, and the lines
  // setup-cluster prints on how to use it (url: as published on the host).
  restApi?: { port: number; usage: (url: string, frontend: string) => string[] };
  // Containers the cluster runs beside the frontend, by config (Slurm: its accounting database).
  services?: (config: Config) => ServiceSpec[];
  // The frontend's programs of this middleware, by the name the image links them under.
  programs: Record<string, Program>;
  scheduler(config: Config): Scheduler;
}
