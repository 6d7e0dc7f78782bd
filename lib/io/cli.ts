// Top-level error handling shared by every command: every failure prints one line
// ("<command>: <message>") and sets the exit code; EC4D_DEBUG=1 adds the stack of an unexpected one.
import minimist from 'minimist';
import { UsageError, UserError } from '../core/errors.ts';

/** Runs a command body, turning thrown errors into a message and process.exitCode. */
export async function runCommand(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${name}: internal error: ${message.split('\n')[0]}\n`);
      if (process.env.EC4D_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = 1;
    }
  }
}

/** minimist with the given flags; any other flag is a UsageError. */
export function parseFlags(argv: string[], spec: { string?: string[]; boolean?: string[]; alias?: Record<string, string> }): minimist.ParsedArgs {
  const known = new Set([...(spec.string ?? []), ...(spec.boolean ?? []), ...Object.keys(spec.alias ?? {}), ...Object.values(spec.alias ?? {})]);
  return minimist(argv, {
    ...spec,
    unknown: (arg) => {
      if (arg.startsWith('-') && arg !== '-') {
        const flag = arg.replace(/^-+/, '').split('=')[0];
        if (!known.has(flag)) throw new UsageError(`unknown option ${arg} (see --help)`);
      }
      return true;
    },
  });
}

/** The value of a string flag, rejecting a flag given without a value. */
export function flagValue(args: minimist.ParsedArgs, flag: string): string | undefined {
  const value: unknown = args[flag];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`option -${flag} given more than once`);
  if (value === '' || typeof value !== 'string') throw new UsageError(`option -${flag} needs a value`);
  return value;
}
