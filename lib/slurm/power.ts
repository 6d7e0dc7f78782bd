// Powering Slurm nodes on and off. Everything goes through Slurm's power saving
// (POWER_UP / POWER_DOWN), and Slurm runs slurm-resume / slurm-suspend, which start and
// remove the nodes: so Slurm and the node backend never disagree about a node.
import type { Config } from '../core/config.ts';
import { UserError } from '../core/errors.ts';
import { bestEffort } from '../io/events.ts';
import { watchLog } from '../io/log-watch.ts';
import { sleep, waitFor } from '../io/run.ts';
import type { BootCheck, PowerOffOptions, PowerState, SchedulerPowerOff } from '../middleware/types.ts';
import { waitForJobs } from '../power/drain.ts';
import { SLURMCTLD_LOG } from './conf.ts';
import { drainAndShow, isOff, isUp, jobsOnNode, nodeReasons, setDown, shortStates, startNow, updateNodes } from './control.ts';
import { emptyOnceDrained } from './state.ts';
import { forgetBooting, forgetRegistered, markBooting, markRegistered } from './registered.ts';

// Base states from which a node must be told RESUME before it can be powered up.
const NEEDS_RESUME = /^(down|drain|drng|fail|failg|inval)/;
/** The reason on powered-off nodes held out of scheduling (elasticity none/monitor). */
export const OFF_REASON = 'ec4docker: powered off';

/**
 * In modes "none" and "monitor", ec4docker (not Slurm) decides when a node starts: powered-off
 * nodes are drained, otherwise Slurm would power them up by itself for any waiting job.
 */
export const holdsOffNodes = (config: Config): boolean => config.elasticity !== 'slurm';

/** A node's power state from its short state (sinfo's %t), undefined if Slurm does not list it. */
export const powerStateOf = (state: string | undefined): PowerState => ({ up: isUp(state ?? ''), listed: state !== undefined, state: state ?? 'unknown' });

/** The nodes' short states as power states. */
export async function powerStates(nodes: string[]): Promise<Map<string, PowerState>> {
  const states = await shortStates(nodes);
  return new Map(nodes.map((node) => [node, powerStateOf(states.get(node))]));
}

/**
 * Asks Slurm to power nodes up (RESUME first where needed). One POWER_UP for all of them: Slurm
 * then runs slurm-resume once, which starts them in parallel. With `startingHere` the caller
 * starts them now, rather than at Slurm's next power-save pass (once a second): no POWER_UP
 * then, only RESUME where needed. A POWER_UP whose node registers before that pass would keep
 * its flag until the node's next power-down, and Slurm would power the node up again at once.
 * Without it a node that registers is simply up; one given a job first is powered up by Slurm,
 * whose slurm-resume finds it booting and leaves it be.
 */
export async function requestPowerUp(nodes: string[], states: Map<string, PowerState>, startingHere = false): Promise<void> {
  const state = (node: string) => states.get(node)?.state ?? '';
  // A node still powering down cannot be powered up until Slurm's SuspendTimeout ends.
  for (const node of nodes.filter((n) => state(n).endsWith('%'))) await waitUntilOff(node);
  const toResume = nodes.filter((n) => NEEDS_RESUME.test(state(n)));
  const toPowerUp = startingHere ? [] : nodes.filter((n) => !state(n).endsWith('#'));
  // A node that vanished never went through slurm-suspend: its mark goes before its boot.
  forgetRegistered(nodes);
  // POWER_UP before RESUME. Resumed first, a node is idle~ for a moment: Slurm may give it a
  // waiting job and power it up itself, and a POWER_UP after that is a repeat, for which Slurm
  // runs slurm-resume again on a node already booting (seen in a replay). A drained node is
  // powered up only once it is resumed.
  if (toPowerUp.length > 0) await updateNodes(toPowerUp, 'POWER_UP');
  if (toResume.length > 0) await updateNodes(toResume, 'RESUME');
}

/**
 * Of booting nodes, by their short states: the ones Slurm has up now, and the ones still booting;
 * the others have failed (down or drained).
 */
export function registrations(nodes: string[], states: Map<string, string>): { up: string[]; booting: string[] } {
  const up = nodes.filter((n) => isUp(states.get(n) ?? ''));
  return { up, booting: nodes.filter((n) => !up.includes(n) && !NEEDS_RESUME.test(states.get(n) ?? '')) };
}

/** Booting nodes as Slurm sees them: up, failed (down or drained, with Slurm's reason), or not yet. */
export async function bootChecks(nodes: string[]): Promise<Map<string, BootCheck>> {
  const states = await shortStates(nodes);
  const { up, booting } = registrations(nodes, states);
  const failing = nodes.filter((n) => !up.includes(n) && !booting.includes(n));
  const reasons = failing.length > 0 ? await nodeReasons(failing).catch(() => new Map<string, string>()) : new Map<string, string>();
  return new Map(nodes.map((node): [string, BootCheck] => {
    const state = states.get(node) ?? '';
    if (up.includes(node)) return [node, { up: state }];
    if (failing.includes(node)) return [node, { failed: reasons.get(node) || `Slurm state ${state}` }];
    return [node, undefined];
  }));
}

const REGISTRATION_POLL_MS = 200;
/** slurmctld's line for a node that registers (node_mgr.c), in the log slurm.conf names. */
const REGISTERED_LINE = /^\[[^\]]*\] Node (\S+) now responding$/;

/**
 * Slurm powers up a node it gave a job while the node booted at its next power-save pass (once a
 * second), often after the node registered: slurm-power-up, finding the node's booting mark,
 * then starts nothing (without it, an ec4d start: 0.3 s of CPU). So a registered node keeps its
 * mark a while.
 */
const BOOTING_MARK_KEPT_MS = 1_500;

// The booting marks this process wrote and still holds, each with the boot it is for, forgotten
// when it exits (poweron exits once its nodes are up, before its watcher ends): a dead watcher's
// pid could be a new process's.
const heldMarks = new Map<string, number>();
let boots = 0;
let releasedAtExit = false;
function holdBooting(nodes: string[]): void {
  if (!releasedAtExit) process.once('exit', () => forgetBooting([...heldMarks.keys()]));
  releasedAtExit = true;
  boots += 1;
  for (const node of nodes) heldMarks.set(node, boots);
  markBooting(nodes);
}
function releaseBooting(nodes: string[]): void {
  for (const node of nodes) heldMarks.delete(node);
  forgetBooting(nodes);
}
/** Releases the nodes' marks in a while, unless a new boot (power-off and on) holds them by then. */
function releaseBootingLater(nodes: string[]): void {
  const held = new Map(nodes.map((n) => [n, heldMarks.get(n)]));
  if (nodes.length > 0) setTimeout(() => releaseBooting(nodes.filter((n) => heldMarks.get(n) === held.get(n))), BOOTING_MARK_KEPT_MS).unref();
}

/**
 * Marks nodes being started here registered (registered.ts) as soon as their slurmd has
 * registered, asking Slurm when slurmctld logs a registration, and every 200 ms besides, from
 * their containers' start (`started`) until each is up, has failed, or `timeoutMs` passed; marked
 * booting meanwhile (from before their start: Slurm may run a job's prolog while they start).
 * Their first jobs then start without slurm-prolog-wait: a start of the executable (0.2 s of CPU,
 * beside the boot) and questions that slurmctld answers slowly while it launches the job. Not
 * asked before `started`: under load a container's start takes seconds, and each question costs
 * slurmctld and the frontend some 25 ms of CPU.
 */
export async function markOnRegistration(nodes: string[], started: Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let booting = nodes;
  holdBooting(nodes);
  // Watched from before the start: a registration logged meanwhile is not missed.
  const registered = watchLog(SLURMCTLD_LOG, (line) => booting.includes(REGISTERED_LINE.exec(line)?.[1] ?? ''));
  try {
    await started.catch(() => undefined);
    while (booting.length > 0 && Date.now() < deadline) {
      const due = Date.now() + REGISTRATION_POLL_MS;
      await (registered ? registered.until(due) : sleep(REGISTRATION_POLL_MS));
      registered?.arm(); // before asking: a registration logged while Slurm answers wakes the next wait
      const states = await shortStates(booting).catch(() => undefined);
      if (!states) continue;
      const seen = registrations(booting, states);
      markRegistered(seen.up);
      releaseBootingLater(seen.up);
      releaseBooting(booting.filter((n) => !seen.booting.includes(n) && !seen.up.includes(n)));
      booting = seen.booting;
    }
  } finally {
    registered?.close();
    releaseBooting(booting);
  }
}

/** Puts a node whose power-on failed (its node already removed) back to powered off. */
export async function forgetPowerOn(config: Config, node: string, reason: string): Promise<void> {
  await bestEffort(setDown(node, `ec4docker: power-on failed: ${reason}`), node, 'ec4docker', 'mark the node down');
  // Not POWER_DOWN_FORCE: that cancels the jobs allocated to the node; DOWN requeues them.
  await bestEffort(updateNodes([node], 'POWER_DOWN'), node, 'ec4docker', 'power the node down');
  await waitUntilOff(node);
  if (holdsOffNodes(config)) await holdOff(node);
}

/** Waits until the node's short state passes `test`; false if it did not within `timeoutMs`. */
async function waitForState(node: string, test: (shortState: string) => boolean, timeoutMs: number, intervalMs = 200): Promise<boolean> {
  return (await waitFor(async () => (test((await shortStates([node])).get(node) ?? '') ? true : undefined), timeoutMs, intervalMs)) === true;
}

/**
 * Waits (at most 30 s) until Slurm counts the node powered off (idle~, down~, drain~), asking
 * every `intervalMs`: a node powering down takes SuspendTimeout (2 s) and a power-save pass.
 */
export const waitUntilOff = (node: string, intervalMs = 200): Promise<boolean> => waitForState(node, isOff, 30_000, intervalMs);

/**
 * Keeps a powered-off node out of scheduling (modes none/monitor), with OFF_REASON: a down node
 * stays down (a RESUME first would let Slurm give it a job, which the DRAIN would then requeue
 * with a 2-minute hold), an idle one is drained. A node a job got meanwhile is left alone.
 */
export async function holdOff(node: string): Promise<void> {
  const state = (await shortStates([node])).get(node) ?? '';
  if (state.startsWith('down')) await updateNodes([node], 'DOWN', OFF_REASON);
  else if (isOff(state) && !state.startsWith('drain')) await updateNodes([node], 'DRAIN', OFF_REASON);
}

/**
 * Powers a node off without touching a job: drain (no new job lands), check, then POWER_DOWN;
 * if a job is there, undo the drain and report it busy, or with `wait` wait for the jobs.
 * slurm-suspend removes the node once Slurm powers it down.
 */
export async function powerOffNode(config: Config, node: string, by: string, options: PowerOffOptions): Promise<SchedulerPowerOff> {
  // Not asked again after the monitor's look: under load a question is 0.1-0.3 s of a node kept on.
  const state = options.seenIdle ? 'idle' : ((await shortStates([node])).get(node) ?? 'unknown');
  if (isOff(state)) return { kind: 'already-off' };
  const drainedBefore = /^(drain|drng)/.test(state);
  // A node still powering up (a failed boot being retried) cannot be drained: Slurm requeues its
  // jobs at once, and holds them back for two minutes. They may start elsewhere now.
  const requeued = state.endsWith('#') ? await jobsOnNode(node) : [];
  const drained = await drainAndShow(node, holdsOffNodes(config) ? OFF_REASON : `ec4docker: ${by}`);
  await startNow(requeued);
  const jobs = await waitForJobs(emptyOnceDrained(drained) ? [] : await jobsOnNode(node), () => jobsOnNode(node), options);
  if (jobs.length > 0) {
    if (!drainedBefore) await updateNodes([node], 'RESUME');
    return { kind: 'busy', jobs };
  }
  // Drained and empty, so no job can land: the container goes now, beside the POWER_DOWN, rather
  // than at Slurm's next power-save pass (up to a second, and slurm-suspend's start), whose
  // slurm-suspend finds none. If it cannot go now, slurm-suspend still removes it. Beside the
  // hold below, not before it: removals under load take seconds, and the hold must land within
  // SuspendTimeout.
  const removing = options.remove
    ? bestEffort(options.remove(), node, by, 'remove the node').then(() => forgetRegistered([node])) // as slurm-suspend does
    : Promise.resolve();
  await updateNodes([node], 'POWER_DOWN').catch(async (error: unknown) => {
    await removing; // its failure is reported; the removal's is logged
    throw error;
  });
  // Slurm's next power-save pass starts the POWER_DOWN (drain! -> idle%) and clears the drain,
  // so the node would come out idle~ and take a job our hold then requeues. Drained again while
  // powering down (drain%), it stays drained (drain~); a powering-down node takes no job meanwhile.
  // Asked every 200 ms: powering down lasts SuspendTimeout (2 s), time enough for the hold.
  const held = holdsOffNodes(config)
    && (await waitForState(node, (s) => /[%~]$/.test(s), 5_000, 200))
    && (await updateNodes([node], 'DRAIN', OFF_REASON).then(() => true, () => false));
  await removing;
  // The hold came too late (a loaded slurmctld): Slurm had already given the powered-off node a
  // job and is powering it up, and the hold requeued that job. Undone, so that the node boots
  // into service rather than drained, the job runs on it, and the power-off counts as refused.
  const landed = held ? await jobsOnNode(node) : [];
  if (held && (landed.length > 0 || ((await shortStates([node])).get(node) ?? '').endsWith('#'))) {
    await updateNodes([node], 'RESUME');
    return { kind: 'busy', jobs: landed };
  }
  // Every 500 ms: the container is gone; this only says when Slurm counts the node off.
  if (!(await waitUntilOff(node, 500))) throw new UserError(`${node}: not powered off within 30 s (state ${(await shortStates([node])).get(node)})`);
  // Nothing more once it is off: from then on clues-monitor or a person may power it up again
  // (POWER_UP leaves it idle~ until Slurm's next power-save pass), and a hold or a removal now
  // would hit that boot. slurm-suspend removed the node; clues-monitor removes any left (orphans).
  if (holdsOffNodes(config) && !held) await holdOff(node); // the drain above failed
  return { kind: 'off', state };
}
