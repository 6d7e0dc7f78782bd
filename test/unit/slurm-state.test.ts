import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  emptyOnceDrained, jobWaitsForNodes, parseNodesJson, parseSessionNodes, parseSqueueJson, requeuedAndHeld, requeuedCleaning, shortStateOf, toJobView, toNodeView,
  type SlurmJob, type SlurmNode,
} from '../../lib/slurm/state.ts';
import { parseSinfoText, parseSqueueText } from '../support/slurm-text.ts';
import { unavailableNodes } from '../../lib/slurm/reasons.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/slurm/${name}`, import.meta.url), 'utf8');
const sinfo = (scenario: string) => parseSinfoText(fixture(`${scenario}.sinfo-nodes.txt`));
const squeue = (scenario: string) => parseSqueueText(fixture(`${scenario}.squeue-all.txt`));
const pending = (scenario: string) => parseSqueueText(fixture(`${scenario}.squeue-pending.txt`));
const byName = (nodes: SlurmNode[]) => new Map(nodes.map((n) => [n.name, n]));
const byId = (jobs: SlurmJob[]) => new Map(jobs.map((j) => [j.id, j]));
const waitingIds = (jobs: SlurmJob[], nodes?: SlurmNode[]) =>
  jobs.filter((j) => toJobView(j, nodes).waitsForNodes).map((j) => j.id).sort();

describe('sinfo text', () => {
  it('01: all 4 nodes are idle, powered off, usable and not busy', () => {
    const nodes = sinfo('01-all-powered-down');
    expect(nodes.map((n) => n.name)).toEqual(['f1-node1', 'f1-node2', 'f1-node3', 'f1-node4']);
    for (const n of nodes) {
      expect(n).toMatchObject({ base: 'idle', power: 'off', busy: false, drain: false, notResponding: false, reason: '', cpus: 2, allocCpus: 0, memoryMb: 1000 });
      expect(toNodeView(n)).toMatchObject({ usable: true, down: false });
    }
  });

  it('02: f1-node1 is powering up and already allocated, the others are off', () => {
    const nodes = byName(sinfo('02-job-configuring-node-powering-up'));
    expect(nodes.get('f1-node1')).toMatchObject({ state: 'alloc#', base: 'alloc', power: 'powering_up', busy: true, allocCpus: 2, notResponding: false });
    expect(toNodeView(nodes.get('f1-node1')!)).toMatchObject({ usable: true, busy: true, power: 'powering_up' });
    expect(['f1-node2', 'f1-node3', 'f1-node4'].map((n) => nodes.get(n)!.power)).toEqual(['off', 'off', 'off']);
  });

  it('03: alloc and mix nodes are busy, the idle node is on and free, node4 is off', () => {
    const nodes = byName(sinfo('03-mixed-idle-alloc-pending-reasons'));
    expect(nodes.get('f1-node1')).toMatchObject({ base: 'alloc', power: 'on', busy: true, allocCpus: 2 });
    expect(nodes.get('f1-node2')).toMatchObject({ base: 'idle', power: 'on', busy: false });
    expect(nodes.get('f1-node3')).toMatchObject({ base: 'mix', power: 'on', busy: true, allocCpus: 1 });
    expect(nodes.get('f1-node4')).toMatchObject({ base: 'idle', power: 'off', busy: false });
  });

  it('04: the drained idle node and the draining busy node keep their reasons and are not usable', () => {
    const nodes = byName(sinfo('04-draining-drained'));
    expect(nodes.get('f1-node2')).toMatchObject({ base: 'drained', drain: true, busy: false, power: 'on', reason: 'disk check' });
    expect(nodes.get('f1-node3')).toMatchObject({ base: 'draining', drain: true, busy: true, power: 'on', reason: 'maintenance test' });
    expect(toNodeView(nodes.get('f1-node2')!)).toMatchObject({ usable: false, drain: true, down: false });
    expect(toNodeView(nodes.get('f1-node3')!)).toMatchObject({ usable: false, drain: true, busy: true });
  });

  it('05: idle% is powering down', () => {
    const nodes = byName(sinfo('05-powering-down'));
    expect(nodes.get('f1-node2')).toMatchObject({ state: 'idle%', base: 'idle', power: 'powering_down', busy: false });
    expect(nodes.get('f1-node3')!.base).toBe('draining');
  });

  it('06: the killed node is down*, not responding, on, and needs recovery', () => {
    const nodes = byName(sinfo('06-node-down-job-requeued'));
    expect(nodes.get('f1-node1')).toMatchObject({ base: 'down', power: 'on', notResponding: true, busy: false, reason: 'Not responding' });
    expect(toNodeView(nodes.get('f1-node1')!)).toMatchObject({ usable: false, down: true, drain: false });
  });

  it('07: idle~ with the stale reason Not responding is off and usable', () => {
    const node1 = byName(sinfo('07-down-node-auto-powered-down')).get('f1-node1')!;
    expect(node1).toMatchObject({ base: 'idle', power: 'off', notResponding: false, reason: 'Not responding' });
    expect(toNodeView(node1)).toMatchObject({ usable: true, down: false, power: 'off' });
  });

  it('10: only f1-node1 is on, allocated', () => {
    const nodes = sinfo('10-json');
    expect(nodes.map((n) => `${n.name}:${n.base}:${n.power}`)).toEqual([
      'f1-node1:alloc:on', 'f1-node2:idle:off', 'f1-node3:idle:off', 'f1-node4:idle:off',
    ]);
  });

  it('11: without PrivateData=cloud only the allocated node is listed', () => {
    const nodes = sinfo('11-without-PrivateData-cloud');
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ name: 'f1-node1', base: 'alloc', power: 'on', busy: true });
  });

  it('rejects a line with too few fields', () => {
    expect(() => parseSinfoText('f1-node1|idle\n')).toThrow(/sinfo line 1/);
  });

  it('keeps a reason that contains the separator', () => {
    const [n] = parseSinfoText('n1|drain|drained|a|b|2026-01-01T00:00:00|0/0/2/2|1000');
    expect(n).toMatchObject({ reason: 'a|b', base: 'drained', cpus: 2, memoryMb: 1000 });
  });
});

describe('squeue text', () => {
  it('01 and 07 pending: an empty output is no jobs', () => {
    expect(squeue('01-all-powered-down')).toEqual([]);
    expect(pending('07-down-node-auto-powered-down')).toEqual([]);
  });

  it('02: job 4 is configuring on f1-node1 and does not wait for nodes', () => {
    expect(squeue('02-job-configuring-node-powering-up')).toEqual([expect.objectContaining({
      id: '4', state: 'CONFIGURING', reason: 'None', nodes: ['f1-node1'], nodeCount: 1, cpus: 2, user: 'ubuntu', waitsForNodes: false,
    })]);
  });

  it('03: Resources and Priority jobs wait for nodes; held, begin-time and dependent jobs do not', () => {
    const jobs = squeue('03-mixed-idle-alloc-pending-reasons');
    expect(jobs).toHaveLength(7);
    expect(waitingIds(jobs)).toEqual(['6', '7']);
    const j = byId(jobs);
    expect(j.get('6')).toMatchObject({ state: 'PENDING', reason: 'Resources', nodeCount: 4, cpus: 8, nodes: [] });
    expect(['8', '9', '10'].map((id) => j.get(id)!.reason)).toEqual(['JobHeldUser', 'BeginTime', 'Dependency']);
    expect(j.get('5')).toMatchObject({ state: 'RUNNING', nodes: ['f1-node3'], waitsForNodes: false });
  });

  it('03 pending format: partition, name and counts are read from the 10-field lines', () => {
    const jobs = byId(pending('03-mixed-idle-alloc-pending-reasons'));
    expect(jobs.get('6')).toMatchObject({ reason: 'Resources', nodeCount: 4, cpus: 8, partition: 'main', user: 'ubuntu', name: 'wrap' });
    expect(waitingIds([...jobs.values()])).toEqual(['6', '7']);
  });

  it('04: job 11 waits for the drained f1-node2, which power cannot fix', () => {
    const nodes = sinfo('04-draining-drained');
    const jobs = byId(squeue('04-draining-drained'));
    expect(jobs.get('11')).toMatchObject({ reason: 'ReqNodeNotAvail, UnavailableNodes:f1-node2', waitsForNodes: true });
    expect(toJobView(jobs.get('11')!, nodes).waitsForNodes).toBe(false);
    expect(jobs.get('6')!.reason).toMatch(/^Nodes required for job are DOWN, DRAINED/);
    expect(waitingIds([...jobs.values()], nodes)).toEqual(['6', '7']);
  });

  it('04: job 11 would wait for power if f1-node2 were merely powered off', () => {
    const nodes = sinfo('01-all-powered-down');
    const job11 = byId(squeue('04-draining-drained')).get('11')!;
    expect(toJobView(job11, nodes).waitsForNodes).toBe(true);
  });

  it('05: job 11 now waits for power, because f1-node2 is no longer drained but powering down', () => {
    const nodes = sinfo('05-powering-down');
    const job11 = byId(pending('05-powering-down')).get('11')!;
    expect(job11.reason).toBe('ReqNodeNotAvail, UnavailableNodes:f1-node2');
    expect(waitingIds(pending('05-powering-down'), nodes)).toEqual(['11', '6', '7']);
  });

  it('06: the requeued job 4 pends for BeginTime and does not wait for nodes yet', () => {
    const jobs = byId(squeue('06-node-down-job-requeued'));
    expect(jobs.get('4')).toMatchObject({ state: 'PENDING', reason: 'BeginTime', nodes: [], cpus: 2, waitsForNodes: false });
    expect(jobs.get('5')).toMatchObject({ state: 'RUNNING', nodes: ['f1-node3'] });
    expect(pending('06-node-down-job-requeued')[0]).toMatchObject({ id: '4', reason: 'BeginTime' });
  });

  it('07: job 4 runs on f1-node2', () => {
    expect(squeue('07-down-node-auto-powered-down')).toEqual([expect.objectContaining({ id: '4', state: 'RUNNING', nodes: ['f1-node2'] })]);
  });

  it('10 and 11: no job waits for nodes; job 2 runs on f1-node1', () => {
    for (const scenario of ['10-json', '11-without-PrivateData-cloud']) {
      const jobs = squeue(scenario);
      expect(waitingIds(jobs)).toEqual([]);
      expect(byId(jobs).get('2')).toMatchObject({ state: 'RUNNING', nodes: ['f1-node1'] });
      expect(byId(jobs).get('3')!.reason).toBe('JobHeldUser');
    }
  });

  it('rejects a line with an unexpected number of fields', () => {
    expect(() => parseSqueueText('1|PENDING|None\n')).toThrow(/squeue line 1/);
  });
});

describe('JSON', () => {
  const jsonNodes = parseNodesJson(fixture('10-json.sinfo.json'));
  const jsonJobs = parseSqueueJson(fixture('10-json.squeue.json'));

  it('sinfo --json gives the same nodes as sinfo text for scenario 10', () => {
    const fields = (n: SlurmNode) => ({ ...n, state: undefined, lastBusy: undefined, reasonSince: undefined, bootTime: undefined }); // times: JSON only
    expect(jsonNodes.map(fields)).toEqual(sinfo('10-json').map(fields));
  });

  it('sinfo --json keeps the flags in the state text', () => {
    expect(jsonNodes.map((n) => n.state)).toEqual(['ALLOCATED+CLOUD', 'IDLE+CLOUD+POWERED_DOWN', 'IDLE+CLOUD+POWERED_DOWN', 'IDLE+CLOUD+POWERED_DOWN']);
  });

  it('squeue --json reads ids, states, reasons, nodes and times', () => {
    const jobs = byId(jsonJobs);
    expect(jobs.get('1')).toMatchObject({ state: 'PENDING', reason: 'BeginTime', nodes: [], nodeCount: 1, cpus: 1, partition: 'main', user: 'ubuntu', name: 'wrap', submitTime: 1795599139, eligibleTime: 1795599260, waitsForNodes: false });
    expect(jobs.get('2')).toMatchObject({ state: 'RUNNING', reason: 'None', nodes: ['f1-node1'], cpus: 2, requiredNodes: [] });
    expect(jobs.get('3')).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser', waitsForNodes: false, eligibleTime: undefined });
  });

  it('squeue --json agrees with squeue text on everything both carry', () => {
    const pick = (j: SlurmJob) => [j.id, j.state, j.reason, j.nodes.join(','), j.nodeCount, j.cpus, j.user, j.waitsForNodes];
    expect(jsonJobs.map(pick).sort()).toEqual(squeue('10-json').map(pick).sort());
  });

  it('reads the JSON flags of drained, booting and not-responding nodes like their sinfo words', () => {
    const doc = (state: string, flags: string[], alloc = 0) =>
      JSON.stringify({ errors: [], nodes: [{ name: 'n1', state, state_flags: flags, reason: '', cpus: 2, alloc_cpus: alloc, real_memory: 1000 }] });
    expect(parseNodesJson(doc('allocated', ['CLOUD', 'NOT_RESPONDING', 'POWERING_UP'], 2))[0]).toMatchObject({ base: 'alloc', power: 'powering_up', notResponding: false, busy: true });
    expect(parseNodesJson(doc('mixed', ['CLOUD', 'DRAIN'], 1))[0]).toMatchObject({ base: 'draining', drain: true, busy: true });
    expect(parseNodesJson(doc('idle', ['CLOUD', 'DRAIN']))[0]).toMatchObject({ base: 'drained', drain: true, busy: false });
    expect(parseNodesJson(doc('down', ['CLOUD', 'NOT_RESPONDING']))[0]).toMatchObject({ base: 'down', power: 'on', notResponding: true });
    expect(parseNodesJson(doc('idle', ['CLOUD', 'POWERING_DOWN']))[0]).toMatchObject({ power: 'powering_down' });
  });

  it('takes the required nodes of a -w job from squeue --json', () => {
    const doc = JSON.stringify({ errors: [], jobs: [{ job_id: 7, job_state: 'PENDING', state_reason: 'Priority', nodes: '', node_count: 1, cpus: 2, required_nodes: 'f1-node1' }] });
    const [job] = parseSqueueJson(doc);
    expect(job.requiredNodes).toEqual(['f1-node1']);
    // 03: f1-node1 is on and allocated, so powering nodes on cannot help job 7.
    expect(toJobView(job, sinfo('03-mixed-idle-alloc-pending-reasons')).waitsForNodes).toBe(false);
    expect(toJobView(job, sinfo('01-all-powered-down')).waitsForNodes).toBe(true);
  });

  it('reports the errors Slurm puts in the JSON and rejects text that is not JSON', () => {
    expect(() => parseSqueueJson('{"errors":[{"error":"boom"}],"jobs":[]}')).toThrow(/boom/);
    expect(() => parseNodesJson('sinfo: error')).toThrow(/not JSON/);
    expect(() => parseNodesJson('{"errors":[]}')).toThrow(/no 'nodes' array/);
  });
});

describe('pending reasons', () => {
  it.each(['Resources', 'Priority', 'ReqNodeNotAvail, UnavailableNodes:f1-node[2-3]', 'Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved', 'NodeDown'])(
    '%s waits for nodes', (reason) => expect(jobWaitsForNodes('PENDING', reason)).toBe(true),
  );

  it.each(['JobHeldUser', 'JobHeldAdmin', 'BeginTime', 'Dependency', 'DependencyNeverSatisfied', 'PartitionDown', 'PartitionNodeLimit', 'QOSMaxNodePerUserLimit', 'AssocGrpNodeLimit', 'Reservation', 'None', 'SomethingNew'])(
    '%s does not wait for nodes', (reason) => expect(jobWaitsForNodes('PENDING', reason)).toBe(false),
  );

  it('a job that is not pending never waits for nodes', () => {
    expect(jobWaitsForNodes('RUNNING', 'Resources')).toBe(false);
  });

  it('reads the unavailable nodes of ReqNodeNotAvail as a hostlist', () => {
    expect(unavailableNodes('ReqNodeNotAvail, UnavailableNodes:f1-node[2-3]')).toEqual(['f1-node2', 'f1-node3']);
    expect(unavailableNodes('Resources')).toEqual([]);
  });
});

describe('just-submitted jobs while nodes are held off (fixture 21, captured in an ec4docker frontend)', () => {
  const early = parseSqueueJson(fixture('21-ec4docker-just-submitted.squeue.json'));
  const later = parseSqueueJson(fixture('21-ec4docker-three-seconds-later.squeue.json'));
  // The capture's clock: every job was submitted at this second.
  const now = early[0].submitTime!;

  it('shows ReqNodeNotAvail for every job not held, whatever keeps it from starting', () => {
    expect(early.map((j) => [j.id, j.reason])).toEqual([['1', 'JobHeldUser'], ['2', 'ReqNodeNotAvail'], ['3', 'ReqNodeNotAvail'], ['4', 'ReqNodeNotAvail']]);
  });

  it('only the plain job waits for nodes: not the held, the --begin or the dependent one', () => {
    expect(early.map((j) => toJobView(j, [], now)).filter((v) => v.waitsForNodes).map((v) => v.id)).toEqual(['4']);
    expect(early.find((j) => j.id === '3')?.dependency).toBe('afterok:1(unfulfilled)');
  });

  it('a --begin job waits for nodes once its time has come', () => {
    const begin = early.find((j) => j.id === '2')!;
    expect(toJobView(begin, [], begin.eligibleTime! + 1).waitsForNodes).toBe(true);
  });

  it('three seconds later Slurm names the real reasons, and the plain job has its node', () => {
    expect(later.map((j) => [j.id, j.state, j.reason])).toEqual([
      ['1', 'PENDING', 'JobHeldUser'], ['2', 'PENDING', 'BeginTime'], ['3', 'PENDING', 'Dependency'], ['4', 'CONFIGURING', 'None'],
    ]);
    expect(later.map((j) => toJobView(j, [], now + 3)).some((v) => v.waitsForNodes)).toBe(false);
  });
});

describe('a job Slurm requeued at ResumeTimeout (fixture 22, captured in an ec4docker frontend)', () => {
  const jobs = parseSqueueJson(fixture('22-ec4docker-requeued-after-resume-timeout.squeue.json'));
  const captured = 1795997692; // the capture's clock (README)

  it('is held back: BeginTime, restarted once, eligible only later', () => {
    expect(jobs.map((j) => [j.id, j.state, j.reason, j.restarts])).toEqual([['1', 'PENDING', 'BeginTime', 1]]);
    expect(jobs[0].eligibleTime! - captured).toBeGreaterThan(30);
    expect(toJobView(jobs[0], [], captured).waitsForNodes).toBe(false);
  });

  it('is released once its node is recovered, and only until its eligible time comes anyway', () => {
    expect(requeuedAndHeld(jobs, captured)).toEqual(['1']);
    expect(requeuedAndHeld(jobs, jobs[0].eligibleTime!)).toEqual([]);
  });

  it('a --begin or a dependent job that never ran is not released (fixture 21)', () => {
    const later = parseSqueueJson(fixture('21-ec4docker-three-seconds-later.squeue.json'));
    expect(later.find((j) => j.id === '2')?.reason).toBe('BeginTime');
    expect(requeuedAndHeld(later, later[0].submitTime!)).toEqual([]);
  });
});

describe('a job requeued when its node vanished, before Slurm\'s next pass (fixture 23)', () => {
  const jobs = parseSqueueJson(fixture('23-ec4docker-requeued-after-vanished.squeue.json'));
  const captured = 1796017200; // the capture's clock (README)
  const job5 = jobs.find((j) => j.id === '5')!;

  it('shows reason None, restarted once, eligible now (clues-monitor made it so)', () => {
    expect([job5.state, job5.reason, job5.restarts, job5.eligibleTime]).toEqual(['PENDING', 'None', 1, captured]);
  });

  it('waits for a node at once: it ran already, so None cannot mean "not looked at yet"', () => {
    expect(toJobView(job5, [], captured + 0.5).waitsForNodes).toBe(true);
    expect(requeuedAndHeld(jobs, captured + 0.5)).toEqual([]);
  });

  it('not before it is eligible: a requeued job Slurm still holds back waits for its release', () => {
    expect(toJobView(job5, [], captured - 60).waitsForNodes).toBe(false);
  });

  it('the same job, had it never run, would not wait: reason None is "not looked at yet"', () => {
    const raw = JSON.parse(fixture('23-ec4docker-requeued-after-vanished.squeue.json')) as { jobs: Array<Record<string, unknown>> };
    const neverRan = raw.jobs.filter((j) => j.job_id === 5).map((j) => ({ ...j, restart_cnt: 0 }));
    expect(parseSqueueJson(JSON.stringify({ ...raw, jobs: neverRan }))[0].waitsForNodes).toBe(false);
  });
});

describe('a requeued job whose failed run is still being cleaned up (fixture 24)', () => {
  const jobs = parseSqueueJson(fixture('24-ec4docker-requeued-cleaning.squeue.json'));
  const captured = 1796283875; // the capture's clock (README)

  it('shows reason Cleaning, restarted once, eligible already', () => {
    expect(jobs.map((j) => [j.id, j.state, j.reason, j.restarts, j.eligibleTime])).toEqual([['1', 'PENDING', 'Cleaning', 1, captured - 1]]);
  });

  it('is to be nudged into a scheduling pass, and is not taken for one held back', () => {
    expect(requeuedCleaning(jobs, captured)).toEqual(['1']);
    expect(requeuedAndHeld(jobs, captured)).toEqual([]);
  });

  it('not while Slurm still holds it back, nor a job that never ran', () => {
    expect(requeuedCleaning(jobs, captured - 2)).toEqual([]);
    expect(requeuedCleaning(jobs.map((j) => ({ ...j, restarts: 0 })), captured)).toEqual([]);
  });
});

describe('Slurm 24.11 JSON (data_parser v0.0.42, test/fixtures/slurm-24.11)', () => {
  const doc = (name: string) => readFileSync(new URL(`../fixtures/slurm-24.11/${name}`, import.meta.url), 'utf8');

  it('reads nodes whose state is a list, base first (slurmrestd /nodes, as scontrol show nodes --json)', () => {
    const nodes = parseNodesJson(doc('rest-v0.0.42-nodes.json'));
    expect(nodes.map((n) => [n.name, n.base, n.power, n.busy, n.cpus])).toEqual([['s24-n1', 'idle', 'on', false, 8], ['s24-n2', 'idle', 'on', false, 8]]);
    expect(nodes[0].state).toBe('IDLE+CLOUD');
  });

  it('reads a job configuring on a node that powers up as CONFIGURING, as squeue %T says', () => {
    const [job] = parseSqueueJson(doc('squeue-configuring.json'));
    expect(job).toMatchObject({ id: '15', state: 'CONFIGURING', nodes: ['s24-n2'], nodeCount: 1, cpus: 1, user: 'ubuntu', requiredNodes: ['s24-n2'], restarts: 0 });
    expect(job.submitTime).toBe(1796032369);
  });

  it('reads a running job on a hostlist of two nodes, and no job', () => {
    const [job] = parseSqueueJson(doc('squeue-running.json'));
    expect(job).toMatchObject({ id: '13', state: 'RUNNING', nodes: ['s24-n1', 's24-n2'] });
    expect(parseSqueueJson(doc('squeue-empty.json'))).toEqual([]);
  });
});

describe('Slurm 24.11 as an ec4docker cluster prints it (test/fixtures/slurm-24.11/ec4d-*)', () => {
  const doc = (name: string) => readFileSync(new URL(`../fixtures/slurm-24.11/ec4d-${name}.json`, import.meta.url), 'utf8');
  const node = (name: string) => parseNodesJson(doc(`${name}.scontrol-nodes`))[0];

  it('a node held off is drained and powered down, with the ec4docker reason', () => {
    expect(node('held-off')).toMatchObject({ base: 'drained', power: 'off', drain: true, busy: false, reason: 'ec4docker: powered off' });
  });

  it('a node powering up for a job: not responding is not held against it, and the job waits for resources', () => {
    expect(node('powering-up')).toMatchObject({ base: 'idle', power: 'powering_up', notResponding: false, busy: false });
    const [job] = parseSqueueJson(doc('powering-up.squeue'));
    expect(job).toMatchObject({ state: 'PENDING', reason: 'Resources', waitsForNodes: true });
  });

  it('a node running a job is busy; the job names it', () => {
    expect(node('running')).toMatchObject({ base: 'mix', power: 'on', busy: true, allocCpus: 1 });
    expect(parseSqueueJson(doc('running.squeue'))[0]).toMatchObject({ state: 'RUNNING', nodes: ['t25n1'] });
  });

  it('each node\'s short state is what sinfo printed for it (the README\'s states)', () => {
    const shorts = ['held-off', 'powering-up', 'running', 'vanished-down'].map((name) => shortStateOf(node(name)));
    expect(shorts).toEqual(['drain~', 'idle#', 'mix', 'down%']);
  });

  it('a node whose container vanished is down and going off; its job, requeued with reason None, waits for a node', () => {
    expect(toNodeView(node('vanished-down'))).toMatchObject({ down: true, power: 'powering_down', usable: false, reason: 'ec4docker: container vanished' });
    const [job] = parseSqueueJson(doc('vanished-requeued.squeue'));
    expect(job).toMatchObject({ state: 'PENDING', reason: 'None', restarts: 1, waitsForNodes: true });
  });
});

describe('a drain and a look in one scontrol session (test/fixtures/slurm-24.11/ec4d-drain-session-*)', () => {
  const session = (name: string) => parseSessionNodes(readFileSync(new URL(`../fixtures/slurm-24.11/ec4d-drain-session-${name}.scontrol.txt`, import.meta.url), 'utf8'));

  it('an idle node just drained holds no job: no squeue needed', () => {
    const [node] = session('idle');
    expect(node).toMatchObject({ name: 'dev1n1', base: 'drained', busy: false, reason: 'ec4docker: powered off' });
    expect(emptyOnceDrained(node)).toBe(true);
  });

  it('a node running a job is draining, not empty', () => {
    const [node] = session('busy');
    expect(node).toMatchObject({ name: 'dev1n1', base: 'draining', busy: true, allocCpus: 1 });
    expect(emptyOnceDrained(node)).toBe(false);
  });

  it('short states as sinfo prints them: drain, drng', () => {
    expect([shortStateOf(session('idle')[0]), shortStateOf(session('busy')[0])]).toEqual(['drain', 'drng']);
  });

  it('the echoed commands before the JSON are skipped; no JSON at all is one clear error', () => {
    expect(() => parseSessionNodes('scontrol: update NodeName=n1 State=DRAIN\n')).toThrow(/scontrol showed no node: scontrol: update NodeName=n1 State=DRAIN/);
  });

  it('a state it does not know as empty goes to squeue', () => {
    const [node] = session('busy');
    expect(emptyOnceDrained({ ...node, base: 'completing', busy: false })).toBe(false);
    expect(emptyOnceDrained({ ...node, base: 'drained', busy: true })).toBe(false);
  });
});
