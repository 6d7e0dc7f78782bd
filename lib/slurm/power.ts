// Powering Slurm nodes on and off. Everything goes through Slurm's power saving
// (POWER_UP / POWER_DOWN), and Slurm runs slurm-resume / slurm-suspend, which start and
// remove the containers: so Slurm and Docker never disagree about a node.
import type { Config } from '../config.ts';
import { containerState, removeContainers } from '../docker.ts';
import { waitForJobs } from '../drain.ts';
import { logEvent } from '../events.ts';
import { CUT_OFF, nodeContainers } from '../node-container.ts';
import type { PowerOffOptions, PowerOffResult } from '../scheduler.ts';
import { $, lastLine, sleep, waitFor } from '../run.ts';
import { isOff, isUp, jobsOnNode, nodeReason, setDown, shortStates, startNow, updateNodes } from './control.ts';

// Base states from which a node must be told RESUME before it can be powered up.
const NEEDS_RESUME = /^(down|drain|drng|fail|failg|inval)/;
/** The reason on powered-off nodes held out of scheduling (elasticity none/monitor). */
export const OFF_REASON = 'ec4docker: powered off';

/**
 * In modes "none" and "monitor", ec4docker (not Slurm) decides when a node starts: powered-off
 * nodes are drained, otherwise Slurm would power them up by itself for any waiting job.
 */
export const holdsOffNodes = (config: Config): boolean => config.elasticity !== 'slurm';

/** Node container states ('running', 'exited', ...) by node name, in one engine call. */
export async function nodeContainerStates(config: Config): Promise<Map<string, string>> {
  const containers = await nodeContainers(config.serverName);
  return new Map([...containers].map(([node, c]) => [node, c.state]));
}

/**
 * Asks Slurm to power nodes up (RESUME first where needed); returns the ones now on their way.
 * One POWER_UP for all of them: Slurm then runs slurm-resume once, which starts them in parallel.
 */
export async function requestPowerOn(config: Config, nodes: string[], by: string, reason: (node: string) => string): Promise<{ already: string[]; starting: string[] }> {
  const [states, containers] = await Promise.all([shortStates(nodes), nodeContainerStates(config)]);
  const already: string[] = [];
  const starting: string[] = [];
  for (const node of nodes) {
    const state = states.get(node) ?? 'unknown';
    if (isUp(state) && containers.get(node) === 'running') already.push(node);
    else starting.push(node);
  }
  // A node still powering down cannot be powered up until Slurm's SuspendTimeout ends.
  for (const node of starting.filter((n) => states.get(n)?.endsWith('%'))) await waitUntilOff(node);
  const toResume = starting.filter((n) => NEEDS_RESUME.test(states.get(n) ?? ''));
  if (toResume.length > 0) await updateNodes(toResume, 'RESUME');
  const toPowerUp = starting.filter((n) => !states.get(n)?.endsWith('#'));
  if (toPowerUp.length > 0) await updateNodes(toPowerUp, 'POWER_UP');
  for (const node of starting) logEvent({ action: 'power_on', node, by, reason: reason(node), state: states.get(node) ?? 'unknown' });
  return { already, starting };
}

/** Waits until the nodes are up in Slurm; returns the ones that failed, with why. */
export async function awaitPowerOn(config: Config, nodes: string[], onUp: (node: string, state: string) => void): Promise<Map<string, string>> {
  const deadline = Date.now() + (config.maxWaitPowerOnSeconds + 5) * 1000;
  const failed = new Map<string, string>();
  let waiting = [...nodes];
  let containers = new Map<string, string>();
  let containersAt = 0;
  while (waiting.length > 0 && Date.now() < deadline) {
    await sleep(200);
    const now = await shortStates(waiting);
    // A container that stopped will never register: look once a second, fail it then, not at the deadline.
    if (Date.now() - containersAt >= 1000) {
      containers = await nodeContainerStates(config);
      containersAt = Date.now();
    }
    for (const node of [...waiting]) {
      const state = now.get(node) ?? '';
      const container = containers.get(node);
      if (isUp(state)) {
        onUp(node, state);
      } else if (NEEDS_RESUME.test(state)) {
        failed.set(node, (await nodeReason(node)) || `Slurm state ${state}`);
      } else if (container === 'exited' || container === 'dead' || container === CUT_OFF) {
        failed.set(node, `its container ${container} before slurmd registered`);
      } else continue;
      waiting = waiting.filter((n) => n !== node);
    }
  }
  for (const node of waiting) failed.set(node, `did not join Slurm within ${config.maxWaitPowerOnSeconds} s`);
  return failed;
}

/** Puts a node whose power-on failed back to powered-off, with no container left. */
export async function undoPowerOn(config: Config, node: string, reason: string, by: string): Promise<void> {
  await removeContainers([node]);
  await setDown(node, `ec4docker: power-on failed: ${reason}`).catch(() => undefined);
  // Not POWER_DOWN_FORCE: that cancels the jobs allocated to the node; DOWN requeues them.
  await updateNodes([node], 'POWER_DOWN').catch(() => undefined);
  await waitUntilOff(node);
  if (holdsOffNodes(config)) await holdOff(node);
  logEvent({ action: 'failed', node, by, reason });
}

/** Waits until the node's short state passes `test`; false if it did not within `timeoutMs`. */
async function waitForState(node: string, test: (shortState: string) => boolean, timeoutMs: number, intervalMs = 200): Promise<boolean> {
  return (await waitFor(async () => (test((await shortStates([node])).get(node) ?? '') ? true : undefined), timeoutMs, intervalMs)) === true;
}

/** Waits (at most 30 s) until Slurm counts the node powered off (idle~, down~, drain~). */
export const waitUntilOff = (node: string): Promise<boolean> => waitForState(node, isOff, 30_000);

/**
 * Keeps a powered-off node out of scheduling (modes none/monitor), with OFF_REASON: a down node
 * stays down (a RESUME first would let Slurm give it a job, which the DRAIN would then requeue
 * with a 2-minute hold: seen), an idle one is drained. A node a job got meanwhile is left alone.
 */
export async function holdOff(node: string): Promise<void> {
  const state = (await shortStates([node])).get(node) ?? '';
  if (state.startsWith('down')) await updateNodes([node], 'DOWN', OFF_REASON);
  else if (isOff(state) && !state.startsWith('drain')) await updateNodes([node], 'DRAIN', OFF_REASON);
}

/**
 * Powers a node off without touching a job: drain (no new job lands), check, then POWER_DOWN;
 * if a job is there, undo the drain and report it busy, or with `wait` wait for the jobs.
 */
export async function powerOffNode(config: Config, node: string, by: string, reason: string, options: PowerOffOptions): Promise<PowerOffResult> {
  const state = (await shortStates([node])).get(node) ?? 'unknown';
  if (isOff(state)) {
    // Slurm already counts it off; a container left behind (orphan) goes too.
    const orphan = (await containerState(node)) !== undefined;
    if (orphan) await removeContainers([node]);
    return { kind: 'already-off', orphanRemoved: orphan };
  }
  const drainedBefore = /^(drain|drng)/.test(state);
  // A node still powering up (a failed boot being retried) cannot be drained: Slurm requeues its
  // jobs at once, and holds them back for two minutes. They may start elsewhere now.
  const requeued = state.endsWith('#') ? await jobsOnNode(node) : [];
  await updateNodes([node], 'DRAIN', holdsOffNodes(config) ? OFF_REASON : `ec4docker: ${by}`);
  await startNow(requeued);
  const jobs = await waitForJobs(await jobsOnNode(node), () => jobsOnNode(node), options);
  if (jobs.length > 0) {
    if (!drainedBefore) await updateNodes([node], 'RESUME');
    return { kind: 'busy', jobs };
  }
  await updateNodes([node], 'POWER_DOWN');
  // Slurm's next power-save pass starts the POWER_DOWN (drain! -> idle%) and clears the drain
  // (seen on 22.05), so the node came out idle~: a job submitted then landed on it, and our hold
  // requeued it. Drained again while powering down (drain%), it stays drained (drain~); a
  // powering-down node takes no job meanwhile.
  const held = holdsOffNodes(config)
    && (await waitForState(node, (s) => /[%~]$/.test(s), 5_000, 50))
    && (await updateNodes([node], 'DRAIN', OFF_REASON).then(() => true, () => false));
  logEvent({ action: 'power_off', node, by, reason, state });
  if (!(await waitUntilOff(node))) throw new Error(`${node}: not powered off within 30 s (state ${(await shortStates([node])).get(node)})`);
  // Nothing more once it is off: from then on clues-monitor or a person may power it up again
  // (POWER_UP leaves it idle~ until Slurm's next power-save pass), and a hold or a container
  // removal now would hit that boot (seen: the node came up drained, and stayed on unused).
  // SuspendProgram removed the container; clues-monitor removes any left (orphans).
  if (holdsOffNodes(config) && !held) await holdOff(node); // the drain above failed
  return { kind: 'off' };
}
