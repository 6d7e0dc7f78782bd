// The wake-up the file watchers share (dir-watch.ts, log-watch.ts): a signal since arm() ends
// the current or next wait at once; otherwise the wait ends at its due time.

export interface Wake {
  /** Forgets the signals so far: until() waits for the next one. */
  arm(): void;
  /** Resolves at the first signal since arm(), or at `due` (epoch ms), whichever comes first. */
  until(due: number): Promise<void>;
  signal(): void;
}

export function wake(): Wake {
  let signalled = false;
  let wakeUp: (() => void) | undefined;
  return {
    arm: () => void (signalled = false),
    signal: () => {
      signalled = true;
      wakeUp?.();
    },
    until: (due) =>
      new Promise<void>((resolve) => {
        if (signalled) return resolve();
        const timer = setTimeout(done, Math.max(0, due - Date.now()));
        function done(): void {
          clearTimeout(timer);
          wakeUp = undefined;
          resolve();
        }
        wakeUp = done;
      }),
  };
}
