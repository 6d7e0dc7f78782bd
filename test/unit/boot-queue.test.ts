import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootingNodes } from '../../lib/slurm/boot-queue.ts';

// name -> %t (the second field) of a recorded `sinfo -h -N -o '%N|%t|...'`
const shortStates = (name: string) => new Map(readFileSync(`test/fixtures/slurm/${name}`, 'utf8').split('\n').filter(Boolean)
  .map((line) => line.split('|').slice(0, 2) as [string, string]));

describe('boot slots (EC4DOCK_MAX_BOOTING_NODES in slurm mode)', () => {
  it('counts a node powering up (alloc#) whose container has started', () => {
    const states = shortStates('02-job-configuring-node-powering-up.sinfo-nodes.txt');
    expect(bootingNodes(states, new Map([['f1-node1', 'running']]))).toEqual(['f1-node1']);
    expect(bootingNodes(states, new Map([['f1-node1', 'created']]))).toEqual(['f1-node1']);
  });

  it('does not count a node Slurm powers up whose container is not started yet (it waits in the queue)', () => {
    const states = shortStates('02-job-configuring-node-powering-up.sinfo-nodes.txt');
    expect(bootingNodes(states, new Map())).toEqual([]);
    // nor one whose container stopped: it will never register, and the monitor fails it
    expect(bootingNodes(states, new Map([['f1-node1', 'exited']]))).toEqual([]);
  });

  it('does not count nodes that are up, off or powering down, container or not', () => {
    for (const fixture of ['03-mixed-idle-alloc-pending-reasons.sinfo-nodes.txt', '05-powering-down.sinfo-nodes.txt', '01-all-powered-down.sinfo-nodes.txt']) {
      const states = shortStates(fixture);
      expect(bootingNodes(states, new Map([...states.keys()].map((node) => [node, 'running'])))).toEqual([]);
    }
  });
});
