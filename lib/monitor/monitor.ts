// clues-monitor's check, as observe -> repair -> plan -> execute: read the scheduler and the node
// backend at the same moment, repair where they disagree (repair.ts), plan the power actions
// (policy.ts), and carry them out through the middleware's scheduler and the backend.
import type { Config } from '../core/config.ts';
import { clusterNames } from '../core/names.ts';
import { withHiddenNodes } from '../core/views.ts';
import { appendKept, logEvent } from '../io/events.ts';
import type { SchedulerView } from '../middleware/types.ts';
import type { NodePower, PowerOnLook } from '../power/node-power.ts';
import { type Sample, sampleOf, worthKeeping } from './history.ts';
import { type PowerAction, planPower, sparesWanted } from './policy.ts';
import { type Repair, planRepairs, SET_ASIDE_REASON } from './repair.ts';
import { type MonitorState, saveMonitorState } from './saved-state.ts';

/** Where the monitor keeps its history (EC4D_HISTORY_LOG in tests), read when used, not at import. */
export const historyLogPath = (): string => process.env.EC4D_HISTORY_LOG ?? '/var/log/ec4docker/history.jsonl';
/** A busy day's samples (a change a second) fit in one generation; a quiet month does too. */
const HISTORY_LOG_MAX_BYTES = 4 * 1024 * 1024;

export interface Observation extends SchedulerView {
  nodeStates: Map<string, string>; // each existing node's backend state
  nodeHosts: Map<string, string>; // the host each node is placed on, where the backend says (a Swarm)
}

export interface Monitor {
  /** Reads the scheduler's view and the backend's, at the same moment. */
  observe(): Promise<Observation>;
  /** One check; returns the state to keep for the next one. */
  tick(state: MonitorState): Promise<MonitorState>;
  /** Waits for the power-offs still going on in the background. */
  settle(): Promise<void>;
  /** Whether the last check requeued or released jobs: they wait for nodes now. */
  madeJobsWait(): boolean;
}

export function createMonitor(config: Config, power: NodePower): Monitor {
  const { scheduler, backend } = power;
  // Power-offs take seconds (Slurm's SuspendTimeout, waiting for the node to be off): they go on
  // while the next checks run, so that a job submitted meanwhile is seen at once. The checks
  // leave a node alone while an action on it is in flight.
  const inFlight = new Map<string, Promise<void>>();
  let lastSample: Sample | undefined;
  let jobsMadeToWait = false;

  /** Keeps the counts for `clues-monitor timeline`; a full disk never stops the check. */
  function record(seen: Observation, now: number): void {
    const sample = sampleOf(seen.nodes, seen.jobs, seen.nodeStates, now);
    if (!worthKeeping(lastSample, sample)) return;
    try {
      appendKept(historyLogPath(), JSON.stringify(sample), HISTORY_LOG_MAX_BYTES);
      lastSample = sample;
    } catch {
      // no log directory (run outside a frontend)
    }
  }

  async function observe(): Promise<Observation> {
    const [view, instances] = await Promise.all([scheduler.observe(), backend.list()]);
    const nodeHosts = new Map([...instances].flatMap(([node, i]) => (i.host ? [[node, i.host] as const] : [])));
    return { ...view, nodeStates: new Map([...instances].map(([node, i]) => [node, i.state])), nodeHosts };
  }

  /** Keeps a node that keeps failing out of service (DOWN, with the reason) until a person acts. */
  async function setAside(node: string, reason: string): Promise<void> {
    await backend.remove(node);
    await scheduler.markDown(node, `${SET_ASIDE_REASON}: ${reason}`);
    logEvent({ action: 'set_aside', node, by: 'clues-monitor', reason });
  }

  async function repair(r: Repair): Promise<void> {
    const { node, reason } = r;
    switch (r.kind) {
      case 'vanished': {
        // Tell the scheduler now (Slurm would wait for SlurmdTimeout), so that its jobs are
        // requeued and start again at once.
        await backend.remove(node);
        const jobs = await scheduler.markDown(node, 'ec4docker: container vanished');
        logEvent({ action: 'vanished', node, by: 'clues-monitor', reason, requeued: jobs });
        return;
      }
      case 'orphan': {
        // Its last log line says why, e.g. when Slurm gave up on a node that never registered.
        const removed = await backend.removeOrphan(node);
        if (removed) logEvent({ action: 'orphan_removed', node, by: 'clues-monitor', reason, log: removed.log });
        return;
      }
      case 'restart': {
        // Its registration was dropped (repair.ts): a new start registers, and its job runs.
        await backend.remove(node);
        await backend.start(node);
        logEvent({ action: 'restarted', node, by: 'clues-monitor', reason });
        return;
      }
      case 'retry_boot':
      case 'set_aside': {
        const log = await backend.lastLog(node).catch(() => ''); // why it stopped, e.g. a Swarm task's mount error
        await backend.remove(node);
        logEvent({ action: 'failed', node, by: 'clues-monitor', reason: r.why, failedPowerOns: r.failedPowerOns, ...(log ? { log } : {}) });
        if (r.kind === 'set_aside') await setAside(node, reason);
        else await scheduler.markDown(node, `ec4docker: ${reason}`); // requeues a job waiting for it
      }
    }
  }

  /**
   * In mode slurm, Slurm powers nodes on for jobs and off when idle (SuspendExcNodes keeps the
   * warm ones on); the monitor recovers, sets aside, and starts the nodes kept warm.
   */
  function shouldApply(action: PowerAction): boolean {
    if (config.elasticity === 'monitor') return true;
    if (config.elasticity === 'none') return action.kind === 'recover' || action.kind === 'set_aside';
    return action.kind === 'recover' || action.kind === 'set_aside' || (action.kind === 'power_on' && action.warm === true);
  }

  /**
   * The look's states for a power-on planned from it, so that it does not ask again (under load
   * 0.1-0.3 s of a job's wait): none where the scheduler's look does not tell them.
   */
  const lookOf = (seen: Observation): PowerOnLook | undefined => (seen.powerStates ? { powerStates: seen.powerStates, nodeStates: seen.nodeStates } : undefined);

  async function apply(action: PowerAction, seen: Observation): Promise<void> {
    const { node, reason } = action;
    switch (action.kind) {
      case 'power_on':
        await power.powerOn([node], 'clues-monitor', () => reason, true);
        return;
      case 'power_off': {
        const result = await power.powerOff(node, 'clues-monitor', reason, { seenIdle: action.idle === true });
        if (result.kind === 'busy') logEvent({ action: 'kept', node, by: 'clues-monitor', reason: `a job landed: ${result.jobs.join(',')}` });
        return;
      }
      case 'set_aside':
        await setAside(node, reason);
        return;
      case 'recover':
        // A node the scheduler left down (failed power-on, vanished container): back to powered-off.
        if (await scheduler.recover(node, seen.nodeStates.get(node) === 'running')) logEvent({ action: 'recover', node, by: 'clues-monitor', reason });
    }
  }

  async function tick(state: MonitorState): Promise<MonitorState> {
    // When the look began, not ended: looks take 0.1-0.3 s, and idle times measured between
    // their ends often fell short of the limit by that, waiting a whole tick more.
    const now = Date.now() / 1000;
    jobsMadeToWait = false;
    const seen = await observe();
    record(seen, now);
    const repaired = planRepairs({
      nodes: seen.nodes, states: seen.nodeStates, busyElsewhere: new Set(inFlight.keys()), schedulerPowersUp: config.elasticity === 'slurm',
      history: state.history, now, retriesPowerOn: config.retriesPowerOn,
    });
    for (const r of repaired.repairs) await repair(r);
    // Vanished and failed nodes are marked down, which requeues their jobs.
    jobsMadeToWait = repaired.repairs.some((r) => r.kind !== 'orphan' && r.kind !== 'restart');
    // A job requeued after a node failure (a failed boot, Slurm's ResumeTimeout) is held back for
    // minutes: once a node could take it, let it start, so a retry is seconds away, not minutes.
    const held = seen.heldAfterRequeue ?? [];
    if (held.length > 0 && scheduler.release && seen.nodes.some((n) => n.usable)) {
      await scheduler.release(held);
      jobsMadeToWait = true;
      for (const job of held) logEvent({ action: 'released', node: '-', by: 'clues-monitor', reason: `job ${job}: requeued and held back; a node can take it now` });
    }
    // Nudged every tick until a pass finds its cleanup over (seconds); not logged, as it repeats.
    const cleaning = seen.cleaningAfterRequeue ?? [];
    if (cleaning.length > 0 && scheduler.release) await scheduler.release(cleaning);
    // A node being powered off is left out of the plan (a waiting job gets another node now, not
    // that one once it is off), and its record is kept as it was.
    const poweringOff = new Set(inFlight.keys());
    const plan = planPower({
      nodes: withHiddenNodes(seen.nodes, clusterNames(config).nodes).filter((n) => !poweringOff.has(n.name)),
      jobs: seen.jobs,
      config,
      now,
      history: repaired.history,
    });
    for (const node of poweringOff) if (repaired.history[node]) plan.history[node] = repaired.history[node];
    const actions = plan.actions.filter(shouldApply);
    const report = (action: PowerAction) => (error: unknown) =>
      logEvent({ action: 'error', node: action.node, by: 'clues-monitor', reason: `${action.kind}: ${String(error)}` });
    // Power-ons go out in one request (Slurm then starts the nodes in parallel); power-offs go on
    // in the background (inFlight); the other actions run together.
    const powerOns = actions.filter((a) => a.kind === 'power_on');
    for (const action of actions.filter((a) => a.kind === 'power_off')) {
      inFlight.set(action.node, apply(action, seen).catch(report(action)).finally(() => inFlight.delete(action.node)));
    }
    await Promise.all([
      ...(powerOns.length > 0 ? [power.powerOn(powerOns.map((a) => a.node), 'clues-monitor', (node) => powerOns.find((a) => a.node === node)?.reason ?? '', true, repaired.repairs.length === 0 ? lookOf(seen) : undefined).catch(report(powerOns[0]))] : []),
      ...actions.filter((a) => a.kind !== 'power_on' && a.kind !== 'power_off').map((action) => apply(action, seen).catch(report(action))),
    ]);
    const next = { history: plan.history };
    saveMonitorState(next);
    backend.keepSpares?.(sparesWanted(seen.nodes, seen.nodeStates, next.history, new Set([...inFlight.keys(), ...powerOns.map((a) => a.node)])));
    return next;
  }

  return { observe, tick, settle: async () => void (await Promise.all(inFlight.values())), madeJobsWait: () => jobsMadeToWait };
}
