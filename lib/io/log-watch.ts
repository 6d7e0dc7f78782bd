// A wake-up when a log file gets a line that matches (inotify, through fs.watch): a boot's watcher
// asks the scheduler as soon as slurmctld logs a registration, instead of at its next poll. The
// log only wakes; what the scheduler answers then is what counts.
import { closeSync, type FSWatcher, fstatSync, openSync, readSync, watch } from 'node:fs';

export interface LogWatch {
  /** Forgets the lines seen so far: until() waits for the next match. */
  arm(): void;
  /** Resolves at the first matching line since arm(), or at `due` (epoch ms), whichever comes first. */
  until(due: number): Promise<void>;
  close(): void;
}

/**
 * Watches the lines appended to `path` from now on; undefined if it cannot be read or watched, so
 * that the caller polls instead. A log rotated away stops waking it: the caller's polls go on.
 */
export function watchLog(path: string, matches: (line: string) => boolean): LogWatch | undefined {
  let fd: number;
  let watcher: FSWatcher;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  let offset = fstatSync(fd).size;
  let partial = '';
  let matched = false;
  let wake: (() => void) | undefined;

  /** Reads what was appended since the last read; whether a whole new line matches. */
  function readNew(): boolean {
    const size = fstatSync(fd).size;
    if (size < offset) [offset, partial] = [0, '']; // truncated in place
    if (size === offset) return false;
    const buffer = Buffer.alloc(size - offset);
    const got = readSync(fd, buffer, 0, buffer.length, offset);
    offset += got;
    const lines = (partial + buffer.subarray(0, got).toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    return lines.some(matches);
  }

  try {
    watcher = watch(path, { persistent: false }, () => {
      try {
        if (!readNew()) return;
      } catch {
        return; // closed meanwhile
      }
      matched = true;
      wake?.();
    });
  } catch {
    closeSync(fd);
    return undefined;
  }
  watcher.on('error', () => watcher.close());
  return {
    arm: () => void (matched = false),
    until: (due) =>
      new Promise<void>((resolve) => {
        if (matched) return resolve();
        const timer = setTimeout(done, Math.max(0, due - Date.now()));
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
    close: () => {
      watcher.close();
      closeSync(fd);
    },
  };
}
