// A wake-up when a log file gets a line that matches (inotify, through fs.watch): a boot's watcher
// asks the scheduler as soon as slurmctld logs a registration, instead of at its next poll. The
// log only wakes; what the scheduler answers then is what counts.
import { closeSync, type FSWatcher, fstatSync, openSync, readSync, watch } from 'node:fs';
import { type Wake, wake } from './wake.ts';

export interface LogWatch extends Omit<Wake, 'signal'> {
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
  const matched = wake();

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
        if (readNew()) matched.signal();
      } catch {
        // closed meanwhile
      }
    });
  } catch {
    closeSync(fd);
    return undefined;
  }
  watcher.on('error', () => watcher.close());
  return {
    arm: matched.arm,
    until: matched.until,
    close: () => {
      watcher.close();
      closeSync(fd);
    },
  };
}
