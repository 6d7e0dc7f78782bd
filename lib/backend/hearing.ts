// Whether a node still answers on the network, from the probes sent to it, and which hosts new
// nodes avoid meanwhile. A Swarm host that is stopped or cut off goes silent at once, but Swarm
// marks it down only after a few missed heartbeats (about 10 s with its defaults): the frontend
// hears the silence itself. Pure.

/** What one probe found: an answer (a refusal counts), silence until its timeout, or nothing sure. */
export type ProbeOutcome = 'answered' | 'silent' | 'unsure';

/** The probes missed since the last answer, and when the first of them was sent (epoch ms). */
export interface Hearing {
  misses: number;
  silentSince?: number;
}

/** The hearing after one probe sent at `sentAt`; an unsure one changes nothing. */
export function afterProbe(h: Hearing | undefined, outcome: ProbeOutcome, sentAt: number): Hearing {
  const before = h ?? { misses: 0 };
  if (outcome === 'answered') return { misses: 0 };
  if (outcome === 'unsure') return before;
  return { misses: before.misses + 1, silentSince: before.silentSince ?? sentAt };
}

/**
 * Lost: at least two probes missed in a row, the first sent `lostAfterMs` or more before `now`.
 * Two, so that one probe's bad luck never counts; `lostAfterMs` 0: never (Swarm's word only).
 */
export function isLost(h: Hearing | undefined, now: number, lostAfterMs: number): boolean {
  return lostAfterMs > 0 && h !== undefined && h.misses >= 2 && h.silentSince !== undefined && now - h.silentSince >= lostAfterMs;
}

/** A running node's task at one listing: its host, and whether it was found lost or heard. */
export interface TaskHeard {
  host: string;
  lost: boolean;
  heard: boolean; // its last probe was answered
}

/**
 * The hosts new nodes must avoid (host -> when a node there was last found lost, epoch ms): a
 * host with a lost node, until Swarm no longer counts it ready (Swarm avoids it then), a node
 * there is heard, or `forgetMs` passes (a host back before Swarm noticed it had gone). Swarm,
 * still counting it ready, would place a lost node's replacement there, where it would never start.
 */
export function hostsToAvoid(before: Map<string, number>, tasks: TaskHeard[], ready: Set<string>, now: number, forgetMs: number): Map<string, number> {
  const avoid = new Map(before);
  for (const t of tasks) if (t.lost) avoid.set(t.host, now);
  for (const [host, since] of avoid) {
    const heardThere = tasks.some((t) => t.host === host && !t.lost && t.heard);
    if (!ready.has(host) || heardThere || now - since > forgetMs) avoid.delete(host);
  }
  return avoid;
}
