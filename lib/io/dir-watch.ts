// A wake-up on any change in a directory (inotify, through fs.watch): clues-monitor rests until
// slurmctld marks a submitted job there, instead of asking squeue several times a second.
import { type FSWatcher, watch } from 'node:fs';
import { type Wake, wake } from './wake.ts';

export interface DirWatch extends Omit<Wake, 'signal'> {
  close(): void;
}

/** Watches `dir`; undefined if it cannot be watched (missing), so the caller polls instead. */
export function watchDir(dir: string): DirWatch | undefined {
  const changed = wake();
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { persistent: false }, () => changed.signal());
  } catch {
    return undefined;
  }
  watcher.on('error', () => watcher.close()); // the directory removed: until() still ends at its due time
  return { arm: changed.arm, until: changed.until, close: () => watcher.close() };
}
