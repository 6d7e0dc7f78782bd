// The one place that sets up zx's `$`: every external command in ec4docker goes through it,
// as an argument list (zx quotes each ${} value), with a deadline.
import { $, quote } from 'zx/core';
import { UserError } from './errors.ts';

// Slurm runs ResumeProgram/SuspendProgram with no PATH at all; zx needs bash from PATH.
if (!process.env.PATH) process.env.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
$.shell = '/bin/bash';
$.quote = quote;
$.verbose = false;
$.quiet = true; // stderr is captured for our messages, not echoed

export { $ };

/** Last non-empty stderr line of a failed command, for one-line error messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? '';
}

/** Sleeps for the given milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** Runs a scheduler command as an argument list; a failure becomes a one-line UserError naming the action. */
export async function runChecked(cmd: string, args: string[], action: string): Promise<string> {
  const result = await $({ nothrow: true, timeout: '30s' })`${cmd} ${args}`;
  if (result.exitCode !== 0) throw new UserError(`${action}: ${cmd}: ${lastLine(`${result.stdout}\n${result.stderr}`) || `exit ${result.exitCode}`}`);
  return result.stdout;
}

/** Wraps tasks so that at most `n` run at once; the others wait their turn, in order. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running < n) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // handed a finished task's slot
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
