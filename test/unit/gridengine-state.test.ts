import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  jobWaitsForNodes, parseQstatFullXml, parseQstatJobText, parseQstatText, shortHostName, taskCount, toJobViews, toNodeViews,
} from '../../lib/gridengine/state.ts';
import {
  hostsToNodeViews, parseQhostText, parseQhostXml, parseQstatFullText, parseQstatXml, sameHost,
} from '../support/gridengine-formats.ts';
import { planPower, type PolicyConfig } from '../../lib/monitor/policy.ts';
import { withHiddenNodes } from '../../lib/core/views.ts';

// Grid Engine 8.1.9 outputs captured live (test/fixtures/gridengine/README.md).
const fixture = (name: string) => readFileSync(new URL(`../fixtures/gridengine/${name}`, import.meta.url), 'utf8');
const config: PolicyConfig = { maxNodes: 3, idleSeconds: 120, maxBootingNodes: 3, extraNodesFree: 0, retriesPowerOn: 2, maxWaitPowerOnSeconds: 300 };
const brief = (v: { name: string; power: string; busy: boolean; usable: boolean; drain: boolean; down: boolean }) =>
  `${v.name}:${v.power}${v.busy ? ':busy' : ''}${v.usable ? '' : ':unusable'}${v.drain ? ':drain' : ''}${v.down ? ':down' : ''}`;

describe('qhost', () => {
  it.each([
    ['qhost-xml_no_exec_hosts.xml', []],
    ['qhost_no_exec_hosts.txt', []],
    ['qhost-xml_one_host_busy.xml', ['f5-sge-exec1:on']],
    ['qhost_one_host_busy.txt', ['f5-sge-exec1:on']],
    ['qhost-j-q-xml_one_host_busy.xml', ['f5-sge-exec1:on:busy']],
    ['qhost-j-q_one_host_busy.txt', ['f5-sge-exec1:on:busy']],
    ['qhost-xml_one_busy_one_idle.xml', ['f5-sge-exec1:on', 'f5-sge-exec2:on']],
    ['qhost_one_busy_one_idle.txt', ['f5-sge-exec1:on', 'f5-sge-exec2:on']],
    ['qhost-j-q-xml_one_busy_one_idle.xml', ['f5-sge-exec1:on:busy', 'f5-sge-exec2:on']],
    ['qhost-j-q-xml_one_unreachable_one_idle.xml', ['f5-sge-exec1:on:busy:unusable:down', 'f5-sge-exec2:on']],
    ['qhost_one_unreachable_one_idle.txt', ['f5-sge-exec1:on:unusable:down', 'f5-sge-exec2:on']],
    ['qhost-F_idle_host.txt', ['f5-sge-exec2:on']],
  ])('%s leaves out the global pseudo host and gives %j', (file, expected) => {
    const hosts = file.endsWith('.xml') ? parseQhostXml(fixture(file)) : parseQhostText(fixture(file));
    expect(hostsToNodeViews(hosts).map(brief)).toEqual(expected);
  });

  it('reads host values, the queue slots and the running job of qhost -j -q -xml', () => {
    const [exec1] = parseQhostXml(fixture('qhost-j-q-xml_one_host_busy.xml'));
    expect(exec1).toMatchObject({ name: 'f5-sge-exec1', arch: 'lx-amd64', numProc: 2, loadAvg: 0.98, memTotal: '23.5G', memUsed: '1.0G' });
    expect(exec1.queues).toEqual([expect.objectContaining({ name: 'main.q@f5-sge-exec1', qtype: 'BIP', slotsUsed: 1, slotsTotal: 1, slotsReserved: 0, states: '' })]);
    expect(exec1.jobs).toEqual([expect.objectContaining({ id: '2', state: 'r', name: 'longjob', owner: 'f5user', priority: 0.5, host: 'f5-sge-exec1', peRole: 'MASTER' })]);
  });

  it('reads the same host, queue and job from the text of qhost -j -q', () => {
    const [exec1] = parseQhostText(fixture('qhost-j-q_one_host_busy.txt'));
    expect(exec1).toMatchObject({ name: 'f5-sge-exec1', arch: 'lx-amd64', numProc: 2, loadAvg: 0.98 });
    expect(exec1.queues[0]).toMatchObject({ name: 'main.q@f5-sge-exec1', slotsReserved: 0, slotsUsed: 1, slotsTotal: 1 });
    expect(exec1.jobs[0]).toMatchObject({ id: '2', state: 'r', time: '11/25/2026 08:29:23', peRole: 'MASTER', queue: 'main.q@f5-sge-exec1' });
  });

  it('shows an unreachable host with "-" load but its arch kept, and its queue state au', () => {
    const text = parseQhostText(fixture('qhost_one_unreachable_one_idle.txt'));
    expect(text[0]).toMatchObject({ name: 'f5-sge-exec1', arch: 'lx-amd64', loadAvg: undefined, memUsed: '-' });
    const [exec1] = parseQhostXml(fixture('qhost-j-q-xml_one_unreachable_one_idle.xml'));
    expect(exec1.queues[0].states).toBe('au');
    expect(hostsToNodeViews([exec1])[0].reason).toMatch(/unreachable.*\(au\)/);
  });
});

describe('qstat -f', () => {
  it.each([
    ['qstat-f-xml_pending_no_exec_hosts.xml', [], ['1:qw:']],
    ['qstat-f_pending_no_exec_hosts.txt', [], ['1:qw:']],
    ['qstat-f-xml_running_and_pending_host_busy.xml', ['f5-sge-exec1:on:busy'], ['2:r:f5-sge-exec1', '3:qw:']],
    ['qstat-f_running_and_pending_host_busy.txt', ['f5-sge-exec1:on:busy'], ['2:r:f5-sge-exec1', '3:qw:']],
    ['qstat-f-xml_one_busy_one_idle.xml', ['f5-sge-exec1:on:busy', 'f5-sge-exec2:on'], ['2:r:f5-sge-exec1']],
    ['qstat-f_one_busy_one_idle.txt', ['f5-sge-exec1:on:busy', 'f5-sge-exec2:on'], ['2:r:f5-sge-exec1']],
    ['qstat-f-xml_host_unreachable_au_with_job.xml', ['f5-sge-exec1:on:busy:unusable:down', 'f5-sge-exec2:on'], ['2:r:f5-sge-exec1']],
    ['qstat-f_host_unreachable_au_with_job.txt', ['f5-sge-exec1:on:busy:unusable:down', 'f5-sge-exec2:on'], ['2:r:f5-sge-exec1']],
    ['qstat-f-explain-a_unreachable.txt', ['f5-sge-exec1:on:busy:unusable:down', 'f5-sge-exec2:on'], ['2:r:f5-sge-exec1']],
    ['qstat-f_job_dr_on_unreachable_host.txt', ['f5-sge-exec1:powering_down:busy:unusable', 'f5-sge-exec2:on'], ['2:dr:f5-sge-exec1']],
    ['qstat-f_disabled_d_and_unreachable_au.txt', ['f5-sge-exec2:on:unusable:drain', 'f5-sge-exec3:powering_up'], ['4:qw:']],
  ])('%s gives nodes %j and jobs %j', (file, nodes, jobs) => {
    const parsed = file.includes('-xml') ? parseQstatFullXml(fixture(file)) : parseQstatFullText(fixture(file));
    expect(toNodeViews(parsed.queues).map(brief)).toEqual(nodes);
    expect(parsed.jobs.map((j) => `${j.id}:${j.state}:${j.host}`)).toEqual(jobs);
  });

  it('reads slots, load and arch of each queue instance, -NA- as unknown', () => {
    const { queues } = parseQstatFullText(fixture('qstat-f_disabled_d_and_unreachable_au.txt'));
    expect(queues[0]).toMatchObject({ name: 'main.q@f5-sge-exec2', queue: 'main.q', host: 'f5-sge-exec2', slotsUsed: 0, slotsTotal: 1, loadAvg: 1.99, arch: 'lx-amd64', states: 'd' });
    expect(queues[1]).toMatchObject({ host: 'f5-sge-exec3', loadAvg: undefined, arch: '', states: 'au' });
    const xml = parseQstatFullXml(fixture('qstat-f-xml_host_unreachable_au_with_job.xml')).queues;
    expect(xml.map((q) => [q.host, q.states, q.loadAvg, q.arch])).toEqual([['f5-sge-exec1', 'au', undefined, 'lx-amd64'], ['f5-sge-exec2', '', 1.06152, 'lx-amd64']]);
  });

  it('keeps the -explain message of the unreachable queue instance in the reason', () => {
    const { queues } = parseQstatFullText(fixture('qstat-f-explain-a_unreachable.txt'));
    expect(queues[0].messages).toEqual(['error: no value for "np_load_avg" because execd is in unknown state']);
    expect(toNodeViews(queues)[0].reason).toContain('execd is in unknown state');
  });
});

describe('qstat job lists', () => {
  it.each([
    ['qstat-xml_pending_no_exec_hosts.xml', ['1:qw:waits']],
    ['qstat_pending_no_exec_hosts.txt', ['1:qw:waits']],
    ['qstat-xml_running_and_pending.xml', ['2:r:f5-sge-exec1', '3:qw:waits']],
    ['qstat_running_and_pending.txt', ['2:r:f5-sge-exec1', '3:qw:waits']],
    ['qstat-xml_one_running.xml', ['2:r:f5-sge-exec1']],
    ['qstat-xml_job_on_unreachable_host.xml', ['2:r:f5-sge-exec1']],
    ['qstat-s-z_finished_jobs.txt', ['1:z:']],
  ])('%s gives %j', (file, expected) => {
    const jobs = file.endsWith('.xml') ? parseQstatXml(fixture(file)) : parseQstatText(fixture(file));
    const views = toJobViews(jobs);
    expect(jobs.map((j, i) => `${j.id}:${j.state}:${views[i].waitsForNodes ? 'waits' : views[i].nodes.join(',')}`)).toEqual(expected);
  });

  it('reads names, owners, slots and times of the running and the pending job', () => {
    const [running, pending] = parseQstatXml(fixture('qstat-xml_running_and_pending.xml'));
    expect(running).toMatchObject({ number: '2', tasks: '', name: 'longjob', owner: 'f5user', slots: 1, queue: 'main.q@f5-sge-exec1', time: '2026-11-25T08:29:23' });
    expect(pending).toMatchObject({ number: '3', name: 'waiter', slots: 1, queue: '', host: '', time: '2026-11-25T08:29:21' });
    const [, text] = parseQstatText(fixture('qstat_running_and_pending.txt'));
    expect(text).toMatchObject({ number: '3', name: 'waiter', owner: 'f5user', priority: 0.5, slots: 1, time: '11/25/2026 08:29:21' });
  });

  it('waits only for queued jobs that are not held, in error or being deleted', () => {
    expect(['qw', 'Rq', 'hqw', 'Eqw', 'r', 'dr', 'z', 't', 'hRwq'].filter(jobWaitsForNodes)).toEqual(['qw', 'Rq']);
  });

  it('asks ceil(slots / slotsPerNode) nodes per task and merges a job listed under several hosts', () => {
    const base = { number: '9', tasks: '', name: 'pe', owner: 'u', priority: 0.5, time: '', peRole: '' };
    expect(toJobViews([{ ...base, id: '9', state: 'qw', slots: 4, queue: '', host: '' }], { slotsPerNode: 2 })[0].nodeCount).toBe(2);
    expect(toJobViews([{ ...base, id: '9.1-10:1', tasks: '1-10:1', state: 'qw', slots: 1, queue: '', host: '' }])[0].nodeCount).toBe(10);
    const parts = ['a.example', 'b'].map((h) => ({ ...base, id: '9', state: 'r', slots: 1, queue: `main.q@${h}`, host: h }));
    expect(toJobViews(parts)).toEqual([{ id: '9', waitsForNodes: false, nodeCount: 1, nodes: ['a', 'b'], requiredNodes: [] }]);
    expect([taskCount(''), taskCount('3'), taskCount('2,4-10:2')]).toEqual([1, 1, 5]);
  });
});

describe('qstat -j', () => {
  it.each([
    ['qstat-j_pending_no_exec_hosts.txt', '1', 'STDIN', [], 1],
    ['qstat-j_pending_slots_full.txt', '3', 'waiter', [], 2],
    ['qstat-j_running.txt', '2', 'longjob', [], 2],
    ['qstat-j_job_on_unreachable_host.txt', '2', 'longjob', [], 1],
    ['qstat-j_pending_hostrequest_to_unreachable_host.txt', '4', 'restartme', ['f5-sge-exec3'], 3],
  ])('%s is job %s (%s) with required hosts %j and %i scheduling info lines', (file, number, name, hosts, infoLines) => {
    const [d] = parseQstatJobText(fixture(file));
    expect(d).toMatchObject({ number, name, owner: 'f5user', requiredHosts: hosts });
    expect(d.schedulingInfo).toHaveLength(infoLines);
  });

  it('turns a -l h= request into requiredNodes of the job view', () => {
    const details = parseQstatJobText(fixture('qstat-j_pending_hostrequest_to_unreachable_host.txt'));
    expect(details[0].schedulingInfo[1]).toBe('queue instance "main.q@f5-sge-exec2" dropped because it is disabled');
    const [job] = toJobViews(parseQstatFullText(fixture('qstat-f_disabled_d_and_unreachable_au.txt')).jobs, { details });
    expect(job).toEqual({ id: '4', waitsForNodes: true, nodeCount: 1, nodes: [], requiredNodes: ['f5-sge-exec3'] });
  });
});

describe('host names', () => {
  it('compares FQDN and short names, and keeps IP addresses whole', () => {
    expect(shortHostName('F5-SGE-EXEC1.f5-sgenet')).toBe('f5-sge-exec1');
    expect(shortHostName('172.19.0.3')).toBe('172.19.0.3');
    expect(sameHost('f5-sge-exec1.f5-sgenet', 'f5-sge-exec1')).toBe(true);
    expect(sameHost('f5-sge-exec1', 'f5-sge-exec2')).toBe(false);
  });
});

describe('planPower on Grid Engine views', () => {
  const configured = ['f5-sge-exec1', 'f5-sge-exec2', 'f5-sge-exec3'];

  it('powers on an unregistered host for the job pending with no exec host at all', () => {
    const { queues, jobs } = parseQstatFullXml(fixture('qstat-f-xml_pending_no_exec_hosts.xml'));
    const plan = planPower({ nodes: withHiddenNodes(toNodeViews(queues), configured), jobs: toJobViews(jobs), config, now: 1000, history: {} });
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'power_on', node: 'f5-sge-exec1' })]);
  });

  it('powers on one more host for the job waiting behind the full exec1', () => {
    const { queues, jobs } = parseQstatFullText(fixture('qstat-f_running_and_pending_host_busy.txt'));
    const plan = planPower({ nodes: withHiddenNodes(toNodeViews(queues), configured), jobs: toJobViews(jobs), config, now: 1000, history: {} });
    expect(plan.actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['power_on f5-sge-exec2']);
  });

  it('neither powers off nor recovers the unreachable host while its job still shows r, and recovers it once the job is gone', () => {
    const { queues, jobs } = parseQstatFullXml(fixture('qstat-f-xml_host_unreachable_au_with_job.xml'));
    const nodes = withHiddenNodes(toNodeViews(queues), configured);
    const history = { 'f5-sge-exec2': { idleSince: 0, failedPowerOns: 0 } };
    const withJob = planPower({ nodes, jobs: toJobViews(jobs), config, now: 1000, history });
    expect(withJob.actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['power_off f5-sge-exec2']);
    const cleaned = planPower({ nodes: nodes.map((n) => ({ ...n, busy: false })), jobs: [], config, now: 1000, history });
    expect(cleaned.actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['recover f5-sge-exec1', 'power_off f5-sge-exec2']);
  });

  it('lets a registered host that never reported time out like a failed power-on, and starts another for the job meanwhile', () => {
    const { queues, jobs } = parseQstatFullText(fixture('qstat-f_disabled_d_and_unreachable_au.txt'));
    const nodes = withHiddenNodes(toNodeViews(queues), configured);
    const first = planPower({ nodes, jobs: toJobViews(jobs), config, now: 1000, history: {} });
    // exec3 counts as booting for job 4, so nothing else is started yet.
    expect(first.actions).toEqual([]);
    const later = planPower({ nodes, jobs: toJobViews(jobs), config, now: 1400, history: first.history });
    expect(later.actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['power_off f5-sge-exec3', 'power_on f5-sge-exec1']);
  });
});
