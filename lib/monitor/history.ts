// Pure: the monitor's record of the cluster over time (nodes on, nodes busy, jobs waiting), one
// sample when the counts change and one a minute while they do not, and the timeline drawn from
// it for `clues-monitor timeline`, with the events where something went wrong marked.
import type { TimelineMark, TimelinePoint } from '../core/timeline-chart.ts';
import type { JobView, NodeView } from '../core/views.ts';

export interface Sample {
  t: number; // epoch seconds
  on: number; // node containers running
  busy: number; // nodes the scheduler gave a job
  waiting: number; // jobs given no node yet
}

/** A quiet cluster still writes a sample this often, so that its timeline reaches the present. */
export const SAMPLE_EVERY_S = 60;

/** Events drawn as marks: a node lost or failing, a step that went wrong. */
const MARKED = new Set(['vanished', 'failed', 'set_aside', 'orphan_removed', 'restarted', 'error']);

export function sampleOf(nodes: readonly NodeView[], jobs: readonly JobView[], nodeStates: ReadonlyMap<string, string>, now: number): Sample {
  return {
    t: Math.round(now * 10) / 10,
    on: [...nodeStates.values()].filter((s) => s === 'running').length,
    busy: nodes.filter((n) => n.busy).length,
    waiting: jobs.filter((j) => j.nodes.length === 0).length,
  };
}

/** Whether a sample is worth a line: the counts changed since the last one, or a minute passed. */
export function worthKeeping(last: Sample | undefined, sample: Sample): boolean {
  if (!last) return true;
  return last.on !== sample.on || last.busy !== sample.busy || last.waiting !== sample.waiting || sample.t - last.t >= SAMPLE_EVERY_S;
}

/** The samples of a history file's text; a damaged line (a crash mid-write) is skipped. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    try {
      const s = JSON.parse(line) as Partial<Sample>;
      if ([s.t, s.on, s.busy, s.waiting].every((v) => typeof v === 'number')) samples.push(s as Sample);
    } catch {
      // empty or cut line
    }
  }
  return samples;
}

export interface Timeline {
  points: TimelinePoint[]; // t in epoch milliseconds (a clock axis)
  marks: TimelineMark[];
}

/**
 * The timeline from `since` to `now` (epoch seconds): the counts as sampled (the last sample
 * before `since` gives the value at `since`; the last one holds until `now`), and a mark per
 * marked event, labelled with its action and node.
 */
export function timelineOf(samples: readonly Sample[], events: ReadonlyArray<{ time: string; action: string; node: string }>, since: number, now: number): Timeline {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const before = sorted.filter((s) => s.t < since).at(-1);
  const inside = sorted.filter((s) => s.t >= since && s.t <= now);
  const shown = [...(before ? [{ ...before, t: since }] : []), ...inside];
  const last = shown.at(-1);
  if (last && last.t < now) shown.push({ ...last, t: now });
  const points = shown.map((s) => ({ t: Math.round(s.t * 1000), on: s.on, busy: s.busy, waiting: s.waiting }));
  const marks = events
    .filter((e) => MARKED.has(e.action))
    .map((e) => ({ kind: `${e.action} ${e.node}`, t: Date.parse(e.time) }))
    .filter((m) => m.t >= since * 1000 && m.t <= now * 1000);
  return { points, marks };
}

/** A duration as people write it: 90s, 30m, 2h, 1d (a bare number is seconds); undefined if not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([smhd]?)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  return seconds > 0 ? seconds : undefined;
}
