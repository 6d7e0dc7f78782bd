// Whether a node still answers on the network, from the probes sent to it. A Swarm host that is
// stopped or cut off goes silent at once, but Swarm marks it down only after a few missed
// heartbeats (about 10 s with its defaults): the frontend hears the silence itself. Pure.

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
