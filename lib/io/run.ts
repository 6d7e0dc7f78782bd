// The one command runner: every external command in ec4docker goes through run(), as an
// argument list (zx quotes each value, no shell parsing of ours), with a named deadline.
import { $, quote } from 'zx/core';
import { UserError } from '../core/errors.ts';

$.shell = '/bin/bash';
$.quote = quote;
$.verbose = false;
$.quiet = true; // stderr is captured for our messages, not echoed

/** How long each kind of command may take. */
export const TIMEOUTS = {
  probe: '5s', // cheap questions asked several times a second (pending jobs)
  logs: '10s', // a container's last log lines
  query: '20s', // a scheduler's or the engine's read of its state
  change: '30s', // a scheduler command that changes something
  engine: '60s', // a Docker engine call (a container start under load takes seconds)
} as const;
export type Deadline = keyof typeof TIMEOUTS;

/** How a command ended. */
export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeout: Deadline | `${number}s`;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Slurm runs its ResumeProgram and SuspendProgram with no PATH at all, and zx needs bash from
 * PATH: called once by the executable's entry point, never at import.
 */
export function ensurePath(): void {
  if (!process.env.PATH) process.env.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
}

/** Runs `cmd ARGS` and returns how it ended; never throws for a non-zero exit. */
export async function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const timeout = (options.timeout in TIMEOUTS ? TIMEOUTS[options.timeout as Deadline] : options.timeout) as `${number}s`;
  const result = await $({ nothrow: true, timeout, input: options.input, env: options.env ?? process.env })`${cmd} ${args}`;
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `cmd ARGS`; a failure becomes a one-line UserError naming the action. Returns stdout. */
export async function runChecked(cmd: string, args: readonly string[], action: string, timeout: RunOptions['timeout'] = 'change', input?: string): Promise<string> {
  const result = await run(cmd, args, { timeout, input });
  if (result.exitCode !== 0) throw new UserError(`${action}: ${cmd}: ${lastLine(`${result.stdout}\n${result.stderr}`) || `exit ${result.exitCode}`}`);
  return result.stdout;
}

/** Last non-empty line of a command's output, for one-line error messages. */
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
