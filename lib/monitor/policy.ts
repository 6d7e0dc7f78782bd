// The elasticity policy: which nodes to power on, power off, recover or set aside. Pure and
// scheduler-neutral: it sees NodeView / JobView (lib/core/views.ts) and a history the caller keeps
// between calls. planPower runs named passes in turn, each over what the ones before decided.
import { naturalCompare } from '../core/hostlist.ts';
import type { JobView, NodeView } from '../core/views.ts';

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
  // When its container was started again because the scheduler dropped its registration (repair.ts).
  restartedAt?: number;
  // Since when a job has been on it while it is off or going off, without a container (repair.ts).
  strandedSince?: number;
}

/**
 * A node whose container vanished is not brought back before this: slurmctld keeps retrying
 * messages for the old container for a while, and a new container of the same name would receive
 * them, running the batch script of a job that was requeued elsewhere.
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
  // A power-off of a node this look saw on, idle and in service (not a failed boot's).
  idle?: boolean;
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

/** What the passes share: the nodes sorted, their history, and the counts they leave to the next pass. */
interface Pass {
  readonly input: PlanInput;
  readonly nodes: NodeView[]; // sorted by name, naturally
  readonly history: PowerHistory;
  readonly actions: PowerAction[];
  readonly busy: (n: NodeView) => boolean;
  booting: NodeView[]; // power-on requested, not up yet
  failedBoots: Set<string>; // power-ons found failed in this pass
  idle: NodeView[]; // on, usable, no job
  bootSlots: number; // power-ons still allowed by maxBootingNodes
  nodeSlots: number; // power-ons still allowed by maxNodes
}

export function planPower(input: PlanInput): Plan {
  const pass = followNodes(input);
  retryFailedBoots(pass);
  recoverDownNodes(pass);
  const demand = demandOf(pass);
  powerOnForJobs(pass, demand);
  keepWarm(pass, demand);
  powerOffIdle(pass, demand);
  return { actions: pass.actions, history: pass.history };
}

const act = (pass: Pass, kind: PowerAction['kind'], node: string, reason: string, flags: Pick<PowerAction, 'warm' | 'idle'> = {}): void => {
  pass.actions.push({ kind, node, reason, ...(flags.warm ? { warm: true } : {}), ...(flags.idle ? { idle: true } : {}) });
};

/** Keeps each node's history: idle since, booting since, and a clean record once it is up. */
function followNodes(input: PlanInput): Pass {
  const { now } = input;
  const nodes = [...input.nodes].sort((a, b) => naturalCompare(a.name, b.name));
  // A job's node list marks a node busy even if the node listing lags behind (sinfo and squeue are two calls).
  const allocated = new Set(input.jobs.flatMap((j) => j.nodes));
  const busy = (n: NodeView) => n.busy || allocated.has(n.name);
  const history: PowerHistory = {};
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
      delete h.restartedAt;
      h.failedPowerOns = 0;
    }
    if (n.power === 'on' && n.usable && !busy(n)) {
      h.idleSince ??= Math.min(now, n.lastBusy ?? now);
      idle.push(n);
    } else {
      delete h.idleSince;
    }
    if (h.setAsideSince !== undefined) continue;
    if (n.power === 'powering_up') h.poweringOnSince ??= now;
    // On but refused by the scheduler (an invalid registration, down): still not booted, so it
    // fails at the deadline like a node that never registers, instead of staying on unused.
    else if (n.power === 'on' && !n.usable && !n.drain && h.poweringOnSince !== undefined) continue;
    // 'off' with poweringOnSince: our request is not visible yet, so it still counts as booting.
    else if (n.power !== 'off') delete h.poweringOnSince;
  }
  return { input, nodes, history, actions: [], busy, booting: [], failedBoots: new Set(), idle, bootSlots: 0, nodeSlots: 0 };
}

/** A power-on not done within maxWaitPowerOnSeconds failed: power off to retry, or set aside after the retries. */
function retryFailedBoots(pass: Pass): void {
  const { config, now } = pass.input;
  for (const n of pass.nodes) {
    const h = pass.history[n.name];
    const since = h.poweringOnSince;
    if (h.setAsideSince !== undefined || since === undefined) continue;
    if (now - since <= config.maxWaitPowerOnSeconds) {
      pass.booting.push(n);
      continue;
    }
    // Even if a job is allocated to it: the job cannot start on a node that does not boot.
    pass.failedBoots.add(n.name);
    h.failedPowerOns += 1;
    delete h.poweringOnSince;
    const said = n.power === 'on' && n.reason ? ` (${n.reason})` : ''; // registered, but refused: why
    const waited = `not up ${Math.round(now - since)} s after power-on (limit ${config.maxWaitPowerOnSeconds} s)${said}`;
    if (h.failedPowerOns > config.retriesPowerOn) {
      h.setAsideSince = now;
      act(pass, 'set_aside', n.name, `${waited}; ${h.failedPowerOns} failed power-ons, ${config.retriesPowerOn} retries allowed`);
    } else {
      act(pass, 'power_off', n.name, `${waited}; power off to retry (${h.failedPowerOns} of ${config.retriesPowerOn} retries)`);
    }
  }
}

/**
 * Down but not drained by a person (e.g. 'Not responding'), and not booting: make it capacity
 * again, once a vanished container's cool-down is over.
 */
function recoverDownNodes(pass: Pass): void {
  const { now } = pass.input;
  for (const n of pass.nodes) {
    const h = pass.history[n.name];
    if (h.setAsideSince !== undefined || h.poweringOnSince !== undefined || pass.failedBoots.has(n.name)) continue;
    if (!(n.down && !n.drain && !pass.busy(n) && (n.power === 'on' || n.power === 'off'))) continue;
    if (h.vanishedAt !== undefined && now - h.vanishedAt < VANISHED_COOL_DOWN_SECONDS) continue;
    delete h.vanishedAt;
    act(pass, 'recover', n.name, `down${n.reason ? `: ${n.reason}` : ''}`);
  }
}

interface Demand {
  named: Map<string, string>; // nodes that waiting jobs name (-w), with the job
  count: number; // nodes waiting jobs ask for beyond the named ones
  free: number; // idle or booting for no job yet
  keep: number; // nodes to have free: the demand and extraNodesFree
  why: string; // the reason of the power-ons by count
}

/** What waiting jobs ask for, against what is free or booting. */
function demandOf(pass: Pass): Demand {
  const { config } = pass.input;
  const byName = new Map(pass.nodes.map((n) => [n.name, n]));
  const waiting = pass.input.jobs.filter((j) => j.waitsForNodes);
  const named = new Map<string, string>();
  let count = 0;
  for (const j of waiting) {
    for (const name of j.requiredNodes) {
      const n = byName.get(name);
      if (n && startable(pass, n) && !named.has(name)) named.set(name, j.id);
    }
    count += Math.max(0, j.nodeCount - j.requiredNodes.length);
  }
  // A node booting for a job that already has it (allocated while powering up) is not free.
  const free = pass.idle.length + pass.booting.filter((n) => !pass.busy(n)).length;
  const keep = count + Math.max(0, config.extraNodesFree);
  pass.bootSlots = (config.maxBootingNodes > 0 ? config.maxBootingNodes : Infinity) - pass.booting.length;
  pass.nodeSlots = config.maxNodes - pass.nodes.filter((n) => n.power === 'on').length - pass.booting.length;
  const why = count > 0
    ? `job(s) ${waiting.map((j) => j.id).join(',')} wait for ${count} node(s); ${free} free or booting`
    : `keep ${config.extraNodesFree} idle node(s) ready; ${free} free or booting`;
  return { named, count, free, keep, why };
}

/** Off, usable, and neither set aside nor already booting. */
const startable = (pass: Pass, n: NodeView): boolean => n.power === 'off' && n.usable && !n.down
  && pass.history[n.name].setAsideSince === undefined && pass.history[n.name].poweringOnSince === undefined;

/** Powers a node on, if the boot and node limits allow; false when they do not. */
function powerOn(pass: Pass, n: NodeView, reason: string, warm = false): boolean {
  if (pass.bootSlots <= 0 || pass.nodeSlots <= 0) return false;
  act(pass, 'power_on', n.name, reason, { warm });
  pass.history[n.name].poweringOnSince = pass.input.now;
  pass.bootSlots--;
  pass.nodeSlots--;
  return true;
}

/** Lowest-numbered first, but nodes that failed before only after the healthy ones. */
const candidates = (pass: Pass, demand: Demand): NodeView[] => pass.nodes.filter((n) => startable(pass, n) && !demand.named.has(n.name))
  .sort((a, b) => pass.history[a.name].failedPowerOns - pass.history[b.name].failedPowerOns || naturalCompare(a.name, b.name));

/** Nodes that waiting jobs name, then as many more as they wait for beyond the free ones. */
function powerOnForJobs(pass: Pass, demand: Demand): void {
  for (const [name, jobId] of demand.named) {
    if (!powerOn(pass, pass.nodes.find((n) => n.name === name)!, `job ${jobId} asks for this node`)) return;
  }
  let need = Math.max(0, demand.count - demand.free);
  for (const n of candidates(pass, demand)) {
    if (need <= 0 || !powerOn(pass, n, demand.why)) return;
    need--;
  }
}

/** EXTRA_NODES_FREE: idle nodes kept on beyond what waiting jobs need, so new jobs start at once. */
function keepWarm(pass: Pass, demand: Demand): void {
  const forJobs = Math.max(0, demand.count - demand.free);
  let need = Math.max(0, demand.keep - demand.free) - forJobs;
  for (const n of candidates(pass, demand)) {
    if (need <= 0 || !powerOn(pass, n, demand.why, true)) return;
    need--;
  }
}

/**
 * When the first idle node reaches the idle limit (epoch seconds), if that is still to come: the
 * monitor looks again then rather than at its next tick, so a node goes off at its limit, not up
 * to a tick later.
 */
export function nextIdleLimit(history: PowerHistory, idleSeconds: number, now: number): number | undefined {
  const limits = Object.values(history).flatMap((h) => (h.idleSince === undefined ? [] : [h.idleSince + idleSeconds])).filter((t) => t > now);
  return limits.length > 0 ? Math.min(...limits) : undefined;
}

/** Long-idle nodes beyond what waiting jobs and extraNodesFree want go off, highest-numbered first. */
function powerOffIdle(pass: Pass, demand: Demand): void {
  const { config, now } = pass.input;
  let surplus = demand.free - demand.keep;
  const longIdle = pass.idle.filter((n) => now - pass.history[n.name].idleSince! >= config.idleSeconds).reverse();
  for (const n of longIdle) {
    if (surplus <= 0) break;
    act(pass, 'power_off', n.name, `idle for ${Math.round(now - pass.history[n.name].idleSince!)} s (limit ${config.idleSeconds} s)`, { idle: true });
    delete pass.history[n.name].idleSince;
    surplus--;
  }
}

/**
 * The nodes to get ready for a faster power-on (NodeBackend.keepSpares): off, in service, with no
 * container (`states`: the backend's), neither being powered on or off (`acting`) nor set aside.
 */
export function sparesWanted(nodes: NodeView[], states: Map<string, string>, history: PowerHistory, acting: Set<string>): string[] {
  return nodes.filter((n) => n.power === 'off' && n.usable && !n.down && !states.has(n.name) && !acting.has(n.name)
    && history[n.name]?.poweringOnSince === undefined && history[n.name]?.setAsideSince === undefined).map((n) => n.name);
}
