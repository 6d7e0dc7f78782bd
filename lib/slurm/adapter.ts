// Slurm's implementation of the middleware plug-in point (lib/scheduler.ts).
import { clusterNames } from '../cluster.ts';
import type { Config } from '../config.ts';
import { $ } from '../run.ts';
import type { Scheduler, SchedulerView } from '../scheduler.ts';
import { setDown, startNow, updateNodes } from './control.ts';
import { awaitPowerOn, holdOff, holdsOffNodes, OFF_REASON, powerOffNode, requestPowerOn, undoPowerOn } from './power.ts';
import { parseSinfoJson, parseSqueueJson, requeuedAndHeld, type SlurmNode, toJobView, toNodeView } from './state.ts';

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
    kind: 'slurm',
    async observe(): Promise<SchedulerView> {
      const [sinfo, squeue] = await Promise.all([$({ timeout: '20s' })`sinfo --json`, $({ timeout: '20s' })`squeue --json`]);
      const nodes = parseSinfoJson(sinfo.stdout).filter((n) => ours.has(n.name)).map(releaseOffHold);
      const jobs = parseSqueueJson(squeue.stdout).filter((j) => LIVE_JOB.test(j.state));
      return {
        nodes: nodes.map(toNodeView),
        jobs: jobs.map((j) => toJobView(j, nodes, Date.now() / 1000)),
        states: new Map(nodes.map((n) => [n.name, n.state])),
        heldAfterRequeue: requeuedAndHeld(jobs, Date.now() / 1000),
      };
    },
    powerOn: (nodes, by, reason) => requestPowerOn(config, nodes, by, reason),
    awaitPowerOn: (nodes, onUp) => awaitPowerOn(config, nodes, onUp),
    undoPowerOn: (node, reason, by) => undoPowerOn(config, node, reason, by),
    powerOff: (node, by, reason, options = {}) => powerOffNode(config, node, by, reason, options),
    async markDown(node, reason) {
      const jobs = await setDown(node, reason);
      await updateNodes([node], 'POWER_DOWN').catch(() => undefined); // down~, then recover()
      return jobs;
    },
    async recover(node) {
      // Held modes: it stays out of scheduling (down, OFF_REASON) until powered on.
      if (holdsOffNodes(config)) await holdOff(node);
      else await updateNodes([node], 'RESUME');
      return true;
    },
    release: startNow,
    async pendingJobs() {
      // About 5 ms: cheap enough to ask several times a second.
      const squeue = await $({ nothrow: true, timeout: '5s' })`squeue -h -t PENDING -o %i`;
      return squeue.exitCode === 0 ? squeue.stdout.split('\n').filter(Boolean) : [];
    },
  };
}
