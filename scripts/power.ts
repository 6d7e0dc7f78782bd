// poweron / poweroff: working nodes by hand (the seed's /opt/ec4docker/poweron and poweroff).
import { UserError } from '../lib/core/errors.ts';
import { checkNodeNames, clusterNames } from '../lib/core/names.ts';
import { parseFlags } from '../lib/io/cli.ts';
import { openFrontend } from '../lib/middleware/frontend.ts';

function nodesFromArgs(argv: string[], usage: string, booleans: string[] = []) {
  const args = parseFlags(argv, { boolean: ['h', ...booleans], alias: { h: 'help' } });
  if (args.h) {
    console.log(usage);
    return undefined;
  }
  const cluster = openFrontend();
  const nodes = checkNodeNames(args._.map(String), clusterNames(cluster.config));
  return { power: cluster.power, nodes, args };
}

export async function powerOn(argv: string[]): Promise<void> {
  const parsed = nodesFromArgs(argv, 'usage: poweron NODE...\nStarts working nodes; returns once each has joined the scheduler (exit 0), or fails and removes it (exit 1).');
  if (!parsed) return;
  const { power, nodes } = parsed;
  const { already, starting } = await power.powerOn(nodes, 'poweron', () => 'requested by hand');
  for (const node of already) console.log(`${node}: already on`);
  if (starting.length === 0) return;
  const failed = await power.awaitPowerOn(starting, (node, state) => console.log(`${node}: on (${state})`));
  if (failed.size === 0) return;
  const reasons: string[] = [];
  for (const [node, reason] of failed) {
    const lastLog = await power.backend.lastLog(node);
    await power.undoPowerOn(node, reason, 'poweron');
    reasons.push(`${node}: ${reason}${lastLog ? ` (last log line: ${lastLog})` : ''}`);
  }
  throw new UserError(`power-on failed, node(s) removed again: ${reasons.join('; ')}`);
}

export async function powerOff(argv: string[]): Promise<void> {
  const parsed = nodesFromArgs(
    argv,
    'usage: poweroff [--drain] NODE...\nRemoves working nodes. A node running a job is refused, or with --drain drained and removed once its jobs end.',
    ['drain'],
  );
  if (!parsed) return;
  const { power, nodes, args } = parsed;
  const refused: string[] = [];
  for (const node of nodes) {
    const result = await power.powerOff(node, 'poweroff', 'requested by hand', {
      wait: Boolean(args.drain),
      onWait: (jobs) => console.log(`${node}: draining, waiting for job(s) ${jobs.join(',')}`),
    });
    if (result.kind === 'busy') refused.push(`${node} runs job(s) ${result.jobs.join(',')}`);
    else if (result.kind === 'off') console.log(`${node}: off`);
    else console.log(`${node}: ${result.orphanRemoved ? 'off (removed a leftover container)' : 'already off'}`);
  }
  if (refused.length > 0) throw new UserError(`refused: ${refused.join('; ')}; wait for the jobs, or use --drain to drain and wait`);
}
