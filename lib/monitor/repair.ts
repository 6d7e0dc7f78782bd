// The repair rules of clues-monitor: where the scheduler and the node backend disagree about a
// node, what to do. Pure: it sees the scheduler's node views, the backend's node states and the
// history, and returns the repairs with the history they leave.
import type { NodeView } from '../core/views.ts';
import type { PowerHistory } from './policy.ts';

/** The reason on a node kept out of service after too many failed power-ons. */
export const SET_ASIDE_REASON = 'ec4docker: set aside';

export type RepairKind =
  | 'vanished' // on in the scheduler, its node gone or stopped: requeue its jobs now
  | 'orphan' // off in the scheduler, a node still there: remove it
  | 'retry_boot' // powering up, its node stopped: it will never register; counted as a failed power-on
  | 'restart' // powering up, its daemon registered since, but the scheduler dropped that: start it again
  | 'set_aside'; // the same, once the retries are used up: out of service until a person acts

export interface Repair {
  kind: RepairKind;
  node: string;
  reason: string;
  why: string; // what was seen (the reason without the count of failures)
  failedPowerOns?: number;
}

export interface RepairInput {
  nodes: NodeView[];
  states: Map<string, string>; // each existing node's backend state, by node name
  busyElsewhere: Set<string>; // nodes a power action is under way on: left alone
  schedulerPowersUp: boolean; // the scheduler powers up a node it gives a job (Slurm in mode slurm)
  history: PowerHistory;
  now: number; // epoch seconds
  retriesPowerOn: number;
}

/**
 * Which rule, if any, applies to one node, from its scheduler view and its backend state.
 * `poweringOn`: clues-monitor powered it on and it has not come up yet. Such a node may still
 * look off to the scheduler (Slurm, when the monitor starts it before Slurm's power-save pass).
 * `schedulerPowersUp`: a job given to a node that is off is the scheduler's to boot it for; when
 * not (mode monitor), a job on a node off or going off, without a running container, is stranded:
 * it runs nowhere (e.g. Slurm put it there the moment a late reply of the dead node undid its DOWN).
 */
export function classify(node: NodeView, state: string | undefined, poweringOn = false, schedulerPowersUp = true): { kind: 'vanished' | 'stranded' | 'orphan' | 'failed_boot'; why: string } | undefined {
  const running = state === 'running';
  const booting = node.power === 'powering_up' || (poweringOn && node.power === 'off');
  if (node.power === 'on' && !running && !node.reason.startsWith(SET_ASIDE_REASON)) return { kind: 'vanished', why: `container ${state ?? 'gone'}` };
  if (!schedulerPowersUp && node.busy && !booting && !running && (node.power === 'off' || node.power === 'powering_down')) {
    return { kind: 'stranded', why: `a job on it, ${node.power === 'off' ? 'powered off' : 'powering down'}, container ${state ?? 'gone'}` };
  }
  // 'removing' while booting: a start being mended (a stale copy or a failed first try removed), not a failure.
  if (booting && state !== undefined && !running && state !== 'created' && state !== 'removing') return { kind: 'failed_boot', why: `container ${state} while powering up` };
  if (node.power === 'off' && state !== undefined && !booting) return { kind: 'orphan', why: `container ${state} of a powered-off node` };
  return undefined;
}

/**
 * A node the monitor started that Slurm then gave a job and powered up itself, before its slurmd
 * registered: slurmctld drops a registration whose boot time is older than its own power-up
 * request ("Still waiting for boot") until ResumeTimeout. The dropped registration still sets the
 * node's boot time: a node still powering up whose daemon started since the power-on (or since
 * the last restart) had its registration dropped. A new start registers after Slurm's request.
 */
export function registrationDropped(node: NodeView, state: string | undefined, h: { poweringOnSince?: number; restartedAt?: number } | undefined): boolean {
  if (node.power !== 'powering_up' || state !== 'running' || h?.poweringOnSince === undefined || node.daemonStartedAt === undefined) return false;
  return node.daemonStartedAt >= Math.floor(Math.max(h.poweringOnSince, h.restartedAt ?? 0)); // boot times are whole seconds
}

/**
 * A stranded job is repaired once it has been so this long: Slurm's power-save pass (every second)
 * powers up a node it gave a job while off, when ec4docker lets a job land on one (a power-off's
 * hold that came too late).
 */
export const STRANDED_GRACE_SECONDS = 2;

/** The repairs due now, and the history after them. */
export function planRepairs(input: RepairInput): { repairs: Repair[]; history: PowerHistory } {
  const history: PowerHistory = { ...input.history };
  const repairs: Repair[] = [];
  for (const node of input.nodes) {
    if (input.busyElsewhere.has(node.name)) continue;
    if (registrationDropped(node, input.states.get(node.name), input.history[node.name])) {
      history[node.name] = { ...(history[node.name] ?? { failedPowerOns: 0 }), restartedAt: input.now };
      const why = `powering up: its daemon, started ${new Date(node.daemonStartedAt! * 1000).toISOString()}, registered, and the scheduler dropped that (its own power-up came later)`;
      repairs.push({ kind: 'restart', node: node.name, reason: why, why });
      continue;
    }
    const found = classify(node, input.states.get(node.name), input.history[node.name]?.poweringOnSince !== undefined, input.schedulerPowersUp);
    if (found?.kind !== 'stranded' && history[node.name]?.strandedSince !== undefined) {
      history[node.name] = { ...history[node.name] };
      delete history[node.name].strandedSince;
    }
    if (!found) continue;
    if (found.kind === 'orphan') {
      repairs.push({ kind: 'orphan', node: node.name, reason: found.why, why: found.why });
      continue;
    }
    const h = { ...(history[node.name] ?? { failedPowerOns: 0 }) };
    history[node.name] = h;
    if (found.kind === 'stranded') {
      h.strandedSince ??= input.now;
      if (input.now - h.strandedSince < STRANDED_GRACE_SECONDS) continue;
      delete h.strandedSince; // repaired as vanished
    }
    if (found.kind === 'vanished' || found.kind === 'stranded') {
      h.vanishedAt = input.now; // cool-down before recover (policy.ts)
      repairs.push({ kind: 'vanished', node: node.name, reason: found.why, why: found.why });
      continue;
    }
    h.failedPowerOns += 1;
    delete h.poweringOnSince;
    if (h.failedPowerOns > input.retriesPowerOn) {
      h.setAsideSince = input.now;
      repairs.push({ kind: 'set_aside', node: node.name, reason: `${found.why}; ${h.failedPowerOns} failed power-ons, ${input.retriesPowerOn} retries allowed`, why: found.why, failedPowerOns: h.failedPowerOns });
    } else {
      repairs.push({ kind: 'retry_boot', node: node.name, reason: found.why, why: found.why, failedPowerOns: h.failedPowerOns });
    }
  }
  return { repairs, history };
}
