// Grid Engine's implementation of the middleware plug-in point (lib/scheduler.ts). Grid Engine
// has no power saving: a node is powered on by making it an execution host of the queue and
// starting its container, and powered off by the reverse; off nodes are simply not in the queue.
import { clusterNames } from '../cluster.ts';
import type { Config } from '../config.ts';
import { containerState, removeContainers } from '../docker.ts';
import { waitForJobs } from '../drain.ts';
import { logEvent } from '../events.ts';
import { awaitNodes, startNodes } from '../node-boot.ts';
import { nodeContainers, removeNodeContainer } from '../node-container.ts';
import type { Scheduler, SchedulerView } from '../scheduler.ts';
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

  async function undo(node: string, reason: string, by: string): Promise<void> {
    await removeNodeContainer(node);
    await deregisterHost(node, { running: false }).catch(() => undefined);
    logEvent({ action: 'failed', node, by, reason });
  }

  return {
    kind: 'sge',
    async observe(): Promise<SchedulerView> {
      const full = await readCluster();
      const mine = instances(full, ours);
      const jobs = full.jobs.filter((j) => !j.host || ours.has(shortHostName(j.host)));
      // Waiting jobs that name a host get that host powered on: their requests come from qstat -j.
      const details = await readJobDetails([...new Set(jobs.filter((j) => !j.host && jobWaitsForNodes(j.state)).map((j) => j.number))]);
      return {
        nodes: toNodeViews([...mine.values()]),
        jobs: toJobViews(jobs, { slotsPerNode, details }),
        states: new Map([...mine].map(([node, q]) => [node, describe(q)])),
      };
    },

    async powerOn(nodes, by, reason) {
      const [full, containers] = await Promise.all([readCluster(), nodeContainers(config.serverName)]);
      const mine = instances(full, ours);
      const already = nodes.filter((n) => isUp(mine.get(n)) && containers.get(n)?.state === 'running');
      const starting = nodes.filter((n) => !already.includes(n));
      if (starting.length === 0) return { already, starting };
      // Registered first (it then shows as booting), so that no one takes the container for an orphan.
      await registerHosts(starting.filter((n) => !mine.has(n)));
      await startNodes(config, starting, { by, reason, undo, stateOf: (n) => (mine.has(n) ? describe(mine.get(n)!) : 'off') });
      return { already, starting };
    },

    awaitPowerOn: (nodes, onUp) => awaitNodes(config, nodes, 'sge_execd', async () => {
      const mine = instances(await readCluster(), ours);
      return (node) => {
        const q = mine.get(node);
        if (isUp(q)) return { up: describe(q!) };
        return q ? undefined : { failed: 'it was removed from the queue while booting' };
      };
    }, onUp),

    undoPowerOn: undo,

    async powerOff(node, by, reason, options = {}) {
      const q = instances(await readCluster(), ours).get(node);
      if (!q) {
        // Not in the queue: off. A container left behind (orphan) goes too.
        const orphan = (await containerState(node)) !== undefined;
        if (orphan) await removeContainers([node]);
        return { kind: 'already-off', orphanRemoved: orphan };
      }
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
      await removeNodeContainer(node);
      logEvent({ action: 'power_off', node, by, reason, state: describe(q) });
      return { kind: 'off' };
    },

    async markDown(node, reason) {
      // Asked now: a job may have been dispatched to the node since the last look.
      const jobs = jobsOn(await readCluster(), node);
      // Grid Engine would keep them 'r' on the lost host for ever (reschedule_unknown is 0):
      // a forced reschedule (a manager's right) queues them again at once.
      if (jobs.length > 0) await qmod(['-f', '-rj', ...jobs], `reschedule ${jobs.join(',')}`);
      await removeNodeContainer(node);
      await deregisterHost(node, { running: false });
      logEvent({ action: 'deregistered', node, by: 'clues-monitor', reason });
      return jobs;
    },

    async recover(node) {
      // A node Grid Engine cannot reach. With its container running the execd reconnects by
      // itself (after a qmaster restart it takes about 35 s): leave it. Otherwise it is gone.
      const q = instances(await readCluster(), ours).get(node);
      if (q && /[Ec]/.test(q.states)) {
        await qmod(['-c', queueInstance(node)], `clear the error of ${node}`);
        return true;
      }
      if ((await containerState(node)) === 'running') return false;
      await deregisterHost(node, { running: false });
      return true;
    },

    pendingJobs: pendingJobNumbers,
  };
}
