// The event log: one JSON object per line for every power action and decision, with its reason.
import { appendFileSync } from 'node:fs';

export const EVENT_LOG = process.env.EC4D_EVENT_LOG ?? '/var/log/ec4docker/events.jsonl';

export interface PowerEvent {
  action: string; // power_on | power_off | resume | suspend | failed | ...
  node: string;
  by: string; // the command that acted
  reason: string;
  [detail: string]: unknown;
}

/** Appends one event; logging never makes the action itself fail. */
export function logEvent(event: PowerEvent): void {
  try {
    appendFileSync(EVENT_LOG, `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  } catch {
    // no log directory (e.g. run outside a frontend): the action still counts
  }
}
