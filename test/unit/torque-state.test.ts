import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planPower, type PolicyConfig } from '../../lib/monitor/policy.ts';
import {
  arrayTaskCount, execHostNames, parseNodeStatus, parsePbsnodesXml, parseQstatXml, toJobView, toNodeView,
} from '../../lib/torque/state.ts';
import { parsePbsnodesText, parseQstatFullText, parseQstatQueuesText } from '../support/torque-formats.ts';

// Torque: recorded outputs of Torque 4.x / 6.1.3 elsewhere, and of the Torque built here (ec4d-*),
// test/fixtures/torque/SOURCES.md.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/torque/${name}`, import.meta.url), 'utf8');
const config: PolicyConfig = { maxNodes: 10, idleSeconds: 120, maxBootingNodes: 10, extraNodesFree: 0, retriesPowerOn: 2, maxWaitPowerOnSeconds: 300 };
const brief = (v: ReturnType<typeof toNodeView>) =>
  `${v.name}:${v.power}${v.busy ? ':busy' : ''}${v.usable ? '' : ':unusable'}${v.drain ? ':drain' : ''}${v.down ? ':down' : ''}`;

describe('pbsnodes', () => {
  it.each([
    ['torque6_pbsnodes-a_down__trex.txt', ['ubuntu down 0'], ['ubuntu:off']],
    ['torque6_pbsnodes-a__vsc_pbsnodes_down.txt', ['r22g41 down,offline 0', 'r24g35 down 0'], ['r22g41:off:unusable:drain', 'r24g35:off']],
    ['torque6_pbsnodes-a__vsc_pbsnodes_gpu.txt', ['r22g35 free 27'], ['r22g35:on:busy']],
    ['torque6_pbsnodes-a__vsc_pbsnodes_message.txt', ['r5i0n6 free 0'], ['r5i0n6:on']],
    ['torque6_pbsnodes-a_mixed_states__vsc_genius_thinking.txt', [
      'r22g35 job-exclusive 36', 'r22g41 down,offline 0', 'r22i13n05 free 26', 'r23i13n13 offline,job-exclusive 36', 'r24g35 down 0',
      'r24g09 offline 9', 'r25i27n06 offline,job-exclusive,busy 36', 'r26i27n24 job-exclusive,busy 36', 'r27i27n04 busy 35',
    ], [
      'r22g35:on:busy', 'r22g41:off:unusable:drain', 'r22i13n05:on:busy', 'r23i13n13:on:busy:unusable:drain', 'r24g35:off',
      'r24g09:on:busy:unusable:drain', 'r25i27n06:on:busy:unusable:drain', 'r26i27n24:on:busy', 'r27i27n04:on:busy',
    ]],
    ['torque6_pbsnodes-x_down__trex.xml', ['ubuntu down 0'], ['ubuntu:off']],
    ['torque_pbsnodes-x_free_down_jobexclusive_offline__qhost_output_07.xml',
      ['node1 free 0', 'node14 down 0', 'node150 job-exclusive 12', 'node163 offline,job-exclusive 12', 'node164 job-exclusive 12'],
      ['node1:on', 'node14:off', 'node150:on:busy', 'node163:on:busy:unusable:drain', 'node164:on:busy']],
  ])('%s lists %j', (file, nodes, views) => {
    const parsed = file.endsWith('.xml') ? parsePbsnodesXml(fixture(file)) : parsePbsnodesText(fixture(file));
    expect(parsed.map((n) => `${n.name} ${n.state} ${n.usedSlots}`)).toEqual(nodes);
    expect(parsed.map((n) => brief(toNodeView(n)))).toEqual(views);
  });

  it('reads the 64 fortytwo nodes: 54 free, 7 job-exclusive, 3 offline, one note', () => {
    const nodes = parsePbsnodesXml(fixture('torque_pbsnodes-x_64nodes_free_jobexclusive_offline__qhost_initial.xml'));
    expect(nodes).toHaveLength(64);
    const count = (s: string) => nodes.filter((n) => n.state === s).length;
    expect([count('free'), count('job-exclusive'), count('offline')]).toEqual([54, 7, 3]);
    expect(nodes.filter((n) => n.state === 'offline').map((n) => n.name)).toEqual(['n001', 'n014', 'n031']);
    expect(nodes.filter((n) => n.note).map((n) => [n.name, n.note])).toEqual([[expect.any(String), 'Using for module testing']]);
    const n057 = nodes.find((n) => n.name === 'n057')!;
    expect(n057).toMatchObject({ np: 8, jobs: ['1158770.fortytwo.ibest.uidaho.edu'], usedSlots: 8 });
    expect(n057.status).toMatchObject({ nsessions: '1', loadave: '8.25', uname: 'Linux n057.fortytwo.ibest.uidaho.edu 2.6.32-279.14.1.el6.x86_64 #1 SMP Tue Nov 6 23:43:09 UTC 2012 x86_64' });
    expect(nodes[0].status.nsessions).toBe('? 0');
    // n064 is 'free' with one job on one of its 8 cores: partly used, so busy.
    expect(toNodeView(nodes.find((n) => n.name === 'n064')!)).toMatchObject({ power: 'on', busy: true, usable: true });
  });

  it('splits Torque 6 job lists whose core ranges contain commas', () => {
    const [r22g35] = parsePbsnodesText(fixture('torque6_pbsnodes-a_mixed_states__vsc_genius_thinking.txt'));
    expect(r22g35.jobs).toEqual(['50379184.tier2-p-moab-2.tier2.hpc.kuleuven.be', '50379552.tier2-p-moab-2.tier2.hpc.kuleuven.be']);
    expect(r22g35).toMatchObject({ np: 36, powerState: 'Running', usedSlots: 36 });
  });

  it('reads Torque 4 job lists and keeps every job of a shared node', () => {
    const node163 = parsePbsnodesXml(fixture('torque_pbsnodes-x_free_down_jobexclusive_offline__qhost_output_07.xml'))[3];
    expect(node163.jobs).toEqual(['5210455.mgt1.wsuhpc.edu', '5206024.mgt1.wsuhpc.edu', '5206025.mgt1.wsuhpc.edu', '5244579.mgt1.wsuhpc.edu']);
  });

  it('keeps a status message with commas whole and uses the note as the reason', () => {
    const [node] = parsePbsnodesText(fixture('torque6_pbsnodes-a__vsc_pbsnodes_message.txt'));
    expect(node.status.message).toBe('ERROR: prolog/epilog failed,file: /var/spool/torque/mom_priv/epilogue.parallel,exit: -4,prolog/epilog timeout occurred,child cleaned up');
    expect(node.status).toMatchObject({ loadave: '0.10', ncpus: '20', jobs: '' });
    expect(toNodeView(node).reason).toBe('offline because of reboot');
    expect(parseNodeStatus('a=1,b=x,y,c=')).toEqual({ a: '1', b: 'x,y', c: '' });
  });

  it('gives a node whose MOM never reported no status, and its note as the reason', () => {
    const [node] = parsePbsnodesXml(fixture('torque6_pbsnodes-x_down__trex.xml'));
    expect(node).toMatchObject({ name: 'ubuntu', np: 1, powerState: 'Running', note: 'testnote', status: {}, jobs: [] });
    expect(toNodeView(node).reason).toBe('testnote');
  });

  it('reads down as failed, not off, with downMeansOff false', () => {
    const node = parsePbsnodesText(fixture('torque6_pbsnodes-a__vsc_pbsnodes_down.txt')).find((n) => n.name === 'r24g35')!;
    expect(toNodeView(node, { downMeansOff: false })).toMatchObject({ power: 'on', down: true, usable: false });
  });

  it('reads a node just created, whose MOM never reported, as powering up with downMeansOff false', () => {
    const [node] = parsePbsnodesXml(fixture('ec4d-torque6.1.3_pbsnodes-x_created_never_reported.xml'));
    expect(node).toMatchObject({ state: 'down', status: {} });
    expect(toNodeView(node, { downMeansOff: false })).toMatchObject({ power: 'powering_up', down: false, usable: true });
    expect(toNodeView(node)).toMatchObject({ power: 'off' });
  });

  it('throws the unknown node error instead of reading it as a node', () => {
    const text = fixture('torque6_pbsnodes-x_unknown_node_error__trex.txt');
    expect(() => parsePbsnodesXml(text)).toThrow('pbsnodes: Unknown node  MSG=cannot locate specified node');
    expect(() => parsePbsnodesText(text)).toThrow(/Unknown node/);
  });
});

describe('qstat', () => {
  it.each([
    ['torque_qstat-x_R_Q_C_arrays__fyrd.xml', [
      '665199.superserver.stanford.edu R node01', '667999.superserver.stanford.edu Q waits', '673174.superserver.stanford.edu C -',
      '673175[].superserver.stanford.edu C -', '673175[19].fruster.stanford.edu C -', '673175[20].fruster.stanford.edu C -',
    ]],
    ['torque6_qstat-f-x__trex.xml', [
      '993274.v-qsvr-1.aidevcloud R s001-n021,s001-n064', '2.ubuntu Q waits', '5.ubuntu Q waits', '7.ubuntu Q waits', '8.ubuntu Q waits', '9.ubuntu Q waits',
    ]],
    ['torque6_qstat-f_Q_R_C__vsc_kuleuven.txt', [
      '50218027.tier2-p-moab-2.tier2.hpc.kuleuven.be Q waits', '50218028.tier2-p-moab-2.tier2.hpc.kuleuven.be Q waits',
      '50323483[].tier2-p-moab-2.tier2.hpc.kuleuven.be R -', '50323526[].tier2-p-moab-2.tier2.hpc.kuleuven.be R -',
      '50328934.tier2-p-moab-2.tier2.hpc.kuleuven.be C -', '50329142[].tier2-p-moab-2.tier2.hpc.kuleuven.be Q waits',
      '50329143[].tier2-p-moab-2.tier2.hpc.kuleuven.be Q waits', '50329146.tier2-p-moab-2.tier2.hpc.kuleuven.be R r22i27n09',
      '50329147.tier2-p-moab-2.tier2.hpc.kuleuven.be R r22i27n09', '50329184.tier2-p-moab-2.tier2.hpc.kuleuven.be C -',
      '50329194[].tier2-p-moab-2.tier2.hpc.kuleuven.be C -',
    ]],
  ])('%s lists %j', (file, expected) => {
    const jobs = file.endsWith('.xml') ? parseQstatXml(fixture(file)) : parseQstatFullText(fixture(file));
    expect(jobs.map((j) => {
      const v = toJobView(j);
      return `${j.id} ${j.state} ${v.waitsForNodes ? 'waits' : v.nodes.join(',') || '-'}`;
    })).toEqual(expected);
  });

  it('keeps the exec_host of a completed job but does not count its node as held', () => {
    const done = parseQstatXml(fixture('torque_qstat-x_R_Q_C_arrays__fyrd.xml'))[2];
    expect(done).toMatchObject({ state: 'C', execHosts: ['node04'] });
    expect(done.attrs.exit_status).toBe('0');
    expect(toJobView(done).nodes).toEqual([]);
  });

  it('reads nested XML resources as dotted keys, like the text format', () => {
    const [job] = parseQstatXml(fixture('torque6_qstat-f-x__trex.xml'));
    expect(job).toMatchObject({ nodeCount: 2, nodesSpec: '2:ppn=2', holdTypes: 'n', owner: 'me@login-2.aidevcloud' });
    expect(job.attrs).toMatchObject({ 'Resource_List.walltime': '06:00:00', 'resources_used.cput': '00:23:37', 'Walltime.Remaining': '21143' });
    const arrayParent = parseQstatXml(fixture('torque_qstat-x_R_Q_C_arrays__fyrd.xml'))[3];
    expect(arrayParent).toMatchObject({ id: '673175[].superserver.stanford.edu', arrayRequest: '1-20' });
  });

  it('joins wrapped values, also after a lone-TAB continuation line', () => {
    const jobs = parseQstatFullText(fixture('torque6_qstat-f_Q_R_C__vsc_kuleuven.txt'));
    expect(jobs[0].attrs.Error_Path).toBe('tier2-p-login-1.genius.hpc.kuleuven.be:/vsc-hard-mounts/leuven-user/325/vsc32595/pbs_file_28.pbs.e50218027');
    expect(jobs[0].attrs.submit_args).toBe('/scratch/leuven/325/vsc32595/Code/VSC/pbs_files/pbs_file_28.pbs');
    const last = jobs[jobs.length - 1];
    expect(last.attrs.Error_Path).toBe('tier2-p-login-1.genius.hpc.kuleuven.be:/vsc-hard-mounts/leuven-data/332/vsc33261/AB/100m-1m-100pp/short-alignment/GSS.pbs.e50329194');
    expect(last.attrs.Hold_Types).toBe('n');
    expect(jobs[7].attrs['req_information.hostlist.0']).toBe('r22i27n09:ppn=15');
  });

  it('asks one node per task of a queued array parent', () => {
    const jobs = parseQstatFullText(fixture('torque6_qstat-f_Q_R_C__vsc_kuleuven.txt'));
    const parents = jobs.filter((j) => j.state === 'Q' && j.arrayRequest);
    expect(parents.map((j) => [j.arrayRequest, toJobView(j).nodeCount])).toEqual([['2', 1], ['4-5', 2]]);
    expect([arrayTaskCount('1-20'), arrayTaskCount('1,3,5-7'), arrayTaskCount('1-10%2')]).toEqual([20, 5, 10]);
  });

  it('does not let a held job wait, and names only known nodes as required', () => {
    const [, queued] = parseQstatXml(fixture('torque_qstat-x_R_Q_C_arrays__fyrd.xml'));
    expect(toJobView({ ...queued, holdTypes: 'u' }).waitsForNodes).toBe(false);
    expect(toJobView({ ...queued, state: 'H' }).waitsForNodes).toBe(false);
    const named = { ...queued, nodesSpec: 'node1+gpu:ppn=2+2' };
    const nodes = parsePbsnodesXml(fixture('torque_pbsnodes-x_free_down_jobexclusive_offline__qhost_output_07.xml'));
    expect(toJobView(named, nodes).requiredNodes).toEqual(['node1']);
    // a cluster's node that is off (the server does not list it) is a node too
    expect(toJobView({ ...queued, nodesSpec: 'tqn2' }, nodes, ['tqn1', 'tqn2']).requiredNodes).toEqual(['tqn2']);
    expect(execHostNames('node01/0+node01/1+node02/0')).toEqual(['node01', 'node02']);
  });

  it('reads qstat -Qf and joins its space-indented wrap', () => {
    const queues = parseQstatQueuesText(fixture('torque6_qstat-Qf__trex.txt'));
    expect(Object.keys(queues)).toEqual(['batch']);
    expect(queues.batch).toMatchObject({
      queue_type: 'Execution', enabled: 'True', started: 'True', 'resources_default.nodes': '1',
      state_count: 'Transit:0 Queued:0 Held:0 Waiting:0 Running:0 Exiting:0 Complete:0',
    });
  });
});

describe('the Torque built here (live captures)', () => {
  it('reads a job-exclusive node, and a free one with a job in one of its slots as busy but usable', () => {
    const nodes = parsePbsnodesXml(fixture('ec4d-torque6.1.3_pbsnodes-x_jobexclusive_free.xml'));
    expect(nodes.map((n) => [n.name, n.state])).toEqual([['tq1169n1', 'job-exclusive'], ['tq1169n2', 'free']]);
    expect(nodes.map((v) => brief(toNodeView(v, { downMeansOff: false })))).toEqual(['tq1169n1:on:busy', 'tq1169n2:on:busy']);
  });

  it('reads the jobs: running on their node, held not waiting, completed holding nothing', () => {
    const jobs = parseQstatXml(fixture('ec4d-torque6.1.3_qstat-f-x_R_H_Q_C.xml'));
    expect(jobs.map((j) => [j.id, j.state])).toEqual([['0.tq1169', 'C'], ['1.tq1169', 'R'], ['2.tq1169', 'H'], ['3.tq1169', 'R']]);
    const views = jobs.map((j) => toJobView(j));
    expect(views.map((v) => v.nodes)).toEqual([[], ['tq1169n1'], [], ['tq1169n2']]);
    expect(views.some((v) => v.waitsForNodes)).toBe(false);
  });

  it('lets a job queued with every node off wait for one', () => {
    const queued = parseQstatXml(fixture('ec4d-torque6.1.3_qstat-f-x_queued_no_node.xml')).filter((j) => j.state === 'Q');
    expect(queued.map((j) => toJobView(j, [], ['tq1169n1', 'tq1169n2']))).toMatchObject([{ waitsForNodes: true, nodeCount: 1, nodes: [] }]);
  });
});

describe('planPower on Torque views', () => {
  it('powers on the down node only when the idle free node cannot take all queued jobs', () => {
    const nodes = parsePbsnodesXml(fixture('torque_pbsnodes-x_free_down_jobexclusive_offline__qhost_output_07.xml'));
    const jobs = parseQstatXml(fixture('torque_qstat-x_R_Q_C_arrays__fyrd.xml'));
    // node1 is free and idle: it covers the one queued job. A second queued job starts node14 (down = off);
    // the job-exclusive and offline nodes get no action.
    const views = nodes.map((n) => toNodeView(n));
    const one = planPower({ nodes: views, jobs: jobs.map((j) => toJobView(j, nodes)), config, now: 1000, history: {} });
    expect(one.actions).toEqual([]);
    const two = planPower({ nodes: views, jobs: [...jobs, { ...jobs[1], id: 'x' }].map((j) => toJobView(j, nodes)), config, now: 1000, history: {} });
    expect(two.actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['power_on node14']);
  });

  it('powers on the never-reported node for the five queued trex jobs', () => {
    const nodes = parsePbsnodesXml(fixture('torque6_pbsnodes-x_down__trex.xml')).map((n) => toNodeView(n));
    const jobs = parseQstatXml(fixture('torque6_qstat-f-x__trex.xml')).map((j) => toJobView(j));
    expect(planPower({ nodes, jobs, config, now: 1000, history: {} }).actions)
      .toEqual([expect.objectContaining({ kind: 'power_on', node: 'ubuntu', reason: expect.stringContaining('2.ubuntu') })]);
  });

  it('recovers a down node when down means failed and it holds no job', () => {
    const nodes = parsePbsnodesText(fixture('torque6_pbsnodes-a__vsc_pbsnodes_down.txt')).map((n) => toNodeView(n, { downMeansOff: false }));
    // r22g41 is also offline (a person's drain): left alone.
    expect(planPower({ nodes, jobs: [], config, now: 1000, history: {} }).actions.map((a) => `${a.kind} ${a.node}`)).toEqual(['recover r24g35']);
  });
});
