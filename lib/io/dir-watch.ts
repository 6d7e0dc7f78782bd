// A wake-up on any change in a directory (inotify, through fs.watch): clues-monitor rests until
// slurmctld marks a submitted job there, instead of asking squeue several times a second.
import { type FSWatcher, watch } from 'node:fs';

export interface DirWatch {
  /** Forgets the changes seen so far: until() waits for the next one. */
  arm(): void;
  /** Resolves at the first change since arm(), or at `due` (epoch ms), whichever comes first. */
  until(due: number): Promise<void>;
  close(): void;
}

/** Watches `dir`; undefined if it cannot be watched (missing), so the caller polls instead. */
export function watchDir(dir: string): DirWatch | undefined {
  let changed = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      changed = true;
      wake?.();
    });
  } catch {
    return undefined;
  }
  watcher.on('error', () => watcher.close()); // the directory removed: until() still ends at its due time
  return {
    arm: () => void (changed = false),
    until: (due) =>
      new Promise<void>((resolve) => {
        if (changed) return resolve();
        const timer = setTimeout(done, Math.max(0, due - Date.now()));
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
    close: () => watcher.close(),
  };
}
