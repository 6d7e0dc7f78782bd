// Pure: the Vega-Lite picture of a cluster over time: nodes on, nodes busy and jobs waiting, with
// marks where something went wrong (a replay's faults, a live cluster's failures). Rendered to
// SVG by vega (the replay command, clues-monitor timeline) and to PNG by resvg (the replay).

export interface TimelinePoint {
  t: number; // seconds since the start ('seconds' axis) or epoch milliseconds ('clock' axis)
  on: number; // nodes powered on
  busy: number; // nodes running a job
  waiting: number; // jobs submitted, not started
}

export interface TimelineMark {
  kind: string; // what happened, written beside the mark
  t: number; // on the same axis as the points
}

export function timelineSpec(points: readonly TimelinePoint[], marks: readonly TimelineMark[], title: string, axis: 'seconds' | 'clock' = 'seconds'): Record<string, unknown> {
  const series = points.flatMap((p) => [
    { t: p.t, value: p.on, series: 'nodes on' },
    { t: p.t, value: p.busy, series: 'nodes busy' },
    { t: p.t, value: p.waiting, series: 'jobs waiting' },
  ]);
  // A clock axis in UTC (the scale's), 24-hour; the day is shown when the picture spans more than one.
  const span = points.length > 1 ? points[points.length - 1].t - points[0].t : 0;
  const x = axis === 'clock'
    ? { field: 't', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: span > 86_400_000 ? '%b %d %H:%M' : '%H:%M:%S' } }
    : { field: 't', type: 'quantitative', title: 'seconds since the start' };
  const markX = axis === 'clock' ? { field: 't', type: 'temporal' } : { field: 't', type: 'quantitative' };
  const encoding = {
    x,
    y: { field: 'value', type: 'quantitative', title: 'count', axis: { tickMinStep: 1, format: 'd' } },
    color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['nodes on', 'nodes busy', 'jobs waiting'] } },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 900,
    height: 300,
    background: 'white',
    data: { values: series },
    layer: [
      // nodes on as a shaded area, the others as lines over it: when every node on is busy, both show
      {
        transform: [{ filter: "datum.series === 'nodes on'" }],
        mark: { type: 'area', interpolate: 'step-after', opacity: 0.3 },
        encoding,
      },
      {
        transform: [{ filter: "datum.series !== 'nodes on'" }],
        mark: { type: 'line', interpolate: 'step-after' },
        encoding,
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'firebrick' },
        encoding: { x: markX, tooltip: { field: 'kind' } },
      },
      {
        data: { values: marks },
        mark: { type: 'text', angle: 270, align: 'left', dx: 4, dy: -4, color: 'firebrick', fontSize: 10 },
        encoding: { x: markX, y: { value: 0 }, text: { field: 'kind' } },
      },
    ],
  };
}
