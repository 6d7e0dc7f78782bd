// What clues-monitor remembers between passes and across restarts (a JSON file in the frontend).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PowerHistory } from './policy.ts';

/** Where the state is kept (EC4D_MONITOR_STATE in tests), read when used, not at import. */
export const monitorStateFile = (): string => process.env.EC4D_MONITOR_STATE ?? '/var/lib/ec4docker/monitor-state.json';

export interface MonitorState {
  history: PowerHistory; // per node: idle since, power-on in progress, failures, set aside
}

/** Reads the saved state; a missing or damaged file starts empty. */
export function loadMonitorState(file = monitorStateFile()): MonitorState {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as MonitorState;
    return { history: parsed.history ?? {} };
  } catch {
    return { history: {} };
  }
}

/** Saves the state atomically (write, then rename), so a crash never leaves half a file. */
export function saveMonitorState(state: MonitorState, file = monitorStateFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}
