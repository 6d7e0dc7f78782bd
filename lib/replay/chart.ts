// Pure: the Vega-Lite picture of a replay: nodes on, nodes busy and jobs waiting over time, with
// the faults marked. Rendered to SVG by vega and to PNG by resvg in the replay command.
import type { TimelinePoint } from './outcome.ts';

export function timelineSpec(points: readonly TimelinePoint[], faults: ReadonlyArray<{ kind: string; t: number }>, title: string): Record<string, unknown> {
  const series = points.flatMap((p) => [
    { t: p.t, value: p.on, series: 'nodes on' },
    { t: p.t, value: p.busy, series: 'nodes busy' },
    { t: p.t, value: p.waiting, series: 'jobs waiting' },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 900,
    height: 300,
    background: 'white',
    layer: [
      {
        data: { values: series },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'seconds since the start' },
          y: { field: 'value', type: 'quantitative', title: 'count' },
          color: { field: 'series', type: 'nominal', title: null, sort: ['nodes on', 'nodes busy', 'jobs waiting'] },
        },
      },
      {
        data: { values: faults },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'firebrick' },
        encoding: { x: { field: 't', type: 'quantitative' }, tooltip: { field: 'kind' } },
      },
      {
        data: { values: faults },
        mark: { type: 'text', angle: 270, align: 'left', dx: 4, dy: -4, color: 'firebrick', fontSize: 10 },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 0 }, text: { field: 'kind' } },
      },
    ],
  };
}
