import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CUT_SHORT_SECONDS, releaseOffHold } from '../../lib/slurm/adapter.ts';
import { OFF_REASON } from '../../lib/slurm/power.ts';
import { parseNodesJson, toNodeView } from '../../lib/slurm/state.ts';

const NOW = 1795603547 + 3600;
const fixture = (name: string) => readFileSync(`test/fixtures/slurm/${name}`, 'utf8');

describe('slurm adapter', () => {
  it('counts nodes that ec4docker holds off (drain~, its own reason) as powered-off usable nodes', () => {
    const nodes = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    expect(nodes).toHaveLength(4);
    for (const node of nodes) {
      expect(node.reason).toBe(OFF_REASON);
      expect(toNodeView(node).usable).toBe(false); // as Slurm says: drained
      expect(toNodeView(releaseOffHold(node, NOW))).toMatchObject({ power: 'off', usable: true, drain: false, down: false });
    }
  });

  it('reads a node held off by Slurm 24.11 the same way', () => {
    const [node] = parseNodesJson(readFileSync('test/fixtures/slurm-24.11/ec4d-held-off.scontrol-nodes.json', 'utf8'));
    expect(toNodeView(node).usable).toBe(false);
    expect(toNodeView(releaseOffHold(node, NOW))).toMatchObject({ power: 'off', usable: true, drain: false, down: false });
  });

  it('counts a powered-off node ec4docker keeps down with its reason as usable too', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const down = { ...node, drain: false, base: 'down' as const };
    expect(toNodeView(down)).toMatchObject({ down: true, usable: false });
    expect(toNodeView(releaseOffHold(down, NOW))).toMatchObject({ power: 'off', usable: true, down: false });
    expect(toNodeView(releaseOffHold({ ...down, reason: 'ResumeTimeout reached' }, NOW))).toMatchObject({ down: true });
  });

  it('leaves a node drained by a person drained', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const byPerson = { ...node, reason: 'disk check' };
    expect(toNodeView(releaseOffHold(byPerson, NOW))).toMatchObject({ usable: false, drain: true });
  });

  it('reads when the reason was set, from 22.05 and 24.11 alike, and when the node was last busy', () => {
    expect(parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'))[0].reasonSince).toBe(1795603547);
    const [node] = parseNodesJson(readFileSync('test/fixtures/slurm-24.11/ec4d-held-off.scontrol-nodes.json', 'utf8'));
    expect(node.reasonSince).toBeGreaterThan(1.7e9);
    const [running] = parseNodesJson(readFileSync('test/fixtures/slurm-24.11/ec4d-running.scontrol-nodes.json', 'utf8'));
    expect(toNodeView(running).lastBusy).toBe(1796044964); // and when it was last busy
  });

  it('counts a powered-on idle node drained with the ec4docker reason for a while (a power-off cut short) as down, so that the monitor resumes it', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const on = { ...node, power: 'on' as const, reasonSince: NOW - CUT_SHORT_SECONDS };
    expect(toNodeView(on)).toMatchObject({ usable: false, drain: true });
    expect(toNodeView(releaseOffHold(on, NOW))).toMatchObject({ power: 'on', usable: false, drain: false, down: true, busy: false, reason: `${OFF_REASON}, but still on: a power-off cut short` });
    // Younger: a power-off may be between its drain and its POWER_DOWN; left drained, not counted.
    const young = { ...on, reasonSince: NOW - CUT_SHORT_SECONDS + 1 };
    expect(releaseOffHold(young, NOW)).toBe(young);
    expect(releaseOffHold({ ...on, reasonSince: undefined }, NOW).drain).toBe(true);
    // Drained long ago by a `poweroff --drain` whose job just ended: it powers the node off within a second.
    const jobJustEnded = { ...on, reasonSince: NOW - 3600, lastBusy: NOW - 1 };
    expect(releaseOffHold(jobJustEnded, NOW)).toBe(jobJustEnded);
    expect(toNodeView(releaseOffHold({ ...jobJustEnded, lastBusy: NOW - CUT_SHORT_SECONDS }, NOW)).down).toBe(true);
  });

  it('leaves such a node alone while a job is on it, or when it is down rather than drained', () => {
    const [node] = parseNodesJson(fixture('20-ec4docker-held-off.sinfo.json'));
    const withJob = { ...node, power: 'on' as const, busy: true, base: 'mix' as const };
    expect(releaseOffHold(withJob, NOW)).toBe(withJob);
    const downOn = { ...node, power: 'on' as const, drain: false, base: 'down' as const };
    expect(releaseOffHold(downOn, NOW)).toBe(downOn);
  });
});
