// ec4d: one executable for every ec4docker command, dispatched on the name it was called by
// (links poweron, poweroff, ...) or, failing that, on its first argument.
import { existsSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../lib/core/errors.ts';
import { runCommand } from '../lib/io/cli.ts';
import { FRONTEND_LOG_DIRS, rotateLogs } from '../lib/io/rotate.ts';
import { ensurePath } from '../lib/io/run.ts';
import { openFrontend } from '../lib/middleware/frontend.ts';
import { middlewareNamed, MIDDLEWARES } from '../lib/middleware/registry.ts';
import type { Frontend } from '../lib/middleware/types.ts';
import { cluesMonitor } from './clues-monitor.ts';
import { gate } from './gate.ts';
import { powerOff, powerOn } from './power.ts';
import { setupCluster } from './setup-cluster.ts';

export const VERSION = '0.1.0';

// The commands every frontend has; each middleware adds its own programs (lib/<name>/index.ts).
const FRONTEND_COMMANDS = ['poweron', 'poweroff', 'clues-monitor'];

/** The frontend's context for a middleware program, made when the program asks for it. */
const frontend = (): Frontend => openFrontend();

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  'setup-cluster': setupCluster,
  poweron: powerOn,
  poweroff: powerOff,
  'clues-monitor': cluesMonitor,
  gate,
  ...Object.fromEntries(MIDDLEWARES.flatMap((m) => Object.entries(m.programs).map(([name, program]) => [name, (argv: string[]) => program(argv, frontend)]))),
  links: makeLinks,
  middlewares: async () => console.log(MIDDLEWARES.map((m) => m.name).join('\n')),
  // cron, every few minutes: the frontend's logs kept under 10 MiB each (and one older copy)
  'rotate-logs': async () => void rotateLogs(FRONTEND_LOG_DIRS, 10 * 1024 * 1024),
};

/**
 * `ec4d links MIDDLEWARE DIR`: links the frontend's commands and that middleware's programs to
 * ec4d in DIR (the frontend images run it at build time, so the list is this table, not a copy).
 */
async function makeLinks(argv: string[]): Promise<void> {
  if (argv.length !== 2) throw new UsageError('usage: ec4d links MIDDLEWARE DIR');
  const [name, dir] = argv;
  for (const command of [...FRONTEND_COMMANDS, ...Object.keys(middlewareNamed(name).programs)]) {
    const link = join(dir, command);
    if (existsSync(link)) unlinkSync(link);
    symlinkSync('ec4d', link);
    console.log(`${link} -> ec4d`);
  }
}

const USAGE = `usage: ec4d COMMAND [ARGS]   (or call it through a link named after the command)
commands: ${Object.keys(COMMANDS).join(', ')}; ec4d --version`;

async function main(): Promise<void> {
  ensurePath();
  // In a single executable, argv0 keeps the link's name; under plain node it is "node".
  const called = basename(process.argv0);
  let argv = process.argv.slice(2);
  let name = called;
  if (!(name in COMMANDS)) {
    if (argv[0] === '--version') return console.log(VERSION);
    name = argv[0] ?? '';
    argv = argv.slice(1);
  }
  const command = COMMANDS[name];
  await runCommand(name || 'ec4d', async () => {
    if (!command) throw new UsageError(name ? `unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')})` : USAGE);
    await command(argv);
  });
}

void main();
