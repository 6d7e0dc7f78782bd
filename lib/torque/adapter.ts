// Torque's scheduler adapter (lib/middleware/types.ts), through the commands of control.ts. A node
// is on while the server lists it: it is admitted by creating it (qmgr), and taken out by marking
// it offline, checking for jobs and deleting it.
// Tested live (test/bats/52-torque.bats) and against fake commands replaying real outputs.
import type { Config } from '../core/config.ts';
import { clusterNames } from '../core/names.ts';
import { UserError } from '../core/errors.ts';
import { bestEffort, logEvent } from '../io/events.ts';
import { waitFor } from '../io/run.ts';
import type { Scheduler, SchedulerView } from '../middleware/types.ts';
import { waitForJobs } from '../power/drain.ts';
import { clearOffline, createNode, deleteNode, offline, readJobs, readNodes, rerun } from './control.ts';
import { type TorqueJob, type TorqueNode, toJobView, toNodeView } from './state.ts';

// Jobs that hold or wait for nodes; 'C' (completed, kept for keep_completed) is neither.
const LIVE = new Set(['Q', 'R', 'E', 'H', 'W', 'T', 'S']);
const isUp = (n: TorqueNode | undefined): boolean => n !== undefined && !n.states.some((s) => ['down', 'state-unknown', 'unknown'].includes(s));
// Jobs that hold their exec_host's nodes: running, exiting, suspended.
const HOLDING = new Set(['R', 'E', 'S']);
const jobsOn = (jobs: TorqueJob[], node: string): string[] =>
  jobs.filter((j) => HOLDING.has(j.state) && j.execHosts.includes(node)).map((j) => j.id);

/** The Torque adapter for one cluster. */
export function torqueScheduler(config: Config): Scheduler {
  const ours = new Set(clusterNames(config).nodes);
  const np = Math.max(1, config.nodeCpus);
  const nodesByName = async () => new Map((await readNodes()).filter((n) => ours.has(n.name)).map((n) => [n.name, n]));
  const busyJobs = async (node: string) => {
    const [nodes, jobs] = await Promise.all([nodesByName(), readJobs()]);
    return [...new Set([...(nodes.get(node)?.jobs ?? []), ...jobsOn(jobs, node)])];
  };

  return {
    startsNodes: false,
    daemon: 'pbs_mom',
    async observe(): Promise<SchedulerView> {
      const [all, jobs] = await Promise.all([readNodes(), readJobs()]);
      const nodes = all.filter((n) => ours.has(n.name));
      // A job held elsewhere is another cluster's. A queued one's exec_host means nothing: with no
      // node listed, the scheduler tries the server's own host and leaves its name there.
      const live = jobs.filter((j) => LIVE.has(j.state) && (!HOLDING.has(j.state) || j.execHosts.length === 0 || j.execHosts.some((h) => ours.has(h))));
      return {
        // Absent = off: a listed node that is down has failed.
        nodes: nodes.map((n) => toNodeView(n, { downMeansOff: false })),
        jobs: live.map((j) => toJobView(j, nodes, ours)),
        states: new Map(nodes.map((n) => [n.name, n.state])),
      };
    },

    async powerStates(nodes) {
      const known = await nodesByName();
      return new Map(nodes.map((n) => [n, { up: isUp(known.get(n)), listed: known.has(n), state: known.get(n)?.state ?? 'off' }]));
    },

    async admit(nodes, states) {
      // Listed first (it then shows as booting), so that no one takes the node for an orphan.
      for (const n of nodes) if (!states.get(n)?.listed) await createNode(n, np);
    },

    async bootChecks(nodes) {
      const known = await nodesByName();
      return new Map(nodes.map((node) => [node, isUp(known.get(node)) ? { up: known.get(node)!.state } : undefined]));
    },

    forget: (node) => bestEffort(deleteNode(node), node, 'ec4docker', 'delete the node'),

    async powerOff(node, _by, _reason, options) {
      const n = (await nodesByName()).get(node);
      if (!n) return { kind: 'already-off' };
      // Offline first (no new job lands), then look: a job started before is seen now.
      const offlineBefore = n.states.includes('offline');
      if (!offlineBefore) await offline(node);
      const jobs = await waitForJobs(await busyJobs(node), () => busyJobs(node), options);
      if (jobs.length > 0) {
        if (!offlineBefore) await clearOffline(node);
        return { kind: 'busy', jobs };
      }
      await deleteNode(node);
      return { kind: 'off', state: n.state };
    },

    async markDown(node, reason) {
      // Offline first, or pbs_sched sends a requeued job straight back to the node (the server
      // still counts it free). A node is deleted only once it holds no job: deleting it purges
      // the jobs it holds, even one on its way there that later runs elsewhere (seen).
      if (!(await nodesByName()).has(node)) {
        logEvent({ action: 'deregistered', node, by: 'clues-monitor', reason });
        return []; // not in the server (a failed boot already undone): no job can be on it
      }
      await offline(node);
      const requeued = new Set<string>();
      const empty = await waitFor(async () => {
        const jobs = await busyJobs(node);
        if (jobs.length === 0) return true;
        // A job on its way to the node (PRERUN) cannot be requeued: the server does it once its send fails.
        await rerun(jobs).catch(() => undefined);
        for (const job of jobs) requeued.add(job);
        return undefined;
      }, 30_000, 500);
      if (!empty) throw new UserError(`${node}: jobs still on it 30 s after requeueing them: ${(await busyJobs(node)).join(',')}; left offline`);
      await deleteNode(node);
      logEvent({ action: 'deregistered', node, by: 'clues-monitor', reason });
      return [...requeued];
    },

    async recover(node, running) {
      // A listed node the server cannot reach: with its container running, pbs_mom may come back.
      if (running) return false;
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
