// The Torque adapter against fake commands (test/fake-torque) that replay real recorded Torque
// outputs and record every call: what it reads, and the commands it gives a Torque server
// (test/bats/52-torque.bats runs them against a live one).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NodePower } from '../../lib/power/node-power.ts';

const dir = mkdtempSync(join(tmpdir(), 'torque-adapter-'));
const log = join(dir, 'calls.log');
const fixture = (name: string) => resolve('test/fixtures/torque', name);
const calls = () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
let scheduler: NodePower & { observe: NodePower['scheduler']['observe']; markDown: NodePower['scheduler']['markDown']; pendingJobs: NodePower['scheduler']['pendingJobs'] };

beforeAll(async () => {
  process.env.PATH = `${resolve('test/fake-torque')}:${process.env.PATH}`;
  process.env.FAKE_LOG = log;
  process.env.EC4D_EVENT_LOG = join(dir, 'events.jsonl');
  const { resolveClusterConfig } = await import('../../lib/middleware/registry.ts');
  const { torqueScheduler } = await import('../../lib/torque/adapter.ts');
  const { engineBackend } = await import('../../lib/backend/engine.ts');
  const { nodePower } = await import('../../lib/power/node-power.ts');
  // node1, node14, node150, node163 and node164 of the recorded pbsnodes -x are this cluster's.
  const config = resolveClusterConfig('', { EC4DOCK_SERVERNAME: 'tq', EC4DOCK_NODEBASENAME: 'node', EC4DOCK_MAXNODES: '200', EC4DOCK_MIDDLEWARE: 'torque', EC4DOCK_NODE_CPUS: '4' });
  // The adapter's scheduler commands with the engine backend, as a frontend puts them together.
  const power = nodePower(config, torqueScheduler(config), engineBackend(config));
  scheduler = { ...power, observe: power.scheduler.observe, markDown: power.scheduler.markDown, pendingJobs: power.scheduler.pendingJobs };
});

beforeEach(() => {
  writeFileSync(log, '');
  process.env.FAKE_PBSNODES = fixture('torque_pbsnodes-x_free_down_jobexclusive_offline__qhost_output_07.xml');
  process.env.FAKE_QSTAT = fixture('torque_qstat-x_R_Q_C_arrays__fyrd.xml');
  process.env.FAKE_CONTAINERS = 'node1'; // the one node with a container (its id: its name)
});

describe('Torque adapter, replayed outputs', () => {
  it('observes nodes and live jobs from pbsnodes -x and qstat -f -x', async () => {
    const view = await scheduler.observe();
    const byName = new Map(view.nodes.map((n) => [n.name, n]));
    expect([...byName.keys()].sort()).toEqual(['node1', 'node14', 'node150', 'node163', 'node164']);
    expect(byName.get('node1')).toMatchObject({ power: 'on', busy: false, usable: true, down: false });
    // Listed but down: failed (nodes are created at power-on, so an off node is not listed).
    expect(byName.get('node14')).toMatchObject({ power: 'on', down: true, usable: false });
    expect(byName.get('node150')).toMatchObject({ busy: true });
    expect(byName.get('node163')).toMatchObject({ busy: true, drain: true });
    expect(view.states.get('node163')).toBe('offline,job-exclusive');
    // Completed jobs and jobs on other clusters' hosts (node01...) are left out; queued ones wait.
    expect(view.jobs.length).toBeGreaterThan(0);
    expect(view.jobs.every((j) => j.waitsForNodes && j.nodes.length === 0)).toBe(true);
    expect(calls().sort()).toEqual(['pbsnodes -x', 'qstat -f -x']); // read together, in either order
  });

  it('lists the queued jobs for the monitor\'s quick check between passes', async () => {
    expect(await scheduler.pendingJobs!()).toEqual(['667999.superserver.stanford.edu']);
  });

  it('reads a server with no node yet, or none left, as no node', async () => {
    process.env.FAKE_PBSNODES = 'empty';
    expect((await scheduler.observe()).nodes).toEqual([]);
    process.env.FAKE_PBSNODES = 'deleted';
    expect((await scheduler.observe()).nodes).toEqual([]);
  });

  it('powers an idle node off: offline, check, delete, remove the container', async () => {
    expect(await scheduler.powerOff('node1', 'test', 'idle')).toEqual({ kind: 'off' });
    const c = calls();
    expect(c).toContain('pbsnodes -o node1');
    expect(c).toContain('qmgr -c delete node node1');
    expect(c.indexOf('pbsnodes -o node1')).toBeLessThan(c.indexOf('qmgr -c delete node node1'));
    expect(c.at(-1)).toBe('docker rm -f -v node1');
  });

  it('refuses a busy node and takes its offline mark back', async () => {
    expect(await scheduler.powerOff('node150', 'test', 'idle')).toEqual({ kind: 'busy', jobs: ['5078574.cluster.example.org'] });
    const c = calls();
    expect(c).toContain('pbsnodes -o node150');
    expect(c.at(-1)).toBe('pbsnodes -c node150');
    expect(c.some((l) => l.startsWith('qmgr') || l.startsWith('docker rm'))).toBe(false);
  });

  it("leaves a person's offline mark on a busy node", async () => {
    expect((await scheduler.powerOff('node163', 'test', 'idle')).kind).toBe('busy');
    expect(calls().filter((l) => /^pbsnodes -[oc]/.test(l))).toEqual([]);
  });

  it('counts a node the server does not list as already off', async () => {
    expect(await scheduler.powerOff('node7', 'test', 'idle')).toEqual({ kind: 'already-off', orphanRemoved: false });
    expect(calls().some((l) => l.startsWith('qmgr'))).toBe(false);
  });

  it('takes a lost node offline, requeues its jobs, and deletes it once it holds none', async () => {
    process.env.FAKE_PBSNODES_AFTER_RERUN = 'deleted';
    process.env.FAKE_QSTAT_AFTER_RERUN = 'none';
    try {
      expect(await scheduler.markDown('node150', 'container vanished')).toEqual(['5078574.cluster.example.org']);
    } finally {
      delete process.env.FAKE_PBSNODES_AFTER_RERUN;
      delete process.env.FAKE_QSTAT_AFTER_RERUN;
    }
    const c = calls();
    expect(c.indexOf('pbsnodes -o node150')).toBeGreaterThanOrEqual(0);
    expect(c.indexOf('pbsnodes -o node150')).toBeLessThan(c.indexOf('qrerun -f 5078574.cluster.example.org'));
    expect(c.at(-1)).toBe('qmgr -c delete node node150');
  });

  it('leaves a node the server does not list as it is: no job can be on it', async () => {
    expect(await scheduler.markDown('node2', 'set aside')).toEqual([]);
    expect(calls()).toEqual(['pbsnodes -x']);
  });

  it('creates a node with its slots before starting its container', async () => {
    expect(await scheduler.powerOn(['node2'], 'test', () => 'job waits')).toEqual({ already: [], starting: ['node2'] });
    const c = calls();
    const create = c.indexOf('qmgr -c create node node2 np=4');
    const run = c.findIndex((l) => l.startsWith('docker run') && l.includes('--name node2'));
    expect(create).toBeGreaterThanOrEqual(0);
    expect(run).toBeGreaterThan(create);
  });
});
