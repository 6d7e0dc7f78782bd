// The event log: one JSON object per line for every power action and decision, with its reason;
// and how ec4docker's JSON-lines logs are kept to a size (this one, the monitor's history).
import { appendFileSync, readFileSync, renameSync, statSync } from 'node:fs';

/** Past this size the log is moved to <log>.1 (the one older generation kept) and begun again. */
export const EVENT_LOG_MAX_BYTES = 10 * 1024 * 1024;

/** Where the events go (EC4D_EVENT_LOG in tests), read when used, not at import. */
export const eventLogPath = (): string => process.env.EC4D_EVENT_LOG ?? '/var/log/ec4docker/events.jsonl';

export interface PowerEvent {
  action: string; // power_on | power_off | resume | suspend | failed | ...
  node: string;
  by: string; // the command that acted
  reason: string;
  [detail: string]: unknown;
}

/** Appends one line to a log kept to a size: past maxBytes it is moved to <log>.1 and begun again. */
export function appendKept(log: string, line: string, maxBytes: number): void {
  if ((statSync(log, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(log, `${log}.1`);
  appendFileSync(log, `${line}\n`);
}

/** The text of a log kept by appendKept, its older generation first ('' where there is none). */
export function readKept(log: string): string {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return read(`${log}.1`) + read(log);
}

/** Appends one event; logging never makes the action itself fail. */
export function logEvent(event: PowerEvent): void {
  try {
    appendKept(eventLogPath(), JSON.stringify({ time: new Date().toISOString(), ...event }), EVENT_LOG_MAX_BYTES);
  } catch {
    // no log directory (e.g. run outside a frontend): the action still counts
  }
}

/**
 * Runs a step whose failure must not stop the action around it (a clean-up, a hint to the
 * scheduler); a failure is logged as a 'warning' event, not lost.
 */
export async function bestEffort(step: Promise<unknown>, node: string, by: string, what: string): Promise<void> {
  try {
    await step;
  } catch (error) {
    logEvent({ action: 'warning', node, by, reason: `${what}: ${error instanceof Error ? error.message : String(error)}` });
  }
}
