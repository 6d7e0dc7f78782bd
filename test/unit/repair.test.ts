// clues-monitor's repair rules on recorded Slurm states (test/fixtures/slurm) against the node
// states `docker ps` reports (running, created, exited, dead) and a cut-off node.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CUT_OFF } from '../../lib/backend/types.ts';
import type { NodeView } from '../../lib/core/views.ts';
import { classify, planRepairs, registrationDropped, SET_ASIDE_REASON, STRANDED_GRACE_SECONDS } from '../../lib/monitor/repair.ts';
import { parseNodesJson, toNodeView } from '../../lib/slurm/state.ts';
import { parseSinfoText } from '../support/slurm-text.ts';

const fixture = (name: string) => readFileSync(`test/fixtures/slurm/${name}`, 'utf8');
const views = (name: string): Map<string, NodeView> => {
  const nodes = name.endsWith('.json') ? parseNodesJson(fixture(name)) : parseSinfoText(fixture(name));
  return new Map(nodes.map((n) => [n.name, toNodeView(n)]));
};
const NOW = 1_800_000_000;

describe('repair rules', () => {
  // 10: f1-node1 allocated (running job 2), the others idle~
  const running = views('10-json.sinfo.json');
  // 02: f1-node1 alloc# (powering up for job 4), the others idle~
  const booting = views('02-job-configuring-node-powering-up.sinfo-nodes.txt');

  it('a node on in the scheduler whose container is gone, stopped or cut off has vanished', () => {
    const node = running.get('f1-node1')!;
    expect(classify(node, undefined)).toEqual({ kind: 'vanished', why: 'container gone' });
    expect(classify(node, 'exited')).toEqual({ kind: 'vanished', why: 'container exited' });
    expect(classify(node, CUT_OFF)).toEqual({ kind: 'vanished', why: `container ${CUT_OFF}` });
    expect(classify(node, 'running')).toBeUndefined();
  });

  it('in mode monitor, a job on a node off or going off without a running container is stranded; in mode slurm it is Slurm\'s to boot', () => {
    const busy = running.get('f1-node1')!; // allocated, running job 2
    for (const power of ['powering_down', 'off'] as const) {
      const node = { ...busy, power };
      const why = `a job on it, ${power === 'off' ? 'powered off' : 'powering down'}, container gone`;
      expect(classify(node, undefined, false, false)).toEqual({ kind: 'stranded', why });
      expect(classify(node, 'exited', false, false)?.kind).toBe('stranded');
      expect(classify(node, undefined, false, true)).toBeUndefined(); // mode slurm: Slurm powers it up for the job
    }
    // 25: `scontrol power down` of a busy node (mix!): it goes after its job; killed, its job runs nowhere
    const asked = views('25-ec4docker-busy-node-power-down.nodes.json').get('pdtestn1')!;
    expect(asked).toMatchObject({ power: 'powering_down', busy: true });
    expect(classify(asked, 'running', false, false)).toBeUndefined();
    expect(classify(asked, 'exited', false, false)).toEqual({ kind: 'stranded', why: 'a job on it, powering down, container exited' });
    // powered on by the monitor for that job, not up yet: booting
    expect(classify({ ...busy, power: 'off' }, undefined, true, false)).toBeUndefined();
    expect(classify({ ...busy, power: 'powering_up' }, undefined, false, false)).toBeUndefined();
    // an idle node powered off has no container, and that is right
    expect(classify({ ...busy, busy: false, power: 'off' }, undefined, false, false)).toBeUndefined();
  });

  it('a stranded job\'s node is repaired as vanished once it has stayed so for the grace (Slurm\'s pass may be about to boot it)', () => {
    const node = views('25-ec4docker-busy-node-power-down.nodes.json').get('pdtestn1')!;
    const input = { nodes: [node], states: new Map([['pdtestn1', 'exited']]), busyElsewhere: new Set<string>(), schedulerPowersUp: false, retriesPowerOn: 3 };
    const first = planRepairs({ ...input, history: {}, now: NOW });
    expect(first.repairs).toEqual([]);
    expect(first.history.pdtestn1).toEqual({ failedPowerOns: 0, strandedSince: NOW });
    expect(planRepairs({ ...input, history: first.history, now: NOW + STRANDED_GRACE_SECONDS - 0.5 }).repairs).toEqual([]);
    const due = planRepairs({ ...input, history: first.history, now: NOW + STRANDED_GRACE_SECONDS });
    expect(due.repairs).toEqual([{ kind: 'vanished', node: 'pdtestn1', reason: 'a job on it, powering down, container exited', why: 'a job on it, powering down, container exited' }]);
    expect(due.history.pdtestn1).toEqual({ failedPowerOns: 0, vanishedAt: NOW + STRANDED_GRACE_SECONDS });
    // booted meanwhile (its container runs): the count starts again
    const booted = planRepairs({ ...input, states: new Map([['pdtestn1', 'running']]), history: first.history, now: NOW + 1 });
    expect(booted.repairs).toEqual([]);
    expect(booted.history.pdtestn1).toEqual({ failedPowerOns: 0 });
    // mode slurm: never
    expect(planRepairs({ ...input, schedulerPowersUp: true, history: first.history, now: NOW + 60 }).repairs).toEqual([]);
  });

  it('a container of a node the scheduler counts off is an orphan, whatever its state', () => {
    for (const state of ['running', 'exited', 'created']) {
      expect(classify(running.get('f1-node2')!, state)).toEqual({ kind: 'orphan', why: `container ${state} of a powered-off node` });
    }
    expect(classify(running.get('f1-node2')!, undefined)).toBeUndefined();
  });

  it('a node powering up whose container stopped failed its boot; one being created or running is booting', () => {
    const node = booting.get('f1-node1')!;
    expect(classify(node, 'exited')).toEqual({ kind: 'failed_boot', why: 'container exited while powering up' });
    expect(classify(node, 'dead')?.kind).toBe('failed_boot');
    expect(classify(node, 'created')).toBeUndefined();
    expect(classify(node, 'running')).toBeUndefined();
    // its start being mended: a failed first `docker run` removed before the next (seen in CI)
    expect(classify(node, 'removing')).toBeUndefined();
    // Slurm starts the container after POWER_UP: not there yet is not a failure.
    expect(classify(node, undefined)).toBeUndefined();
  });

  it('a node the monitor powered on that still looks off is booting, not an orphan, until its container stops', () => {
    const node = running.get('f1-node2')!; // idle~: the monitor started it before Slurm's power-save pass
    expect(classify(node, 'running', true)).toBeUndefined();
    expect(classify(node, 'created', true)).toBeUndefined();
    expect(classify(node, undefined, true)).toBeUndefined();
    expect(classify(node, 'exited', true)).toEqual({ kind: 'failed_boot', why: 'container exited while powering up' });
    const plan = planRepairs({
      nodes: [node], states: new Map([['f1-node2', 'running']]), busyElsewhere: new Set(), schedulerPowersUp: false,
      history: { 'f1-node2': { failedPowerOns: 0, poweringOnSince: NOW - 1 } }, now: NOW, retriesPowerOn: 3,
    });
    expect(plan.repairs).toEqual([]);
  });

  it('leaves a node set aside alone: it is down with its reason, and no container is expected', () => {
    const setAside = { ...running.get('f1-node1')!, reason: `${SET_ASIDE_REASON}: 4 failed power-ons` };
    expect(classify(setAside, undefined)).toBeUndefined();
  });

  it('a vanished node is repaired once, with the time it vanished kept for the cool-down', () => {
    const plan = planRepairs({
      nodes: [...running.values()], states: new Map([['f1-node2', 'exited']]), busyElsewhere: new Set(), schedulerPowersUp: false, history: {}, now: NOW, retriesPowerOn: 3,
    });
    expect(plan.repairs.map((r) => `${r.kind} ${r.node}`)).toEqual(['vanished f1-node1', 'orphan f1-node2']);
    expect(plan.history['f1-node1']).toEqual({ failedPowerOns: 0, vanishedAt: NOW });
    expect(plan.history['f1-node2']).toBeUndefined();
  });

  it('counts a failed boot, retries it, and sets the node aside once the retries are used up', () => {
    const input = { nodes: [booting.get('f1-node1')!], states: new Map([['f1-node1', 'exited']]), busyElsewhere: new Set<string>(), schedulerPowersUp: false, now: NOW, retriesPowerOn: 1 };
    const first = planRepairs({ ...input, history: { 'f1-node1': { failedPowerOns: 0, poweringOnSince: NOW - 5 } } });
    expect(first.repairs).toEqual([{ kind: 'retry_boot', node: 'f1-node1', reason: 'container exited while powering up', why: 'container exited while powering up', failedPowerOns: 1 }]);
    expect(first.history['f1-node1']).toEqual({ failedPowerOns: 1 });
    const second = planRepairs({ ...input, history: first.history });
    expect(second.repairs[0]).toMatchObject({ kind: 'set_aside', failedPowerOns: 2, reason: 'container exited while powering up; 2 failed power-ons, 1 retries allowed' });
    expect(second.history['f1-node1'].setAsideSince).toBe(NOW);
  });

  it('leaves nodes alone while a power action on them is under way, and does not change the history it was given', () => {
    const history = {};
    const plan = planRepairs({ nodes: [...running.values()], states: new Map(), busyElsewhere: new Set(['f1-node1']), schedulerPowersUp: false, history, now: NOW, retriesPowerOn: 3 });
    expect(plan.repairs).toEqual([]);
    expect(history).toEqual({});
  });

  it('finds nothing to repair when the scheduler and the containers agree (07: a down node powered off, no container)', () => {
    const agreed = views('07-down-node-auto-powered-down.sinfo-nodes.txt');
    const plan = planRepairs({
      nodes: [...agreed.values()], states: new Map([['f1-node2', 'running'], ['f1-node3', 'running']]), busyElsewhere: new Set(), schedulerPowersUp: false, history: {}, now: NOW, retriesPowerOn: 3,
    });
    expect(plan.repairs).toEqual([]);
  });
});

describe('a registration Slurm dropped', () => {
  // ec4d-powering-up: t25n1 POWERING_UP (idle#) for a job, its slurmd not registered yet (boot_time 0)
  const text = readFileSync('test/fixtures/slurm-24.11/ec4d-powering-up.scontrol-nodes.json', 'utf8');
  const START = 1796044941; // when the monitor powered it on, in the capture
  const withBootTime = (bootTime: number): NodeView => {
    const doc = JSON.parse(text);
    doc.nodes[0].boot_time.number = bootTime; // what a dropped registration leaves (job_mgr.c validate_jobs_on_node)
    return toNodeView(parseNodesJson(JSON.stringify(doc))[0]);
  };
  const history = (h: Record<string, number>) => ({ t25n1: { failedPowerOns: 0, ...h } });

  it('is a node still powering up whose daemon started since its power-on, its container running', () => {
    expect(registrationDropped(withBootTime(0), 'running', { poweringOnSince: START })).toBe(false); // not registered yet
    expect(registrationDropped(withBootTime(START), 'running', { poweringOnSince: START + 0.6 })).toBe(true); // same second
    expect(registrationDropped(withBootTime(START - 30), 'running', { poweringOnSince: START })).toBe(false); // an older daemon
    expect(registrationDropped(withBootTime(START + 1), 'created', { poweringOnSince: START })).toBe(false);
    expect(registrationDropped(withBootTime(START + 1), 'running', undefined)).toBe(false); // not the monitor's power-on
  });

  it('restarts the node once for that registration, and again only for a later one', () => {
    const plan = (bootTime: number, h: Record<string, number>, now: number) => planRepairs({
      nodes: [withBootTime(bootTime)], states: new Map([['t25n1', 'running']]), busyElsewhere: new Set(), schedulerPowersUp: false, history: history(h), now, retriesPowerOn: 3,
    });
    const first = plan(START + 1, { poweringOnSince: START }, START + 3);
    expect(first.repairs.map((r) => r.kind)).toEqual(['restart']);
    expect(first.repairs[0].reason).toMatch(/^powering up: its daemon, started .*, registered, and the scheduler dropped that/);
    expect(first.history.t25n1).toEqual({ failedPowerOns: 0, poweringOnSince: START, restartedAt: START + 3 });
    expect(plan(START + 1, { poweringOnSince: START, restartedAt: START + 3 }, START + 4).repairs).toEqual([]);
    expect(plan(START + 5, { poweringOnSince: START, restartedAt: START + 3 }, START + 6).repairs.map((r) => r.kind)).toEqual(['restart']);
  });
});
