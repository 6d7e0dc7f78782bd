// Pure parsers of Slurm node and job state (JSON of 24.11's scontrol and squeue, and of 22.05's
// sinfo and squeue, which recorded fixtures hold) and their neutral views.
import { UserError } from '../core/errors.ts';
import { expandHostlist } from '../core/hostlist.ts';
import type { JobView, NodeView, Power } from '../core/views.ts';
import { jobWaitsForNodes, unavailableNodes } from './reasons.ts';

export { jobWaitsForNodes } from './reasons.ts';

/** The state word sinfo shows (%T, long spelling shortened), identical for text and JSON input. */
export type NodeBase =
  | 'idle' | 'alloc' | 'mix' | 'completing' | 'down' | 'drained' | 'draining' | 'fail' | 'failing'
  | 'maint' | 'reboot' | 'reserved' | 'future' | 'inval' | 'unknown';

export interface SlurmNode {
  name: string;
  // As Slurm printed it ('idle~' from %t, 'IDLE+CLOUD+POWERED_DOWN' from JSON): for logs only.
  state: string;
  base: NodeBase;
  power: Power;
  drain: boolean;
  // slurmd does not answer; always false unless power is 'on' (booting or off nodes never answer).
  notResponding: boolean;
  // Runs or is allocated a job, including a job that waits for this node to boot.
  busy: boolean;
  // '' if none. May be stale: 07 shows an idle~ node still carrying 'Not responding'.
  reason: string;
  // When the reason was set, epoch seconds (JSON only; undefined when unknown).
  reasonSince?: number;
  // When it last became idle or registered, epoch seconds (JSON only; undefined when unknown).
  lastBusy?: number;
  bootTime?: number; // boot_time: with slurmd -b, when the node's slurmd started (set by every registration, kept or dropped)
  cpus: number;
  allocCpus: number;
  memoryMb: number;
}

export interface SlurmJob {
  // A string: array and het jobs print as '12_3', '12_[1-5]' or '12+1'.
  id: string;
  // Upper case: PENDING, CONFIGURING, RUNNING, COMPLETING, SUSPENDED, ...
  state: string;
  // 'None' when Slurm gives none; spaces, not scontrol's underscores.
  reason: string;
  nodes: string[];
  nodeCount: number;
  cpus: number;
  partition: string;
  user: string;
  name: string;
  // Only in JSON (`-w`); [] from text.
  requiredNodes: string[];
  // Epoch seconds, only from JSON.
  submitTime?: number;
  // When it may start: in the future for a --begin job (JSON only; undefined when 0, e.g. held).
  eligibleTime?: number;
  // 'afterok:1(unfulfilled)' (JSON only; '' for none).
  dependency?: string;
  // Times Slurm requeued it (restart_cnt, JSON only).
  restarts?: number;
  // From the reason alone; toJobView refines it with the node states.
  waitsForNodes: boolean;
}

/** sinfo's short and long state words, as bases. */
export const SHORT_BASES: Record<string, NodeBase> = {
  idle: 'idle', alloc: 'alloc', allocated: 'alloc', mix: 'mix', mixed: 'mix', comp: 'completing',
  completing: 'completing', down: 'down', drain: 'drained', drained: 'drained', drng: 'draining',
  draining: 'draining', fail: 'fail', failg: 'failing', failing: 'failing', maint: 'maint',
  boot: 'reboot', reboot: 'reboot', resv: 'reserved', reserved: 'reserved', futr: 'future',
  future: 'future', inval: 'inval', unk: 'unknown', unknown: 'unknown',
};

// sinfo's short word (%t) of each base.
const SHORT_WORDS: Record<NodeBase, string> = {
  idle: 'idle', alloc: 'alloc', mix: 'mix', completing: 'comp', down: 'down', drained: 'drain', draining: 'drng',
  fail: 'fail', failing: 'failg', maint: 'maint', reboot: 'boot', reserved: 'resv', future: 'futr', inval: 'inval', unknown: 'unk',
};

// sinfo's suffixes (%t), in the order node_state_string_compact tries the flags.
const SUFFIXES: Array<[string, string]> = [
  ['MAINTENANCE', '$'], ['REBOOT_ISSUED', '^'], ['REBOOT_REQUESTED', '@'], ['POWERING_UP', '#'],
  ['POWERING_DOWN', '%'], ['POWERED_DOWN', '~'], ['POWER_DOWN', '!'], ['NOT_RESPONDING', '*'],
];

/** The short state sinfo would show (%t: 'drain~', 'idle#') of a node read from JSON. */
export function shortStateOf(node: SlurmNode): string {
  if (node.base === 'inval') return 'inval'; // sinfo gives it no suffix
  const flags = new Set(node.state.split('+').slice(1));
  return SHORT_WORDS[node.base] + (SUFFIXES.find(([flag]) => flags.has(flag))?.[1] ?? '');
}

// The bases that mean a job holds the node (draining/failing: drain or fail flag while allocated).
const BUSY_BASES = new Set<NodeBase>(['alloc', 'mix', 'completing', 'draining', 'failing']);

/** Power from the flags; POWER_DOWN ('!', requested but not started) already counts as going off. */
function powerOf(flags: Set<string>): Power {
  if (flags.has('POWERING_UP') || flags.has('POWER_UP')) return 'powering_up';
  if (flags.has('POWERING_DOWN') || flags.has('POWER_DOWN')) return 'powering_down';
  return flags.has('POWERED_DOWN') ? 'off' : 'on';
}

/** A node from its state, base and flags, however they were read. */
export function slurmNode(name: string, state: string, base: NodeBase, flags: Set<string>, rest: Pick<SlurmNode, 'reason' | 'reasonSince' | 'lastBusy' | 'bootTime' | 'cpus' | 'allocCpus' | 'memoryMb'>): SlurmNode {
  const power = powerOf(flags);
  return {
    name, state, base, power,
    drain: flags.has('DRAIN') || base === 'drained' || base === 'draining',
    notResponding: flags.has('NOT_RESPONDING') && power === 'on',
    busy: BUSY_BASES.has(base) || flags.has('COMPLETING') || rest.allocCpus > 0,
    ...rest,
  };
}

/** The sinfo word of a JSON base state plus flags, in Slurm's own precedence (node_state_string). */
function baseOf(state: string, flags: Set<string>): NodeBase {
  const held = state === 'allocated' || state === 'mixed';
  if (flags.has('INVALID_REG')) return 'inval';
  if (flags.has('MAINTENANCE') && !flags.has('DRAIN') && !held && state !== 'down') return 'maint';
  if ((flags.has('REBOOT_REQUESTED') || flags.has('REBOOT_ISSUED')) && !held) return 'reboot';
  if (flags.has('DRAIN')) return held || flags.has('COMPLETING') ? 'draining' : 'drained';
  if (flags.has('FAIL')) return state === 'allocated' || flags.has('COMPLETING') ? 'failing' : 'fail';
  if (state === 'down') return 'down';
  if (flags.has('COMPLETING')) return 'completing';
  if (state === 'idle' && flags.has('RESERVED')) return 'reserved';
  if (state === 'error') return 'fail';
  if (state === 'invalid') return 'inval';
  return SHORT_BASES[state] ?? 'unknown';
}

/**
 * Parses the `nodes` array of `scontrol show nodes --json` (24.11, data_parser v0.0.42: state is a
 * list, base first, then flags), of slurmrestd's /nodes (the same), or of 22.05's `sinfo --json`
 * (v0.0.38: state a word, flags in state_flags).
 */
export function parseNodesJson(text: string): SlurmNode[] {
  const doc = parseJson(text, 'node list', 'nodes');
  return (doc.nodes as Array<Record<string, unknown>>).map((n) => {
    const words = (Array.isArray(n.state) ? n.state : [n.state ?? 'unknown', ...((n.state_flags as unknown[] | undefined) ?? [])]).map((w) => String(w).toUpperCase());
    const state = words[0].toLowerCase();
    const flags = new Set(words.slice(1));
    return slurmNode(String(n.name), words.join('+'), baseOf(state, flags), flags, {
      reason: String(n.reason ?? ''),
      reasonSince: num(n.reason_changed_at) || undefined,
      lastBusy: num(n.last_busy) || undefined,
      bootTime: num(n.boot_time) || undefined,
      cpus: num(n.cpus),
      allocCpus: num(n.alloc_cpus),
      memoryMb: num(n.real_memory),
    });
  });
}

/**
 * The nodes a `scontrol --json` session shows (commands on its stdin, `show node` among them).
 * Reading commands from a pipe, scontrol prompts and echoes each one on stdout ('scontrol: update
 * ...'), and prompts once more at the end: the JSON is from a line '{' to a line '}'.
 */
export function parseSessionNodes(stdout: string): SlurmNode[] {
  const start = stdout.search(/^\{$/m);
  const end = stdout.lastIndexOf('\n}') + 2;
  if (start < 0 || end < start) throw new UserError(`scontrol showed no node: ${stdout.trim().split('\n').pop() ?? ''}`);
  return parseNodesJson(stdout.slice(start, end));
}

/**
 * Whether a node just drained holds no job: drained (no job allocated, none completing) and not
 * busy. Anything else (draining, or a state this does not know) is asked of squeue.
 */
export const emptyOnceDrained = (node: SlurmNode): boolean => node.base === 'drained' && !node.busy;

/** Parses `squeue --json`: 24.11's (v0.0.42: state lists, numbers as {set, infinite, number}) and 22.05's (v0.0.38). */
export function parseSqueueJson(text: string): SlurmJob[] {
  const doc = parseJson(text, 'squeue --json', 'jobs');
  return (doc.jobs as Array<Record<string, unknown>>).map((j) => slurmJob({
    id: String(j.job_id), state: jobStateWord(j.job_state), reason: String(j.state_reason ?? 'None'),
    nodes: String(j.nodes ?? ''), nodeCount: num(j.node_count), cpus: num(j.cpus),
    partition: String(j.partition ?? ''), user: String(j.user_name ?? ''), name: String(j.name ?? ''),
    requiredNodes: String(j.required_nodes ?? ''),
    submitTime: num(j.submit_time) || undefined, eligibleTime: num(j.eligible_time) || undefined,
    dependency: String(j.dependency ?? ''), restarts: num(j.restart_cnt),
  }));
}

export type RawJob = Omit<SlurmJob, 'nodes' | 'requiredNodes' | 'waitsForNodes'> & { nodes: string; requiredNodes: string };

/** A job from its fields, however they were read. */
export function slurmJob(raw: RawJob): SlurmJob {
  const state = raw.state.toUpperCase();
  // scontrol writes reasons with underscores; squeue with spaces. Keep one spelling.
  const reason = raw.reason.replace(/_/g, ' ').trim() || 'None';
  return {
    ...raw, state, reason,
    nodes: expandHostlist(raw.nodes), requiredNodes: expandHostlist(raw.requiredNodes),
    nodeCount: raw.nodeCount || 0, cpus: raw.cpus || 0,
    // A job waiting for another one is not waiting for nodes, whatever its reason says: right
    // after sbatch it shows ReqNodeNotAvail like any other while nodes are held off (fixture 21).
    waitsForNodes: (jobWaitsForNodes(state, reason) || requeuedBeforePass(state, reason, raw.restarts))
      && !/\((unfulfilled|failed)\)/.test(raw.dependency ?? ''),
  };
}

/**
 * A job requeued because its node failed, before Slurm's next scheduling pass gives it a reason:
 * it shows reason None (fixture 23, for about 2 s), which for a new job means "not looked at
 * yet", but this one ran already and needs a node again. Held or delayed, it would say so.
 */
function requeuedBeforePass(state: string, reason: string, restarts = 0): boolean {
  return state === 'PENDING' && reason === 'None' && restarts > 0;
}

/**
 * Jobs Slurm requeued and holds back for about two minutes after a node failure (fixture 22):
 * once the node has been recovered they may start at once. Not by reason: right after the
 * requeue it is not yet BeginTime.
 */
export function requeuedAndHeld(jobs: SlurmJob[], now: number): string[] {
  return jobs.filter((j) => pendingAgain(j) && (j.eligibleTime ?? 0) > now).map((j) => j.id);
}

/** Pending after it ran: Slurm requeued it. */
const pendingAgain = (j: SlurmJob): boolean => j.state === 'PENDING' && (j.restarts ?? 0) > 0;

/**
 * Requeued jobs Slurm found still cleaning up their earlier run at its last pass (reason
 * Cleaning: that run's PrologSlurmctld had not ended). The cleanup's end asks for no pass
 * (prolog_running_decr, job_scheduler.c), so without a nudge such a job waits for backfill's
 * next one, up to half a minute. Held ones are left to requeuedAndHeld.
 */
export function requeuedCleaning(jobs: SlurmJob[], now: number): string[] {
  return jobs.filter((j) => pendingAgain(j) && j.reason === 'Cleaning' && (j.eligibleTime ?? 0) <= now).map((j) => j.id);
}

/** The neutral node view: usable means the scheduler would run jobs there once it is on. */
export function toNodeView(n: SlurmNode): NodeView {
  const down = ['down', 'fail', 'failing', 'inval'].includes(n.base);
  const healthy = ['idle', 'alloc', 'mix', 'completing', 'reserved'].includes(n.base);
  const view: NodeView = { name: n.name, power: n.power, busy: n.busy, usable: healthy && !n.drain && !n.notResponding, drain: n.drain, down, reason: n.reason };
  return { ...view, ...(n.lastBusy === undefined ? {} : { lastBusy: n.lastBusy }), ...(n.bootTime === undefined ? {} : { daemonStartedAt: n.bootTime }) };
}

/**
 * The neutral job view. With node states at hand, a job waiting for specific nodes (`-w`, or
 * 'ReqNodeNotAvail, UnavailableNodes:...') waits for power only if one of them is off and usable:
 * 04 job 11 wants the drained f1-node2, which no power-on will fix. `now` (epoch seconds): a job
 * whose eligible time is later does not wait for nodes yet.
 */
export function toJobView(j: SlurmJob, nodes: SlurmNode[] = [], now?: number): JobView {
  const views = new Map(nodes.map((n) => [n.name, toNodeView(n)]));
  const startable = (name: string) => {
    const v = views.get(name);
    return !v || (v.usable && (v.power === 'off' || v.power === 'powering_down'));
  };
  const wanted = j.requiredNodes.length ? j.requiredNodes : unavailableNodes(j.reason);
  // A --begin job is not eligible before its time (fixture 21: ReqNodeNotAvail until the next pass).
  const early = now !== undefined && j.eligibleTime !== undefined && j.eligibleTime > now;
  const waits = j.waitsForNodes && !early && (!wanted.length || !views.size || wanted.some(startable));
  return { id: j.id, waitsForNodes: waits, nodeCount: j.nodeCount, nodes: j.nodes, requiredNodes: j.requiredNodes };
}

function parseJson(text: string, what: string, key: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${what}: not JSON (${(e as Error).message})`);
  }
  if (!doc || !Array.isArray(doc[key])) throw new UserError(`${what}: no '${key}' array`);
  const errors = (doc.errors as Array<Record<string, unknown>> | undefined) ?? [];
  if (errors.length) throw new UserError(`${what}: ${errors.map((e) => e.error ?? e.description ?? JSON.stringify(e)).join('; ')}`);
  return doc;
}

/**
 * The state word squeue's %T prints. 24.11 gives a list, base first ('RUNNING', 'CONFIGURING',
 * 'POWER_UP_NODE'), where %T and 22.05's JSON say CONFIGURING (or COMPLETING).
 */
function jobStateWord(v: unknown): string {
  const words = (Array.isArray(v) ? v : [v ?? '']).map((w) => String(w).toUpperCase());
  return words.find((w) => w === 'CONFIGURING' || w === 'COMPLETING') ?? words[0];
}

// v0.0.38 gives plain numbers; v0.0.39+ wraps them as { set, infinite, number }.
function num(v: unknown): number {
  if (v && typeof v === 'object' && 'number' in v) return Number((v as { number: unknown }).number) || 0;
  return Number(v) || 0;
}
