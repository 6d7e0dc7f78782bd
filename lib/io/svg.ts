// Vega-Lite pictures to SVG with vega, in Node: no browser and no canvas (text widths are
// estimated). Loaded on first use, so the commands that draw nothing do not pay for it.

export async function vegaLiteToSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
  return view.toSVG();
}
