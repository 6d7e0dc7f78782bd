// Logs kept to a size: a log past the limit is copied to <log>.1 (the one older generation kept)
// and emptied in place, so that a daemon appending to it (O_APPEND) goes on without a restart.
import { copyFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

/** The logs rotate-logs keeps small in a frontend: ec4docker's and the scheduler's. */
export const FRONTEND_LOG_DIRS = ['/var/log/ec4docker', '/var/log/slurm', '/var/log/gridengine'];

/** Rotates each `*.log` file of the folders that is larger than maxBytes; returns those rotated. */
export function rotateLogs(dirs: string[], maxBytes: number): string[] {
  const rotated: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.log'));
    } catch {
      continue; // this middleware has no such folder
    }
    for (const name of names) {
      const file = join(dir, name);
      if (statSync(file).size <= maxBytes) continue;
      copyFileSync(file, `${file}.1`);
      truncateSync(file, 0);
      rotated.push(file);
    }
  }
  return rotated;
}
