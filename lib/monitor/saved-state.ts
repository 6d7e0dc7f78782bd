// What clues-monitor remembers between passes and across restarts (a JSON file in the frontend).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { logEvent } from '../io/events.ts';
import type { NodeHistory, PowerHistory } from './policy.ts';

/** Where the state is kept (EC4D_MONITOR_STATE in tests), read when used, not at import. */
export const monitorStateFile = (): string => process.env.EC4D_MONITOR_STATE ?? '/var/lib/ec4docker/monitor-state.json';

export interface MonitorState {
  history: PowerHistory; // per node: idle since, power-on in progress, failures, set aside
}

const TIMES: ReadonlyArray<keyof NodeHistory> = ['idleSince', 'poweringOnSince', 'setAsideSince', 'vanishedAt', 'restartedAt', 'strandedSince'];

/** What is wrong with a parsed state file, or undefined if it has the shape of a MonitorState. */
export function stateProblem(parsed: unknown): string | undefined {
  const history = (parsed as { history?: unknown } | null)?.history;
  if (typeof history !== 'object' || history === null || Array.isArray(history)) return 'no history object';
  for (const [node, h] of Object.entries(history as Record<string, unknown>)) {
    if (typeof h !== 'object' || h === null) return `${node}: not an object`;
    const record = h as Record<string, unknown>;
    if (!Number.isInteger(record.failedPowerOns) || (record.failedPowerOns as number) < 0) return `${node}: failedPowerOns is not a count`;
    for (const key of TIMES) if (record[key] !== undefined && typeof record[key] !== 'number') return `${node}: ${key} is not a time`;
  }
  return undefined;
}

/** Reads the saved state; a missing file starts empty, and so does a damaged one, with a logged warning. */
export function loadMonitorState(file = monitorStateFile()): MonitorState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { history: {} }; // first start
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const problem = parsed === undefined ? 'not JSON' : stateProblem(parsed);
  if (problem === undefined) return { history: (parsed as MonitorState).history };
  logEvent({ action: 'warning', node: '-', by: 'clues-monitor', reason: `${file}: ${problem}; starting with no history` });
  return { history: {} };
}

/** Saves the state atomically (write, then rename), so a crash never leaves half a file. */
export function saveMonitorState(state: MonitorState, file = monitorStateFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}
