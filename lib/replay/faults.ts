// Pure: when a replay injects which fault, reproducibly from a seed.

export type FaultKind = 'kill_busy_node' | 'kill_monitor' | 'restart_frontend' | 'stop_booting_node';

export const FAULT_KINDS: readonly FaultKind[] = ['kill_busy_node', 'kill_monitor', 'restart_frontend', 'stop_booting_node'];

export interface PlannedFault {
  kind: FaultKind;
  at: number; // real seconds after the replay's start
}

/** mulberry32: a small, well-known seeded generator (same seed, same faults). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Each kind of fault once, at a random moment between 10 % and 70 % of the replay, in time order;
 * a node stopped while it boots between 10 % and 30 %: a replay on time boots nodes as its load
 * builds up, and may boot none late (the 31-job slice boots its last node at 40 %).
 */
export function planFaults(durationSeconds: number, seed: number): PlannedFault[] {
  const random = seededRandom(seed);
  const spread = (kind: FaultKind) => (kind === 'stop_booting_node' ? 0.2 : 0.6);
  return FAULT_KINDS.map((kind) => ({ kind, at: Math.round((0.1 + spread(kind) * random()) * durationSeconds * 10) / 10 }))
    .sort((a, b) => a.at - b.at);
}

/** What a job's markers say: each start with its nodes, each end. */
export interface JobMarks {
  starts: Array<{ at: number; nodes: string[] }>;
  ends: number[];
}

/**
 * How much of its run a job must have left for its node's kill to be a mid-job loss: the kill,
 * then clues-monitor's next look (a second, more on a loaded host), which marks the node down
 * and makes the scheduler requeue the job and stop what runs of it. Closer to its end, the job
 * may end before the scheduler hears of the loss, and is rightly run again (docs/replay.md).
 */
export const MID_JOB_MARGIN_SECONDS = 5;

/**
 * Nodes whose job has at least `marginSeconds` of its run left at `now`, by the markers. A node
 * the scheduler still lists as busy may have just ended its job: killed before the end reaches
 * the scheduler, that job is run again, rightly, and would be no test of a mid-job loss.
 */
export function nodesMidJob(marks: ReadonlyMap<number, JobMarks>, runFor: ReadonlyMap<number, number>, now: number, marginSeconds: number): string[] {
  return [...marks].flatMap(([id, m]) => {
    const last = lastStart(m);
    if (!last || hasEnded(m) || !runFor.has(id)) return [];
    return last.at + runFor.get(id)! - now >= marginSeconds ? last.nodes : [];
  });
}

/** Whether every job of the replay (the keys of runFor) has run to its end. */
export function everyJobEnded(marks: ReadonlyMap<number, JobMarks>, runFor: ReadonlyMap<number, number>): boolean {
  return [...runFor.keys()].every((id) => marks.has(id) && hasEnded(marks.get(id)!));
}

const lastStart = (m: JobMarks) => m.starts[m.starts.length - 1];
const hasEnded = (m: JobMarks) => lastStart(m) !== undefined && m.ends.some((e) => e >= lastStart(m).at);

/**
 * Of the nodes the scheduler shows booting, those that have run no job since their container
 * started. After a frontend restart every node looks unknown to Grid Engine until it reports again,
 * and one whose job ended while the server was down still holds that end: stopping it reruns the
 * job, rightly, and is no test of a stopped boot.
 */
export function nodesStillBooting(candidates: ReadonlyArray<{ node: string; startedAt: number }>, marks: ReadonlyMap<number, JobMarks>): string[] {
  const ranJobSince = (node: string, since: number) => [...marks.values()].some((m) => m.starts.some((s) => s.at >= since && s.nodes.includes(node)));
  return candidates.filter((c) => !ranJobSince(c.node, c.startedAt)).map((c) => c.node);
}
