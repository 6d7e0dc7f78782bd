// Where working nodes run, kept apart from the scheduler (as CLUES keeps its power manager apart
// from its LRMS plug-in): the scheduler adapters never start or remove a node themselves.

/**
 * State of a node that runs but has lost its network for good: the engine's, its netns container
 * stopped; a Swarm's, silent to the frontend for EC4DOCK_SWARM_LOST_AFTER seconds.
 */
export const CUT_OFF = 'running, network gone';

/** Whether an engine's time (RFC 3339: a container's StartedAt, a service's CreatedAt) lies within the last `seconds` before `now` (epoch ms). */
export function startedRecently(time: string, now: number, seconds: number): boolean {
  const started = Date.parse(time);
  return Number.isFinite(started) && now - started < seconds * 1000;
}

/** A node's container (or task) as its backend reports it. */
export interface NodeInstance {
  id: string;
  // running | created | exited | dead | ... or CUT_OFF: only 'running' can take jobs
  state: string;
  host?: string; // the Swarm host it is placed on (the swarm backend)
}

export interface NodeBackend {
  /** Makes what the nodes need before their first power-on (the engine: their netns containers). */
  prepare(nodes: string[]): Promise<void>;
  /** Starts a node, replacing a stale copy; throws a UserError when it cannot. */
  start(node: string): Promise<void>;
  /**
   * Removes a node; one already gone counts as removed. With `madeBefore` (epoch ms), only a
   * container (service) made before then: a later one is a new power-on of the node.
   */
  remove(node: string, madeBefore?: number): Promise<void>;
  /** The cluster's nodes that exist, whatever their state, by node name. */
  list(): Promise<Map<string, NodeInstance>>;
  /**
   * Gets these powered-off nodes ready for a faster power-on, in the background (the engine: a
   * spare container each, made where the last list() found none).
   */
  keepSpares?(nodes: string[]): void;
  /** Removes a node left behind by a powered-off node; its last log line, or undefined if none was there. */
  removeOrphan(node: string): Promise<{ log: string } | undefined>;
  /** The node's last log line ('' if none): what it said before it failed. */
  lastLog(node: string): Promise<string>;
}
