// The elasticity policy: which nodes to power on, power off, recover or set aside. Pure and
// scheduler-neutral: it sees NodeView / JobView (views.ts) and a history the caller keeps between calls.
import { naturalCompare } from './hostlist.ts';
import type { JobView, NodeView } from './views.ts';

export interface PolicyConfig {
  // At most this many nodes on or booting.
  maxNodes: number;
  // An idle node is powered off after this long.
  idleSeconds: number;
  // At most this many nodes booting at once (<= 0: no limit).
  maxBootingNodes: number;
  // Idle nodes kept on (or booting) beyond what waiting jobs need, so new jobs start at once.
  extraNodesFree: number;
  // Failed power-ons retried this many times before the node is set aside.
  retriesPowerOn: number;
  // A power-on not finished after this long has failed.
  maxWaitPowerOnSeconds: number;
}

export interface NodeHistory {
  // When the node was first seen idle (on, usable, no job); cleared when it is not.
  idleSince?: number;
  // When its power-on was requested or first seen; cleared once it is on (or powered off).
  poweringOnSince?: number;
  // Consecutive power-ons that did not finish in time; reset by a successful boot.
  failedPowerOns: number;
  // Set aside after too many failures: no automatic action until it is on and usable again.
  setAsideSince?: number;
  // When its container vanished under the scheduler (killed, crashed): see VANISHED_COOL_DOWN_SECONDS.
  vanishedAt?: number;
}

/**
 * A node whose container vanished is not brought back before this: slurmctld keeps retrying
 * messages for the old container (seen: a job launch, for 21 s), and a new container of the
 * same name would receive them: it ran the batch script of a job that had been requeued elsewhere.
 */
export const VANISHED_COOL_DOWN_SECONDS = 30;

export type PowerHistory = Record<string, NodeHistory>;

export interface PowerAction {
  kind: 'power_on' | 'power_off' | 'set_aside' | 'recover';
  node: string;
  reason: string;
  // A power-on for extraNodesFree alone, not for a waiting job (a scheduler with its own power
  // saving starts nodes for jobs itself, but never keeps idle ones warm).
  warm?: boolean;
}

export interface PlanInput {
  nodes: NodeView[];
  jobs: JobView[];
  config: PolicyConfig;
  // Epoch seconds.
  now: number;
  history: PowerHistory;
}

export interface Plan {
  actions: PowerAction[];
  // The history to pass to the next call (only nodes in `nodes`).
  history: PowerHistory;
}

export function planPower(input: PlanInput): Plan {
  const { config, now } = input;
  const nodes = [...input.nodes].sort((a, b) => naturalCompare(a.name, b.name));
  // A job's node list marks a node busy even if the node listing lags behind (sinfo and squeue are two calls).
  const allocated = new Set(input.jobs.flatMap((j) => j.nodes));
  const busy = (n: NodeView) => n.busy || allocated.has(n.name);
  const history: PowerHistory = {};
  const actions: PowerAction[] = [];
  const act = (kind: PowerAction['kind'], node: string, reason: string) => actions.push({ kind, node, reason });
  const booting: NodeView[] = [];
  const idle: NodeView[] = [];

  for (const n of nodes) {
    const old = input.history[n.name];
    const h: NodeHistory = { ...old, failedPowerOns: old?.failedPowerOns ?? 0 };
    history[n.name] = h;
    if (n.power === 'on' && n.usable) {
      // Booted (or brought back by a person): the failure record is over.
      delete h.poweringOnSince;
      delete h.setAsideSince;
      delete h.vanishedAt;
      h.failedPowerOns = 0;
    }
    if (n.power === 'on' && n.usable && !busy(n)) {
      h.idleSince ??= now;
      idle.push(n);
    } else {
      delete h.idleSince;
    }
    if (h.setAsideSince !== undefined) continue;
    if (n.power === 'powering_up') h.poweringOnSince ??= now;
    // 'off' with poweringOnSince: our request is not visible yet, so it still counts as booting.
    else if (n.power !== 'off') delete h.poweringOnSince;
    const since = h.poweringOnSince;
    if (since !== undefined && now - since > config.maxWaitPowerOnSeconds) {
      // Even if a job is allocated to it: the job cannot start on a node that does not boot.
      h.failedPowerOns += 1;
      delete h.poweringOnSince;
      const waited = `not up ${Math.round(now - since)} s after power-on (limit ${config.maxWaitPowerOnSeconds} s)`;
      if (h.failedPowerOns > config.retriesPowerOn) {
        h.setAsideSince = now;
        act('set_aside', n.name, `${waited}; ${h.failedPowerOns} failed power-ons, ${config.retriesPowerOn} retries allowed`);
      } else {
        act('power_off', n.name, `${waited}; power off to retry (${h.failedPowerOns} of ${config.retriesPowerOn} retries)`);
      }
    } else if (since !== undefined) {
      booting.push(n);
    } else if (n.down && !n.drain && !busy(n) && (n.power === 'on' || n.power === 'off')) {
      // Down but not drained by a person (e.g. 06: 'Not responding'): make it capacity again,
      // once a vanished container's cool-down is over.
      if (h.vanishedAt !== undefined && now - h.vanishedAt < VANISHED_COOL_DOWN_SECONDS) continue;
      delete h.vanishedAt;
      act('recover', n.name, `down${n.reason ? `: ${n.reason}` : ''}`);
    }
  }

  // Demand: nodes asked by waiting jobs; nodes they name (-w) are started by name, the rest by count.
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const startable = (n: NodeView) => n.power === 'off' && n.usable && !n.down
    && history[n.name].setAsideSince === undefined && history[n.name].poweringOnSince === undefined;
  const waiting = input.jobs.filter((j) => j.waitsForNodes);
  const named = new Map<string, string>();
  let demand = 0;
  for (const j of waiting) {
    for (const name of j.requiredNodes) {
      const n = byName.get(name);
      if (n && startable(n) && !named.has(name)) named.set(name, j.id);
    }
    demand += Math.max(0, j.nodeCount - j.requiredNodes.length);
  }
  // A node booting for a job that already has it (02: allocated while powering up) is not free.
  const free = idle.length + booting.filter((n) => !busy(n)).length;
  const keep = demand + Math.max(0, config.extraNodesFree);
  let need = Math.max(0, keep - free);

  let bootSlots = (config.maxBootingNodes > 0 ? config.maxBootingNodes : Infinity) - booting.length;
  let nodeSlots = config.maxNodes - nodes.filter((n) => n.power === 'on').length - booting.length;
  const powerOn = (n: NodeView, reason: string, warm = false) => {
    act('power_on', n.name, reason);
    if (warm) actions[actions.length - 1].warm = true;
    history[n.name].poweringOnSince = now;
    bootSlots--;
    nodeSlots--;
  };
  for (const [name, jobId] of named) {
    if (bootSlots <= 0 || nodeSlots <= 0) break;
    powerOn(byName.get(name)!, `job ${jobId} asks for this node`);
  }
  // Lowest-numbered first, but nodes that failed before only after the healthy ones.
  const candidates = nodes.filter((n) => startable(n) && !named.has(n.name))
    .sort((a, b) => history[a.name].failedPowerOns - history[b.name].failedPowerOns || naturalCompare(a.name, b.name));
  const why = demand > 0
    ? `job(s) ${waiting.map((j) => j.id).join(',')} wait for ${demand} node(s); ${free} free or booting`
    : `keep ${config.extraNodesFree} idle node(s) ready; ${free} free or booting`;
  // The first ones started go to the waiting jobs, the rest only keep nodes warm.
  let forJobs = Math.max(0, demand - free);
  for (const n of candidates) {
    if (need <= 0 || bootSlots <= 0 || nodeSlots <= 0) break;
    powerOn(n, why, forJobs-- <= 0);
    need--;
  }

  // Power off long-idle nodes beyond what waiting jobs and extraNodesFree want, highest-numbered first.
  let surplus = free - keep;
  const longIdle = idle.filter((n) => now - history[n.name].idleSince! >= config.idleSeconds).reverse();
  for (const n of longIdle) {
    if (surplus <= 0) break;
    act('power_off', n.name, `idle for ${Math.round(now - history[n.name].idleSince!)} s (limit ${config.idleSeconds} s)`);
    delete history[n.name].idleSince;
    surplus--;
  }
  return { actions, history };
}
