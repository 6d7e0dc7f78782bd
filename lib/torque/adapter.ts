// Torque's implementation of the middleware plug-in point (lib/scheduler.ts), through the commands
// of control.ts. A node is on while the server lists it: power-on creates it (qmgr) and starts its
// container, power-off marks it offline, checks for jobs, deletes it and removes the container.
// NOT verified against a live Torque server; tested against fake commands replaying real outputs.
import { clusterNames } from '../cluster.ts';
import type { Config } from '../config.ts';
import { containerState, removeContainers } from '../docker.ts';
import { waitForJobs } from '../drain.ts';
import { logEvent } from '../events.ts';
import { awaitNodes, startNodes } from '../node-boot.ts';
import { nodeContainers, removeNodeContainer } from '../node-container.ts';
import type { Scheduler, SchedulerView } from '../scheduler.ts';
import { clearOffline, createNode, deleteNode, offline, readJobs, readNodes, rerun } from './control.ts';
import { type TorqueJob, type TorqueNode, toJobView, toNodeView } from './state.ts';

// Jobs that hold or wait for nodes; 'C' (completed, kept for keep_completed) is neither.
const LIVE = new Set(['Q', 'R', 'E', 'H', 'W', 'T', 'S']);
const isUp = (n: TorqueNode | undefined): boolean => n !== undefined && !n.states.some((s) => ['down', 'state-unknown', 'unknown'].includes(s));
const jobsOn = (jobs: TorqueJob[], node: string): string[] =>
  jobs.filter((j) => ['R', 'E', 'S'].includes(j.state) && j.execHosts.includes(node)).map((j) => j.id);

/** The Torque adapter for one cluster. */
export function torqueScheduler(config: Config): Scheduler {
  const ours = new Set(clusterNames(config).nodes);
  const np = Math.max(1, config.nodeCpus);
  const nodesByName = async () => new Map((await readNodes()).filter((n) => ours.has(n.name)).map((n) => [n.name, n]));
  const busyJobs = async (node: string) => {
    const [nodes, jobs] = await Promise.all([nodesByName(), readJobs()]);
    return [...new Set([...(nodes.get(node)?.jobs ?? []), ...jobsOn(jobs, node)])];
  };
  async function undo(node: string, reason: string, by: string): Promise<void> {
    await removeNodeContainer(node);
    await deleteNode(node).catch(() => undefined);
    logEvent({ action: 'failed', node, by, reason });
  }

  return {
    kind: 'torque',
    async observe(): Promise<SchedulerView> {
      const [all, jobs] = await Promise.all([readNodes(), readJobs()]);
      const nodes = all.filter((n) => ours.has(n.name));
      const live = jobs.filter((j) => LIVE.has(j.state) && (j.execHosts.length === 0 || j.execHosts.some((h) => ours.has(h))));
      return {
        // Absent = off: a listed node that is down has failed.
        nodes: nodes.map((n) => toNodeView(n, { downMeansOff: false })),
        jobs: live.map((j) => toJobView(j, nodes)),
        states: new Map(nodes.map((n) => [n.name, n.state])),
      };
    },

    async powerOn(nodes, by, reason) {
      const [known, containers] = await Promise.all([nodesByName(), nodeContainers(config.serverName)]);
      const already = nodes.filter((n) => isUp(known.get(n)) && containers.get(n)?.state === 'running');
      const starting = nodes.filter((n) => !already.includes(n));
      await startNodes(config, starting, {
        by, reason, undo,
        stateOf: (n) => known.get(n)?.state ?? 'off',
        // Listed first (it then shows as booting), so that no one takes the container for an orphan.
        prepare: async (n) => {
          if (!known.has(n)) await createNode(n, np);
        },
      });
      return { already, starting };
    },

    awaitPowerOn: (nodes, onUp) => awaitNodes(config, nodes, 'pbs_mom', async () => {
      const known = await nodesByName();
      return (node) => (isUp(known.get(node)) ? { up: known.get(node)!.state } : undefined);
    }, onUp),

    undoPowerOn: undo,

    async powerOff(node, by, reason, options = {}) {
      const n = (await nodesByName()).get(node);
      if (!n) {
        const orphan = (await containerState(node)) !== undefined;
        if (orphan) await removeContainers([node]);
        return { kind: 'already-off', orphanRemoved: orphan };
      }
      // Offline first (no new job lands), then look: a job started before is seen now.
      const offlineBefore = n.states.includes('offline');
      if (!offlineBefore) await offline(node);
      const jobs = await waitForJobs(await busyJobs(node), () => busyJobs(node), options);
      if (jobs.length > 0) {
        if (!offlineBefore) await clearOffline(node);
        return { kind: 'busy', jobs };
      }
      await deleteNode(node);
      await removeNodeContainer(node);
      logEvent({ action: 'power_off', node, by, reason, state: n.state });
      return { kind: 'off' };
    },

    async markDown(node, reason) {
      const jobs = await busyJobs(node);
      if (jobs.length > 0) await rerun(jobs);
      await removeNodeContainer(node);
      await deleteNode(node);
      logEvent({ action: 'deregistered', node, by: 'clues-monitor', reason });
      return jobs;
    },

    async recover(node) {
      // A listed node the server cannot reach: with its container running, pbs_mom may come back.
      if ((await containerState(node)) === 'running') return false;
      await deleteNode(node);
      return true;
    },

    async pendingJobs() {
      // qstat -f -x, the one job listing control.ts reads (queued: state Q).
      const jobs = await readJobs().catch(() => []);
      return jobs.filter((j) => j.state === 'Q').map((j) => j.id);
    },
  };
}
