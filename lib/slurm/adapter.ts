// Slurm's scheduler adapter (lib/middleware/types.ts): Slurm's own power saving starts and
// removes the nodes, through slurm-resume and slurm-suspend (programs.ts).
import type { Config } from '../core/config.ts';
import { clusterNames } from '../core/names.ts';
import { bestEffort } from '../io/events.ts';
import type { Scheduler, SchedulerView } from '../middleware/types.ts';
import { SUBMISSION_MARKS } from './conf.ts';
import { isOff, pendingJobIds, readCluster, setDown, shortStates, startNow, updateNodes } from './control.ts';
import { bootChecks, forgetPowerOn, holdOff, holdsOffNodes, markOnRegistration, OFF_REASON, powerOffNode, powerStateOf, powerStates, requestPowerUp } from './power.ts';
import { parseNodesJson, parseSqueueJson, requeuedAndHeld, requeuedCleaning, shortStateOf, type SlurmNode, toJobView, toNodeView } from './state.ts';

// squeue --json also lists finished jobs still in slurmctld's memory (MinJobAge): drop them.
const LIVE_JOB = /^(PENDING|REQUEUED|RESIZING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED)$/;

/**
 * A power-off holds a node drained, on and empty for well under this: drain, look for jobs,
 * POWER_DOWN, or with `poweroff --drain` a look a second after its last job ends.
 */
export const CUT_SHORT_SECONDS = 15;

/**
 * A node held by ec4docker (drained or down, OFF_REASON), not by a person, counts as usable.
 * Powered off, that is how the held modes keep every off node. Still on, drained and without a
 * job for CUT_SHORT_SECONDS (since the drain, and since its last job: Slurm's last_busy), it is a
 * power-off cut short (the monitor, the frontend or a `poweroff --drain` stopped): counted down,
 * so that the monitor resumes it (a job may be waiting for it, and Slurm gives a drained node
 * none) and powers it off later if it stays idle.
 */
export function releaseOffHold(node: SlurmNode, now: number): SlurmNode {
  if (node.reason !== OFF_REASON || !(node.drain || node.base === 'down')) return node;
  if (node.power !== 'on') return { ...node, drain: false, base: 'idle' };
  if (node.busy || !node.drain || node.reasonSince === undefined) return node;
  if (now - Math.max(node.reasonSince, node.lastBusy ?? 0) < CUT_SHORT_SECONDS) return node;
  return { ...node, drain: false, base: 'down', reason: `${OFF_REASON}, but still on: a power-off cut short` };
}

/** The Slurm adapter for one cluster. */
export function slurmScheduler(config: Config): Scheduler {
  const ours = new Set(clusterNames(config).nodes);
  return {
    startsNodes: true,
    daemon: 'slurmd',
    async observe(): Promise<SchedulerView> {
      const read = await readCluster();
      const raw = parseNodesJson(read.nodes).filter((n) => ours.has(n.name));
      const nodes = raw.map((n) => releaseOffHold(n, Date.now() / 1000));
      const jobs = parseSqueueJson(read.squeue).filter((j) => LIVE_JOB.test(j.state));
      return {
        nodes: nodes.map(toNodeView),
        jobs: jobs.map((j) => toJobView(j, nodes, Date.now() / 1000)),
        states: new Map(nodes.map((n) => [n.name, n.state])),
        // As Slurm has them, before releaseOffHold: a power-on right after the look starts from these.
        powerStates: new Map(raw.map((n) => [n.name, powerStateOf(shortStateOf(n))])),
        heldAfterRequeue: requeuedAndHeld(jobs, Date.now() / 1000),
        cleaningAfterRequeue: requeuedCleaning(jobs, Date.now() / 1000),
      };
    },
    powerStates,
    admit: requestPowerUp,
    // In the background: a mark missed costs a slower first launch, never a failure.
    starting: (nodes, started) => void markOnRegistration(nodes, started, config.maxWaitPowerOnSeconds * 1000).catch(() => undefined),
    bootChecks,
    forget: (node, reason) => forgetPowerOn(config, node, reason),
    powerOff: (node, by, _reason, options) => powerOffNode(config, node, by, options),
    async markDown(node, reason) {
      const jobs = await setDown(node, reason);
      await bestEffort(updateNodes([node], 'POWER_DOWN'), node, 'clues-monitor', 'power the node down'); // down~, then recover()
      return jobs;
    },
    async recover(node, running) {
      // Held modes: a node that is off stays out of scheduling (down, OFF_REASON) until powered
      // on; one still on, its container running (a power-off cut short), goes back into service.
      const stillOn = async () => running && !isOff((await shortStates([node])).get(node) ?? '~');
      if (holdsOffNodes(config) && !(await stillOn())) await holdOff(node);
      else await updateNodes([node], 'RESUME');
      return true;
    },
    release: startNow,
    pendingJobs: pendingJobIds,
    submissionMarks: SUBMISSION_MARKS,
  };
}
