// Scheduler-neutral views of nodes and jobs: what the elasticity policy (policy.ts) needs, nothing more.

/** Power as the scheduler sees it; a node in a transition must not get another power action. */
export type Power = 'off' | 'powering_up' | 'on' | 'powering_down';

export interface NodeView {
  name: string;
  power: Power;
  // Runs or is allocated a job (also while it boots for that job): never power it off.
  busy: boolean;
  // The scheduler would give it jobs once it is on: counts as capacity, may be powered on.
  usable: boolean;
  // Drained / draining by someone: that person owns the node, so no automatic power-off or recovery.
  drain: boolean;
  // Down or failed (not merely powered off): needs a 'recover' action before it is capacity again.
  down: boolean;
  // The scheduler's reason text, for action reasons and logs ('' if none).
  reason: string;
  // When the scheduler last saw it busy or registering, epoch seconds, if it says (Slurm's
  // last_busy): its idle time counts from then, not from the monitor's first look.
  lastBusy?: number;
  // When the node's daemon last started, as the scheduler heard at a registration, epoch seconds,
  // if it says (Slurm's boot_time: slurmd -b gives its own start).
  daemonStartedAt?: number;
}

export interface JobView {
  id: string;
  // Pending, and more powered-on nodes could let it start (decided by the scheduler adapter).
  waitsForNodes: boolean;
  // Nodes the job asks for.
  nodeCount: number;
  // Nodes already allocated to it (running, configuring, completing): they are busy.
  nodes: string[];
  // Nodes it must run on (e.g. `sbatch -w`): power these on rather than the lowest-numbered ones.
  requiredNodes: string[];
}

/**
 * Adds the configured nodes that the scheduler does not list, as powered-off usable nodes.
 * Why: a scheduler may not list a node it counts as off (Slurm 22.05 hid powered-down CLOUD
 * nodes without `PrivateData=cloud`, fixture 11), so a configured node missing is off, not gone.
 */
export function withHiddenNodes(nodes: NodeView[], configured: string[]): NodeView[] {
  const seen = new Set(nodes.map((n) => n.name));
  const hidden = configured.filter((name) => !seen.has(name)).map((name): NodeView => ({
    name, power: 'off', busy: false, usable: true, drain: false, down: false, reason: '',
  }));
  return [...nodes, ...hidden];
}
