// The monitor's history (lib/monitor/history.ts) and the log it is kept in: samples when the
// counts change or a minute passes, read back past damaged lines, drawn over a window of time.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timelineSpec } from '../../lib/core/timeline-chart.ts';
import type { JobView, NodeView } from '../../lib/core/views.ts';
import { appendKept, readKept } from '../../lib/io/events.ts';
import { vegaLiteToSvg } from '../../lib/io/svg.ts';
import { parseDuration, parseSamples, sampleOf, timelineOf, worthKeeping } from '../../lib/monitor/history.ts';

const node = (name: string, busy: boolean): NodeView => ({ name, power: 'on', busy, usable: true, drain: false, down: false, reason: '' });
const job = (id: string, nodes: string[]): JobView => ({ id, waitsForNodes: nodes.length === 0, nodeCount: 1, nodes, requiredNodes: [] });

describe('monitor history', () => {
  it('counts running containers, busy nodes and jobs given no node', () => {
    const states = new Map([['n1', 'running'], ['n2', 'running'], ['n3', 'created'], ['n4', 'exited']]);
    const sample = sampleOf([node('n1', true), node('n2', false)], [job('7', ['n1']), job('8', []), job('9', [])], states, 1_800_000_000.04);
    expect(sample).toEqual({ t: 1_800_000_000, on: 2, busy: 1, waiting: 2 });
  });

  it('keeps a sample when a count changes or a minute has passed, not otherwise', () => {
    const last = { t: 100, on: 1, busy: 1, waiting: 0 };
    expect(worthKeeping(undefined, last)).toBe(true);
    expect(worthKeeping(last, { ...last, t: 101 })).toBe(false);
    expect(worthKeeping(last, { ...last, t: 159.9 })).toBe(false);
    expect(worthKeeping(last, { ...last, t: 160 })).toBe(true);
    expect(worthKeeping(last, { ...last, t: 101, waiting: 1 })).toBe(true);
    expect(worthKeeping(last, { ...last, t: 101, on: 0 })).toBe(true);
  });

  it('reads the samples back, skipping a line cut by a crash and lines of another shape', () => {
    const text = '{"t":1,"on":0,"busy":0,"waiting":1}\n{"t":2,"on":1,"bu\n{"t":3,"on":"1","busy":0,"waiting":0}\n\n{"t":4,"on":1,"busy":1,"waiting":0}\n';
    expect(parseSamples(text).map((s) => s.t)).toEqual([1, 4]);
  });

  it('draws the window: the value at its start from the sample before, the last held to now, failures marked', () => {
    const samples = [
      { t: 1000, on: 0, busy: 0, waiting: 1 },
      { t: 1010, on: 2, busy: 2, waiting: 0 },
      { t: 1050, on: 1, busy: 1, waiting: 0 },
    ];
    const events = [
      { time: new Date(1020_000).toISOString(), action: 'vanished', node: 'n2' },
      { time: new Date(1030_000).toISOString(), action: 'power_on', node: 'n3' }, // routine: not marked
      { time: new Date(900_000).toISOString(), action: 'failed', node: 'n1' }, // before the window
    ];
    const drawn = timelineOf(samples, events, 1005, 1100);
    expect(drawn.points).toEqual([
      { t: 1005_000, on: 0, busy: 0, waiting: 1 },
      { t: 1010_000, on: 2, busy: 2, waiting: 0 },
      { t: 1050_000, on: 1, busy: 1, waiting: 0 },
      { t: 1100_000, on: 1, busy: 1, waiting: 0 },
    ]);
    expect(drawn.marks).toEqual([{ kind: 'vanished n2', t: 1020_000 }]);
    expect(timelineOf([], events, 1005, 1100)).toEqual({ points: [], marks: [{ kind: 'vanished n2', t: 1020_000 }] });
  });

  it('reads durations as people write them', () => {
    expect([parseDuration('90s'), parseDuration('30m'), parseDuration('2h'), parseDuration('1d'), parseDuration('45'), parseDuration('1.5h')])
      .toEqual([90, 1800, 7200, 86400, 45, 5400]);
    for (const bad of ['', '0', '0m', '-5m', '5x', 'h', '1h30m']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('keeps its log to a size: the older generation moved to .1, both read back in order', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'history-')), 'history.jsonl');
    writeFileSync(log, 'a'.repeat(200) + '\n');
    appendKept(log, 'b', 100);
    appendKept(log, 'c', 100);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('a'.repeat(200) + '\n');
    expect(readKept(log)).toBe(`${'a'.repeat(200)}\nb\nc\n`);
    expect(readKept(join(tmpdir(), 'no-such-history.jsonl'))).toBe('');
  });
});

describe('timeline picture', () => {
  it('renders to an SVG with its title, the three series and the marks, on a UTC clock', async () => {
    const t0 = Date.UTC(2026, 10, 30, 23, 0, 0);
    const points = [{ t: t0, on: 0, busy: 0, waiting: 1 }, { t: t0 + 60_000, on: 2, busy: 2, waiting: 0 }, { t: t0 + 120_000, on: 0, busy: 0, waiting: 0 }];
    const svg = await vegaLiteToSvg(timelineSpec(points, [{ kind: 'vanished n2', t: t0 + 90_000 }], 'cluster c1: the last 2m', 'clock'));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['cluster c1: the last 2m', 'nodes on', 'nodes busy', 'jobs waiting', 'vanished n2', '23:01:00', 'time (UTC)']) expect(svg).toContain(text);
  });
});
