// poweron / poweroff: working nodes by hand. Both go through Slurm's power saving
// (POWER_UP / POWER_DOWN), so Slurm and Docker never disagree about a node; the
// containers themselves are started and removed by slurm-resume / slurm-suspend.
import { parseFlags } from '../lib/cli.ts';
import { checkNodeNames, clusterNames } from '../lib/cluster.ts';
import { containerState } from '../lib/docker.ts';
import { UserError } from '../lib/errors.ts';
import { logEvent } from '../lib/events.ts';
import { loadFrontendConfig } from '../lib/frontend-config.ts';
import { $, lastLine, sleep, waitFor } from '../lib/run.ts';
import { isOff, isUp, jobsOnNode, nodeReason, shortStates, updateNodes } from '../lib/slurm/control.ts';
import { removeNodeContainer } from './node-container.ts';

const FAILED = /^(down|drain|drng|fail|failg|inval)/;

function nodesFromArgs(argv: string[], usage: string, booleans: string[] = []) {
  const args = parseFlags(argv, { boolean: ['h', ...booleans], alias: { h: 'help' } });
  if (args.h) {
    console.log(usage);
    return undefined;
  }
  const config = loadFrontendConfig();
  const nodes = checkNodeNames(args._.map(String), clusterNames(config));
  return { config, nodes, args };
}

export async function powerOn(argv: string[]): Promise<void> {
  const parsed = nodesFromArgs(argv, 'usage: poweron NODE...\nStarts working nodes; returns once each has joined Slurm (exit 0), or fails and removes it (exit 1).');
  if (!parsed) return;
  const { config, nodes } = parsed;
  const states = await shortStates(nodes);
  const pending: string[] = [];
  for (const node of nodes) {
    const state = states.get(node) ?? 'unknown';
    if (isUp(state) && (await containerState(node)) === 'running') {
      console.log(`${node}: already on (${state})`);
      continue;
    }
    // A node still powering down cannot be powered up until Slurm's SuspendTimeout ends.
    if (state.endsWith('%')) await waitUntilOff(node);
    // A node whose earlier power-on failed stays down~ until told to resume.
    if (FAILED.test(state)) await updateNodes([node], 'RESUME');
    if (!state.endsWith('#')) await updateNodes([node], 'POWER_UP');
    logEvent({ action: 'power_on', node, by: 'poweron', reason: 'requested by hand', state });
    pending.push(node);
  }
  if (pending.length === 0) return;
  const deadline = Date.now() + (config.maxWaitPowerOnSeconds + 5) * 1000;
  const failed = new Map<string, string>(); // node -> why
  let waiting = [...pending];
  while (waiting.length > 0 && Date.now() < deadline) {
    await sleep(200);
    const now = await shortStates(waiting);
    for (const node of [...waiting]) {
      const state = now.get(node) ?? '';
      if (isUp(state)) {
        console.log(`${node}: on (${state})`);
      } else if (FAILED.test(state)) {
        failed.set(node, (await nodeReason(node)) || `Slurm state ${state}`);
      } else {
        // A container that stopped will never register: fail now rather than at the deadline.
        const container = await containerState(node);
        if (container !== 'exited' && container !== 'dead') continue;
        failed.set(node, `its container ${container} before slurmd registered`);
      }
      waiting = waiting.filter((n) => n !== node);
    }
  }
  for (const node of waiting) failed.set(node, `did not join Slurm within ${config.maxWaitPowerOnSeconds} s`);
  if (failed.size === 0) return;
  const reasons: string[] = [];
  for (const [node, reason] of failed) {
    const logs = await $({ nothrow: true, timeout: '10s' })`docker logs --tail 3 ${node}`;
    const lastLog = lastLine(`${logs.stdout}\n${logs.stderr}`.replace(/Error: No such container.*/g, ''));
    await undoPowerOn(node, reason);
    reasons.push(`${node}: ${reason}${lastLog ? ` (last log line: ${lastLog})` : ''}`);
  }
  throw new UserError(`power-on failed, node(s) removed again: ${reasons.join('; ')}`);
}

/** Puts a node whose power-on failed back to powered-off, with no container left. */
async function undoPowerOn(node: string, reason: string): Promise<void> {
  await removeNodeContainer(node);
  await updateNodes([node], 'DOWN', `ec4docker: power-on failed: ${reason}`.slice(0, 200)).catch(() => undefined);
  await updateNodes([node], 'POWER_DOWN_FORCE').catch(() => undefined);
  await waitUntilOff(node);
  logEvent({ action: 'failed', node, by: 'poweron', reason });
}

/** Waits (at most 30 s) until Slurm counts the node powered off (idle~ / down~). */
async function waitUntilOff(node: string): Promise<boolean> {
  const off = await waitFor(async () => (isOff((await shortStates([node])).get(node) ?? '') ? true : undefined), 30_000);
  return off === true;
}

export async function powerOff(argv: string[]): Promise<void> {
  const parsed = nodesFromArgs(
    argv,
    'usage: poweroff [--drain] NODE...\nRemoves working nodes. A node running a job is refused, or with --drain drained and removed once its jobs end.',
    ['drain'],
  );
  if (!parsed) return;
  const { nodes, args } = parsed;
  const refused: string[] = [];
  for (const node of nodes) {
    const state = (await shortStates([node])).get(node) ?? 'unknown';
    if (isOff(state)) {
      // Slurm already counts it off; a container left behind (orphan) goes too.
      const orphan = (await containerState(node)) !== undefined;
      if (orphan) await removeNodeContainer(node);
      console.log(`${node}: ${orphan ? 'off (removed a leftover container)' : 'already off'}`);
      continue;
    }
    // Drain first so that no new job lands, then check; undo the drain if a job is there.
    await updateNodes([node], 'DRAIN', 'ec4docker poweroff');
    let jobs = await jobsOnNode(node);
    if (jobs.length > 0 && args.drain) {
      console.log(`${node}: draining, waiting for job(s) ${jobs.join(',')}`);
      while (jobs.length > 0) {
        await sleep(1000);
        jobs = await jobsOnNode(node);
      }
    }
    if (jobs.length > 0) {
      await updateNodes([node], 'RESUME');
      refused.push(`${node} runs job(s) ${jobs.join(',')}`);
      continue;
    }
    await updateNodes([node], 'POWER_DOWN');
    logEvent({ action: 'power_off', node, by: 'poweroff', reason: 'requested by hand', state });
    const gone = (await waitUntilOff(node)) && (await containerState(node)) === undefined;
    if (!gone) throw new UserError(`${node}: not powered off within 30 s (state ${(await shortStates([node])).get(node)})`);
    console.log(`${node}: off`);
  }
  if (refused.length > 0) throw new UserError(`refused: ${refused.join('; ')}; wait for the jobs, or use --drain to drain and wait`);
}
