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

/** Each kind of fault once, at a random moment between 10 % and 70 % of the replay, in time order. */
export function planFaults(durationSeconds: number, seed: number): PlannedFault[] {
  const random = seededRandom(seed);
  return FAULT_KINDS.map((kind) => ({ kind, at: Math.round((0.1 + 0.6 * random()) * durationSeconds * 10) / 10 }))
    .sort((a, b) => a.at - b.at);
}
