// Grid Engine's scheduler adapter (lib/middleware/types.ts). Grid Engine has no power saving: a
// node is admitted by making it an execution host of the queue, and taken out by the reverse;
// off nodes are simply not in the queue.
import type { Config } from '../core/config.ts';
import { clusterNames } from '../core/names.ts';
import { bestEffort, logEvent } from '../io/events.ts';
import type { BootCheck, Scheduler, SchedulerView } from '../middleware/types.ts';
import { waitForJobs } from '../power/drain.ts';
import { deregisterHost, pendingJobNumbers, qmod, queueInstance, QUEUE, readCluster, readJobDetails, registerHosts } from './control.ts';
import { type GeQstatFull, type GeQueueInstance, jobWaitsForNodes, shortHostName, toJobViews, toNodeViews } from './state.ts';

/** Our nodes' instances of the queue, by node name. */
function instances(full: GeQstatFull, ours: Set<string>): Map<string, GeQueueInstance> {
  const byNode = new Map<string, GeQueueInstance>();
  for (const q of full.queues) {
    const node = shortHostName(q.host);
    if (q.queue === QUEUE && ours.has(node)) byNode.set(node, q);
  }
  return byNode;
}

/** Up: its execd reports (an architecture is known) and the qmaster reaches it. */
const isUp = (q: GeQueueInstance | undefined): boolean => q !== undefined && q.arch !== '' && !q.states.includes('u');
/** Ids of the jobs running on a node. */
const jobsOn = (full: GeQstatFull, node: string): string[] =>
  [...new Set(full.jobs.filter((j) => j.host && shortHostName(j.host) === node).map((j) => j.id))];
/** A node's state for people: Grid Engine's state letters (or 'ok') and its slots. */
const describe = (q: GeQueueInstance): string => `${q.states || 'ok'} ${q.slotsUsed}/${q.slotsTotal}`;

/** The Grid Engine adapter for one cluster. */
export function gridEngineScheduler(config: Config): Scheduler {
  const ours = new Set(clusterNames(config).nodes);
  const slotsPerNode = Math.max(1, config.nodeCpus);
  const mine = async () => instances(await readCluster(), ours);

  return {
    startsNodes: false,
    daemon: 'sge_execd',
    async observe(): Promise<SchedulerView> {
      const full = await readCluster();
      const queued = instances(full, ours);
      const jobs = full.jobs.filter((j) => !j.host || ours.has(shortHostName(j.host)));
      // Waiting jobs that name a host get that host powered on: their requests come from qstat -j.
      const details = await readJobDetails([...new Set(jobs.filter((j) => !j.host && jobWaitsForNodes(j.state)).map((j) => j.number))]);
      return {
        nodes: toNodeViews([...queued.values()]),
        jobs: toJobViews(jobs, { slotsPerNode, details }),
        states: new Map([...queued].map(([node, q]) => [node, describe(q)])),
      };
    },

    async powerStates(nodes) {
      const queued = await mine();
      return new Map(nodes.map((n) => {
        const q = queued.get(n);
        return [n, { up: isUp(q), listed: q !== undefined, state: q ? describe(q) : 'off' }];
      }));
    },

    // Registered first (it then shows as booting), so that no one takes the node for an orphan.
    admit: (nodes, states) => registerHosts(nodes.filter((n) => !states.get(n)?.listed)),

    async bootChecks(nodes) {
      const queued = await mine();
      return new Map(nodes.map((node): [string, BootCheck] => {
        const q = queued.get(node);
        if (isUp(q)) return [node, { up: describe(q!) }];
        return [node, q ? undefined : { failed: 'it was removed from the queue while booting' }];
      }));
    },

    forget: (node) => bestEffort(deregisterHost(node, { running: false }), node, 'ec4docker', 'deregister the node'),

    async powerOff(node, _by, _reason, options) {
      const q = (await mine()).get(node);
      if (!q) return { kind: 'already-off' }; // not in the queue: off
      // Disable first (no new job lands), then look: a job dispatched before is seen now.
      const disabledBefore = q.states.includes('d');
      if (!disabledBefore) await qmod(['-d', queueInstance(node)], `disable ${node}`);
      const read = async () => jobsOn(await readCluster(), node);
      const jobs = await waitForJobs(await read(), read, options);
      if (jobs.length > 0) {
        if (!disabledBefore) await qmod(['-e', queueInstance(node)], `enable ${node}`);
        return { kind: 'busy', jobs };
      }
      await deregisterHost(node, { running: isUp(q) });
      return { kind: 'off', state: describe(q) };
    },

    async markDown(node, reason) {
      // Disabled first, then asked: a job dispatched to the node up to then is seen and queued
      // again; one dispatched between a look and the deregistration would be stuck on it for ever.
      const q = (await mine()).get(node);
      if (q && !q.states.includes('d')) await qmod(['-d', queueInstance(node)], `disable ${node}`);
      const jobs = jobsOn(await readCluster(), node);
      // Grid Engine would keep them 'r' on the lost host for ever (reschedule_unknown is 0):
      // a forced reschedule (a manager's right) queues them again at once.
      if (jobs.length > 0) await qmod(['-f', '-rj', ...jobs], `reschedule ${jobs.join(',')}`);
      await deregisterHost(node, { running: false });
      logEvent({ action: 'deregistered', node, by: 'clues-monitor', reason });
      return jobs;
    },

    async recover(node, running) {
      // A node Grid Engine cannot reach. With its container running the execd reconnects by
      // itself (after a qmaster restart it takes about 35 s): leave it. Otherwise it is gone.
      const q = (await mine()).get(node);
      if (q && /[Ec]/.test(q.states)) {
        await qmod(['-c', queueInstance(node)], `clear the error of ${node}`);
        return true;
      }
      if (running) return false;
      await deregisterHost(node, { running: false });
      return true;
    },

    pendingJobs: pendingJobNumbers,
  };
}
