// ec4d: one executable for every ec4docker command, dispatched on the name it was called by
// (symlinks poweron, poweroff, ...) or, failing that, on its first argument.
import { basename } from 'node:path';
import { runCommand } from '../lib/cli.ts';
import { UsageError } from '../lib/errors.ts';
import { cluesMonitor } from './clues-monitor.ts';
import { powerOff, powerOn } from './power.ts';
import { setupCluster } from './setup-cluster.ts';
import { sgeInit } from './sge-programs.ts';
import { slurmConf, slurmInit, slurmProlog, slurmResume, slurmSuspend } from './slurm-programs.ts';

export const VERSION = '0.1.0';

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  'setup-cluster': setupCluster,
  poweron: powerOn,
  poweroff: powerOff,
  'clues-monitor': cluesMonitor,
  'slurm-resume': slurmResume,
  'slurm-suspend': slurmSuspend,
  'slurm-prolog': slurmProlog,
  'slurm-conf': slurmConf,
  'slurm-init': slurmInit,
  'sge-init': sgeInit,
};

const USAGE = `usage: ec4d COMMAND [ARGS]   (or call it through a link named after the command)
commands: ${Object.keys(COMMANDS).join(', ')}; ec4d --version`;

async function main(): Promise<void> {
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
    if (!command) throw new UsageError(name ? `unknown command ${JSON.stringify(name)}\n${USAGE}` : USAGE);
    await command(argv);
  });
}

void main();
