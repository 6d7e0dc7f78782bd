import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nextIdleLimit, planPower, type PlanInput, type PolicyConfig, type PowerHistory, sparesWanted, VANISHED_COOL_DOWN_SECONDS } from '../../lib/monitor/policy.ts';
import { toJobView, toNodeView } from '../../lib/slurm/state.ts';
import { parseSinfoText, parseSqueueText } from '../support/slurm-text.ts';
import { withHiddenNodes, type JobView, type NodeView } from '../../lib/core/views.ts';

const NOW = 1_800_000_000;
const config: PolicyConfig = { maxNodes: 10, idleSeconds: 120, maxBootingNodes: 10, extraNodesFree: 0, retriesPowerOn: 2, maxWaitPowerOnSeconds: 300 };

const node = (name: string, more: Partial<NodeView> = {}): NodeView =>
  ({ name, power: 'off', busy: false, usable: true, drain: false, down: false, reason: '', ...more });
const offNodes = (count: number, prefix = 'node') => Array.from({ length: count }, (_, i) => node(`${prefix}${i + 1}`));
const job = (id: string, more: Partial<JobView> = {}): JobView =>
  ({ id, waitsForNodes: true, nodeCount: 1, nodes: [], requiredNodes: [], ...more });

const plan = (input: Partial<Omit<PlanInput, 'config'>> & { config?: Partial<PolicyConfig> }) =>
  planPower({ nodes: [], jobs: [], now: NOW, history: {}, ...input, config: { ...config, ...input.config } });
const summary = (input: Parameters<typeof plan>[0]) => plan(input).actions.map((a) => `${a.kind} ${a.node}`);

describe('powering on', () => {
  it('powers on one node per waiting job when all nodes are off', () => {
    expect(summary({ nodes: offNodes(4), jobs: [job('1'), job('2'), job('3')] })).toEqual(['power_on node1', 'power_on node2', 'power_on node3']);
  });

  it('boots no more than maxBootingNodes at once', () => {
    expect(summary({ nodes: offNodes(4), jobs: [job('1'), job('2'), job('3')], config: { maxBootingNodes: 2 } }))
      .toEqual(['power_on node1', 'power_on node2']);
  });

  it('counts nodes already booting against maxBootingNodes and against the demand', () => {
    const nodes = [node('node1', { power: 'powering_up' }), ...offNodes(4).slice(1)];
    const history: PowerHistory = { node1: { poweringOnSince: NOW - 10, failedPowerOns: 0 } };
    expect(summary({ nodes, history, jobs: [job('1'), job('2'), job('3')], config: { maxBootingNodes: 2 } })).toEqual(['power_on node2']);
    expect(summary({ nodes, history, jobs: [job('1'), job('2'), job('3')] })).toEqual(['power_on node2', 'power_on node3']);
  });

  it('powers on as many nodes as a multi-node job asks for', () => {
    expect(summary({ nodes: offNodes(4), jobs: [job('1', { nodeCount: 3 })] })).toEqual(['power_on node1', 'power_on node2', 'power_on node3']);
  });

  it('never powers on more nodes than exist', () => {
    expect(summary({ nodes: offNodes(2), jobs: [job('1', { nodeCount: 5 })] })).toEqual(['power_on node1', 'power_on node2']);
  });

  it('never has more than maxNodes nodes on or booting', () => {
    const nodes = [node('node1', { power: 'on', busy: true }), ...offNodes(4).slice(1)];
    expect(summary({ nodes, jobs: [job('1', { nodeCount: 3 })], config: { maxNodes: 2 } })).toEqual(['power_on node2']);
  });

  it('powers on node9 before node10', () => {
    const nodes = [node('node10'), node('node11'), node('node9')];
    expect(summary({ nodes, jobs: [job('1', { nodeCount: 2 })] })).toEqual(['power_on node9', 'power_on node10']);
  });

  it('uses idle powered-on nodes before powering on others', () => {
    const nodes = [node('node1', { power: 'on' }), ...offNodes(3).slice(1)];
    expect(summary({ nodes, jobs: [job('1', { nodeCount: 2 })] })).toEqual(['power_on node2']);
  });

  it('powers on the node a job names instead of the lowest-numbered one', () => {
    expect(summary({ nodes: offNodes(4), jobs: [job('7', { requiredNodes: ['node3'] })] })).toEqual(['power_on node3']);
  });

  it('never powers on drained, down or set-aside nodes', () => {
    const nodes = [node('node1', { drain: true, usable: false }), node('node2', { down: true, usable: false, reason: 'x' }), node('node3'), node('node4')];
    const history: PowerHistory = { node3: { failedPowerOns: 3, setAsideSince: NOW - 50 } };
    expect(summary({ nodes, history, jobs: [job('1', { nodeCount: 4 })] })).toEqual(['recover node2', 'power_on node4']);
  });

  it('powers on nodes that failed before only after the healthy ones', () => {
    const history: PowerHistory = { node1: { failedPowerOns: 1 } };
    expect(summary({ nodes: offNodes(3), history, jobs: [job('1', { nodeCount: 2 })] })).toEqual(['power_on node2', 'power_on node3']);
  });

  it('does not power on for held, dependent or begin-time jobs', () => {
    const jobs = [job('8', { waitsForNodes: false }), job('9', { waitsForNodes: false }), job('10', { waitsForNodes: false })];
    expect(summary({ nodes: offNodes(4), jobs })).toEqual([]);
  });

  it('records the power-on time and gives the waiting jobs as the reason', () => {
    const result = plan({ nodes: offNodes(2), jobs: [job('5')] });
    expect(result.actions).toEqual([{ kind: 'power_on', node: 'node1', reason: 'job(s) 5 wait for 1 node(s); 0 free or booting' }]);
    expect(result.history.node1).toEqual({ failedPowerOns: 0, poweringOnSince: NOW });
  });

  it('does not power a node on again while its requested power-on is not visible yet', () => {
    const history: PowerHistory = { node1: { poweringOnSince: NOW - 5, failedPowerOns: 0 } };
    expect(summary({ nodes: offNodes(2), history, jobs: [job('1')] })).toEqual([]);
  });
});

describe('keeping nodes warm', () => {
  it('powers on extraNodesFree nodes with no job waiting', () => {
    expect(summary({ nodes: offNodes(4), config: { extraNodesFree: 2 } })).toEqual(['power_on node1', 'power_on node2']);
  });

  it('keeps extraNodesFree idle nodes on however long they are idle', () => {
    const nodes = [node('node1', { power: 'on' }), node('node2', { power: 'on' }), node('node3')];
    const history: PowerHistory = { node1: { idleSince: NOW - 1000, failedPowerOns: 0 }, node2: { idleSince: NOW - 1000, failedPowerOns: 0 } };
    const result = plan({ nodes, history, config: { extraNodesFree: 1 } });
    expect(result.actions).toEqual([{ kind: 'power_off', node: 'node2', reason: 'idle for 1000 s (limit 120 s)', idle: true }]);
  });

  it('adds extraNodesFree on top of what waiting jobs need', () => {
    expect(summary({ nodes: offNodes(4), jobs: [job('1')], config: { extraNodesFree: 1 } })).toEqual(['power_on node1', 'power_on node2']);
  });

  it('marks the power-ons that only keep nodes warm (Slurm mode applies those alone)', () => {
    const warm = (input: Parameters<typeof plan>[0]) => plan(input).actions.map((a) => `${a.node} ${a.warm === true}`);
    expect(warm({ nodes: offNodes(4), jobs: [job('1', { nodeCount: 2 })], config: { extraNodesFree: 1 } })).toEqual(['node1 false', 'node2 false', 'node3 true']);
    expect(warm({ nodes: offNodes(4), config: { extraNodesFree: 2 } })).toEqual(['node1 true', 'node2 true']);
    // A node named by a job is for that job.
    expect(warm({ nodes: offNodes(4), jobs: [job('1', { requiredNodes: ['node3'] })], config: { extraNodesFree: 1 } })).toEqual(['node3 false', 'node1 true']);
  });
});

describe('powering off', () => {
  const idleOn = [node('node1', { power: 'on' })];

  it('counts the idle time from when the scheduler last saw the node busy, never from later than now', () => {
    const justIdle = [node('node1', { power: 'on', lastBusy: NOW - 121 })];
    expect(summary({ nodes: justIdle })).toEqual(['power_off node1']);
    expect(plan({ nodes: [node('node1', { power: 'on', lastBusy: NOW - 100 })] }).history.node1.idleSince).toBe(NOW - 100);
    expect(plan({ nodes: [node('node1', { power: 'on', lastBusy: NOW + 5 })] }).history.node1.idleSince).toBe(NOW);
    // seen idle before: the record stands
    expect(summary({ nodes: justIdle, history: { node1: { idleSince: NOW - 10, failedPowerOns: 0 } } })).toEqual([]);
  });

  it('says when the next idle node reaches the limit, so the monitor looks then and not a tick later', () => {
    const history: PowerHistory = {
      node1: { idleSince: NOW - 119.5, failedPowerOns: 0 }, // at its limit in 0.5 s: the next look
      node2: { idleSince: NOW - 100, failedPowerOns: 0 },
      node3: { idleSince: NOW - 300, failedPowerOns: 0 }, // past its limit and still on (kept warm): no reason to look
      node4: { failedPowerOns: 0 }, // busy
    };
    expect(nextIdleLimit(history, 120, NOW)).toBe(NOW + 0.5);
    expect(summary({ nodes: [node('node1', { power: 'on' })], history: { node1: history.node1 }, now: NOW + 0.5 })).toEqual(['power_off node1']);
    expect(nextIdleLimit({ node3: history.node3, node4: history.node4 }, 120, NOW)).toBeUndefined();
  });

  it('keeps a node idle for 119 s of 120 s on', () => {
    expect(summary({ nodes: idleOn, history: { node1: { idleSince: NOW - 119, failedPowerOns: 0 } } })).toEqual([]);
  });

  it('powers off a node idle for 121 s of 120 s and forgets its idle time', () => {
    const result = plan({ nodes: idleOn, history: { node1: { idleSince: NOW - 121, failedPowerOns: 0 } } });
    expect(result.actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['power_off node1']);
    expect(result.history.node1.idleSince).toBeUndefined();
  });

  it('starts counting idle time when it first sees a node idle', () => {
    const result = plan({ nodes: idleOn });
    expect(result.actions).toEqual([]);
    expect(result.history.node1.idleSince).toBe(NOW);
  });

  it('never powers off a busy node and forgets its idle time', () => {
    const result = plan({ nodes: [node('node1', { power: 'on', busy: true })], history: { node1: { idleSince: NOW - 1000, failedPowerOns: 0 } } });
    expect(result.actions).toEqual([]);
    expect(result.history.node1.idleSince).toBeUndefined();
  });

  it('never powers off a node that a job lists even if the node looks idle', () => {
    const history: PowerHistory = { node1: { idleSince: NOW - 1000, failedPowerOns: 0 } };
    expect(summary({ nodes: idleOn, history, jobs: [job('4', { waitsForNodes: false, nodes: ['node1'] })] })).toEqual([]);
  });

  it('never powers off a draining node that runs a job, nor a drained idle node', () => {
    const nodes = [node('node1', { power: 'on', drain: true, usable: false, busy: true }), node('node2', { power: 'on', drain: true, usable: false })];
    const history: PowerHistory = { node1: { idleSince: NOW - 1000, failedPowerOns: 0 }, node2: { idleSince: NOW - 1000, failedPowerOns: 0 } };
    expect(summary({ nodes, history })).toEqual([]);
  });

  it('never powers off a node that is powering up or powering down', () => {
    const nodes = [node('node1', { power: 'powering_up' }), node('node2', { power: 'powering_down' })];
    const history: PowerHistory = { node1: { idleSince: NOW - 1000, poweringOnSince: NOW - 10, failedPowerOns: 0 }, node2: { idleSince: NOW - 1000, failedPowerOns: 0 } };
    expect(summary({ nodes, history })).toEqual([]);
  });

  it('keeps idle nodes on while jobs wait for nodes', () => {
    const nodes = [node('node1', { power: 'on' }), node('node2', { power: 'on', busy: true })];
    const history: PowerHistory = { node1: { idleSince: NOW - 1000, failedPowerOns: 0 } };
    expect(summary({ nodes, history, jobs: [job('6', { nodeCount: 2 })] })).toEqual([]);
  });

  it('powers off the highest-numbered idle nodes first', () => {
    const nodes = [node('node9', { power: 'on' }), node('node10', { power: 'on' })];
    const history: PowerHistory = { node9: { idleSince: NOW - 500, failedPowerOns: 0 }, node10: { idleSince: NOW - 500, failedPowerOns: 0 } };
    expect(summary({ nodes, history, config: { extraNodesFree: 1 } })).toEqual(['power_off node10']);
  });
});

describe('failed power-ons', () => {
  const booting = [node('node1', { power: 'powering_up' }), node('node2')];
  const since = (seconds: number, failed = 0): PowerHistory => ({ node1: { poweringOnSince: NOW - seconds, failedPowerOns: failed } });

  it('waits while a power-on is within maxWaitPowerOnSeconds', () => {
    expect(plan({ nodes: booting, history: since(300) }).actions).toEqual([]);
  });

  it('powers off an overdue node to retry it and counts the failure', () => {
    const result = plan({ nodes: booting, history: since(301) });
    expect(result.actions).toEqual([{ kind: 'power_off', node: 'node1', reason: 'not up 301 s after power-on (limit 300 s); power off to retry (1 of 2 retries)' }]);
    expect(result.history.node1).toEqual({ failedPowerOns: 1 });
  });

  it('counts a node that registered but that the scheduler refuses (invalid, down) as still booting, then failed', () => {
    const refused = [node('node1', { power: 'on', usable: false, down: true, reason: 'Low socket*core*thread count, Low CPUs' })];
    expect(plan({ nodes: refused, history: since(200) }).actions).toEqual([]);
    expect(plan({ nodes: refused, history: since(301) }).actions).toEqual([
      { kind: 'power_off', node: 'node1', reason: 'not up 301 s after power-on (limit 300 s) (Low socket*core*thread count, Low CPUs); power off to retry (1 of 2 retries)' },
    ]);
    // Down without a power-on of ours under way: recovered as before, not counted as a boot.
    expect(summary({ nodes: refused })).toEqual(['recover node1']);
  });

  it('retries even a node that is allocated to a job while it boots', () => {
    const nodes = [node('node1', { power: 'powering_up', busy: true })];
    expect(summary({ nodes, history: since(400) })).toEqual(['power_off node1']);
  });

  it('sets a node aside after retriesPowerOn retries and leaves it alone afterwards', () => {
    const first = plan({ nodes: booting, history: since(301, 2), jobs: [job('1')] });
    expect(first.actions).toEqual([
      { kind: 'set_aside', node: 'node1', reason: 'not up 301 s after power-on (limit 300 s); 3 failed power-ons, 2 retries allowed' },
      { kind: 'power_on', node: 'node2', reason: 'job(s) 1 wait for 1 node(s); 0 free or booting' },
    ]);
    expect(first.history.node1).toEqual({ failedPowerOns: 3, setAsideSince: NOW });
    const off = [node('node1'), node('node2', { power: 'on', busy: true })];
    expect(planPower({ nodes: off, jobs: [job('2')], config, now: NOW + 60, history: first.history }).actions).toEqual([]);
  });

  it('walks through retry, retry and set-aside over successive rounds', () => {
    let history: PowerHistory = {};
    const kinds: string[] = [];
    for (let round = 0; round < 3; round++) {
      const t = NOW + round * 1000;
      const start = planPower({ nodes: [node('node1')], jobs: [job('1')], config, now: t, history });
      kinds.push(...start.actions.map((a) => a.kind));
      const late = planPower({ nodes: [node('node1', { power: 'powering_up' })], jobs: [], config, now: t + 301, history: start.history });
      kinds.push(...late.actions.map((a) => a.kind));
      history = late.history;
    }
    expect(kinds).toEqual(['power_on', 'power_off', 'power_on', 'power_off', 'power_on', 'set_aside']);
  });

  it('forgets failures once the node is on and usable', () => {
    const result = plan({ nodes: [node('node1', { power: 'on', busy: true })], history: { node1: { failedPowerOns: 3, setAsideSince: NOW - 999, poweringOnSince: NOW - 10 } } });
    expect(result.history.node1).toEqual({ failedPowerOns: 0 });
  });
});

describe('recovering', () => {
  it('recovers a down node that is not drained and runs nothing', () => {
    expect(plan({ nodes: [node('node1', { power: 'on', down: true, usable: false, reason: 'Not responding' })] }).actions)
      .toEqual([{ kind: 'recover', node: 'node1', reason: 'down: Not responding' }]);
  });

  it('recovers a node whose container vanished only after the cool-down (no stale Slurm message reaches a new container)', () => {
    const nodes = [node('node1', { power: 'off', down: true, usable: false, reason: 'ec4docker: container vanished' })];
    const vanished = (ago: number): PowerHistory => ({ node1: { failedPowerOns: 0, vanishedAt: NOW - ago } });
    expect(summary({ nodes, history: vanished(1), jobs: [job('1')] })).toEqual([]);
    expect(summary({ nodes, history: vanished(VANISHED_COOL_DOWN_SECONDS - 1) })).toEqual([]);
    const after = plan({ nodes, history: vanished(VANISHED_COOL_DOWN_SECONDS) });
    expect(after.actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['recover node1']);
    expect(after.history.node1.vanishedAt).toBeUndefined();
  });

  it('leaves a down node that someone drained to that person', () => {
    expect(summary({ nodes: [node('node1', { power: 'on', down: true, drain: true, usable: false })] })).toEqual([]);
  });
});

describe('driven by the real Slurm fixtures', () => {
  const read = (name: string) => readFileSync(new URL(`../fixtures/slurm/${name}`, import.meta.url), 'utf8');
  const scenario = (name: string, extra: Partial<Parameters<typeof plan>[0]> = {}) => {
    const slurmNodes = parseSinfoText(read(`${name}.sinfo-nodes.txt`));
    const nodes = withHiddenNodes(slurmNodes.map(toNodeView), ['f1-node1', 'f1-node2', 'f1-node3', 'f1-node4']);
    const jobs = parseSqueueText(read(`${name}.squeue-all.txt`)).map((j) => toJobView(j, slurmNodes));
    return summary({ nodes, jobs, ...extra });
  };

  it('01: nothing to do with all nodes off and no jobs', () => {
    expect(scenario('01-all-powered-down')).toEqual([]);
  });

  it('02: nothing to do for the node booting for job 4, until its power-on is overdue', () => {
    expect(scenario('02-job-configuring-node-powering-up')).toEqual([]);
    const history: PowerHistory = { 'f1-node1': { poweringOnSince: NOW - 400, failedPowerOns: 0 } };
    expect(scenario('02-job-configuring-node-powering-up', { history })).toEqual(['power_off f1-node1']);
  });

  it('03: powers on the last powered-off node for the Resources and Priority jobs', () => {
    expect(scenario('03-mixed-idle-alloc-pending-reasons')).toEqual(['power_on f1-node4']);
  });

  it('03: keeps the idle f1-node2 on although it has been idle long, since jobs wait', () => {
    const history: PowerHistory = { 'f1-node2': { idleSince: NOW - 1000, failedPowerOns: 0 } };
    expect(scenario('03-mixed-idle-alloc-pending-reasons', { history })).toEqual(['power_on f1-node4']);
  });

  it('04: never powers off the drained or the draining node', () => {
    const history: PowerHistory = { 'f1-node2': { idleSince: NOW - 1000, failedPowerOns: 0 }, 'f1-node3': { idleSince: NOW - 1000, failedPowerOns: 0 } };
    expect(scenario('04-draining-drained', { history })).toEqual(['power_on f1-node4']);
  });

  it('05: leaves the node that is powering down alone', () => {
    expect(scenario('05-powering-down')).toEqual(['power_on f1-node4']);
  });

  it('06: recovers the down* node and powers nothing on for the BeginTime job', () => {
    expect(scenario('06-node-down-job-requeued')).toEqual(['recover f1-node1']);
  });

  it('07: powers off the idle f1-node3 after idleSeconds and powers f1-node1 on like any other node', () => {
    const history: PowerHistory = { 'f1-node3': { idleSince: NOW - 121, failedPowerOns: 0 } };
    expect(scenario('07-down-node-auto-powered-down', { history })).toEqual(['power_off f1-node3']);
    expect(scenario('07-down-node-auto-powered-down', { config: { extraNodesFree: 2 } })).toEqual(['power_on f1-node1']);
  });

  it('10 and 11: held and begin-time jobs power nothing on, and hidden nodes count as off', () => {
    expect(scenario('10-json')).toEqual([]);
    expect(scenario('11-without-PrivateData-cloud')).toEqual([]);
    expect(scenario('11-without-PrivateData-cloud', { config: { extraNodesFree: 1 } })).toEqual(['power_on f1-node2']);
  });
});

describe('spares wanted', () => {
  it('are the nodes off and in service with no container, not acted on, booting or set aside', () => {
    const nodes = [
      node('n1'), node('n2', { power: 'on' }), node('n3'), node('n4', { usable: false, drain: true }), node('n5', { down: true }),
      node('n6'), node('n7'), node('n8'), node('n9', { power: 'powering_down' }),
    ];
    const states = new Map([['n3', 'exited']]);
    const history: PowerHistory = { n7: { failedPowerOns: 0, poweringOnSince: NOW }, n8: { failedPowerOns: 3, setAsideSince: NOW } };
    expect(sparesWanted(nodes, states, history, new Set(['n6']))).toEqual(['n1']);
  });
});
