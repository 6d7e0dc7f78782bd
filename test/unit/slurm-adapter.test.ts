import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { releaseOffHold } from '../../lib/slurm/adapter.ts';
import { OFF_REASON } from '../../lib/slurm/power.ts';
import { parseNodesJson, toNodeView } from '../../lib/slurm/state.ts';

const fixture = (name: string) => readFileSync(`test/fixtures/slurm/${name}`, 'utf8');

describe('slurm adapter', () => {
  it('counts nodes that ec4docker holds off (drain~, its own reason) as powered-off usable nodes', () => {
    const nodes = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    expect(nodes).toHaveLength(4);
    for (const node of nodes) {
      expect(node.reason).toBe(OFF_REASON);
      expect(toNodeView(node).usable).toBe(false); // as Slurm says: drained
      expect(toNodeView(releaseOffHold(node))).toMatchObject({ power: 'off', usable: true, drain: false, down: false });
    }
  });

  it('reads a node held off by Slurm 24.11 the same way', () => {
    const [node] = parseNodesJson(readFileSync('test/fixtures/slurm-24.11/ec4d-held-off.scontrol-nodes.json', 'utf8'));
    expect(toNodeView(node).usable).toBe(false);
    expect(toNodeView(releaseOffHold(node))).toMatchObject({ power: 'off', usable: true, drain: false, down: false });
  });

  it('counts a powered-off node ec4docker keeps down with its reason as usable too', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const down = { ...node, drain: false, base: 'down' as const };
    expect(toNodeView(down)).toMatchObject({ down: true, usable: false });
    expect(toNodeView(releaseOffHold(down))).toMatchObject({ power: 'off', usable: true, down: false });
    expect(toNodeView(releaseOffHold({ ...down, reason: 'ResumeTimeout reached' }))).toMatchObject({ down: true });
  });

  it('leaves a node drained by a person drained', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const byPerson = { ...node, reason: 'disk check' };
    expect(toNodeView(releaseOffHold(byPerson))).toMatchObject({ usable: false, drain: true });
  });

  it('counts a powered-on idle node drained with the ec4docker reason (a power-off cut short) as idle, so it goes off after the idle time', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const on = { ...node, power: 'on' as const };
    expect(toNodeView(on)).toMatchObject({ usable: false, drain: true });
    expect(toNodeView(releaseOffHold(on))).toMatchObject({ power: 'on', usable: true, drain: false, busy: false });
  });

  it('leaves such a node alone while a job is on it, or when it is down rather than drained', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const withJob = { ...node, power: 'on' as const, busy: true, base: 'mix' as const };
    expect(releaseOffHold(withJob)).toBe(withJob);
    const downOn = { ...node, power: 'on' as const, drain: false, base: 'down' as const };
    expect(releaseOffHold(downOn)).toBe(downOn);
  });
});
