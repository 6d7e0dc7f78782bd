// Slurm's scheduler adapter (lib/middleware/types.ts): Slurm's own power saving starts and
// removes the nodes, through slurm-resume and slurm-suspend (programs.ts).
import type { Config } from '../core/config.ts';
import { clusterNames } from '../core/names.ts';
import { bestEffort } from '../io/events.ts';
import type { Scheduler, SchedulerView } from '../middleware/types.ts';
import { pendingJobIds, readCluster, setDown, startNow, updateNodes } from './control.ts';
import { bootChecks, forgetPowerOn, holdOff, holdsOffNodes, OFF_REASON, powerOffNode, powerStates, requestPowerUp } from './power.ts';
import { parseNodesJson, parseSqueueJson, requeuedAndHeld, type SlurmNode, toJobView, toNodeView } from './state.ts';

// squeue --json also lists finished jobs still in slurmctld's memory (MinJobAge): drop them.
const LIVE_JOB = /^(PENDING|REQUEUED|RESIZING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED)$/;

/**
 * A node held by ec4docker (drained or down, OFF_REASON), not by a person, counts as usable.
 * Powered off, that is how the held modes keep every off node. Still on, drained and without a
 * job, it is a power-off cut short between its drain and POWER_DOWN (the monitor or the frontend
 * stopped): seen as idle, the policy powers it off after the idle time instead of leaving it on.
 */
export function releaseOffHold(node: SlurmNode): SlurmNode {
  if (node.reason !== OFF_REASON || !(node.drain || node.base === 'down')) return node;
  if (node.power === 'on' && (node.busy || !node.drain)) return node;
  return { ...node, drain: false, base: 'idle' };
}

/** The Slurm adapter for one cluster. */
export function slurmScheduler(config: Config): Scheduler {
  const ours = new Set(clusterNames(config).nodes);
  return {
    startsNodes: true,
    daemon: 'slurmd',
    async observe(): Promise<SchedulerView> {
      const read = await readCluster();
      const nodes = parseNodesJson(read.nodes).filter((n) => ours.has(n.name)).map(releaseOffHold);
      const jobs = parseSqueueJson(read.squeue).filter((j) => LIVE_JOB.test(j.state));
      return {
        nodes: nodes.map(toNodeView),
        jobs: jobs.map((j) => toJobView(j, nodes, Date.now() / 1000)),
        states: new Map(nodes.map((n) => [n.name, n.state])),
        heldAfterRequeue: requeuedAndHeld(jobs, Date.now() / 1000),
      };
    },
    powerStates,
    admit: requestPowerUp,
    bootChecks,
    forget: (node, reason) => forgetPowerOn(config, node, reason),
    powerOff: (node, by, _reason, options) => powerOffNode(config, node, by, options),
    async markDown(node, reason) {
      const jobs = await setDown(node, reason);
      await bestEffort(updateNodes([node], 'POWER_DOWN'), node, 'clues-monitor', 'power the node down'); // down~, then recover()
      return jobs;
    },
    async recover(node) {
      // Held modes: it stays out of scheduling (down, OFF_REASON) until powered on.
      if (holdsOffNodes(config)) await holdOff(node);
      else await updateNodes([node], 'RESUME');
      return true;
    },
    release: startNow,
    pendingJobs: pendingJobIds,
  };
}
