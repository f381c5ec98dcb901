/**
 * The one look of miglab's paper figures (`npm run paper`): every figure is built here.
 *
 *  - a series has one colour in every figure (SERIES_COLORS; pre-copy is always blue);
 *  - the legend comes from the line layer alone (the band layer has none, so swatches are opaque);
 *  - every axis title carries its unit; a figure with several metrics is a row of panels, each
 *    with its own y title (not facets titled "value");
 *  - the subtitle says what a point is: "mean of N seeds, 95 % CI (band; where it is narrower than
 *    the line it is hidden by it)".
 */
import type { VegaLiteSpec } from './plot.ts';

export type Row = Record<string, string | number>;

/** Fixed colours, by series name (tableau10 order). Unknown series take the next free ones. */
export const SERIES_COLORS: Record<string, string> = {
  'pre-copy': '#4c78a8',
  'COW checkpointing': '#f58518',
  'COW checkpointing (migration)': '#f58518',
  'COW checkpointing incl. background checkpoints': '#54a24b',
  'miglab, policy xen (nominal inputs)': '#4c78a8',
  'measured: Xen 4.17 testbed': '#e45756',
  // Post-copy push orders and the literature's algorithms.
  'post-copy, address order': '#72b7b2',
  'post-copy, QEMU order (from last fault)': '#b279a2',
  'post-copy, bubbling (Hines)': '#e45756',
  'post-copy, backward (Hines)': '#eeca3b',
  'pre-copy (Xen)': '#4c78a8',
  'pre-copy (Xen) + self-ballooning': '#9ecae9',
  'post-copy': '#72b7b2',
  'post-copy + self-ballooning': '#54a24b',
  // Reductions against plain pre-copy, one series per metric.
  'downtime': '#e45756',
  'total migration time': '#4c78a8',
  'data to synchronize': '#54a24b',
  'data transferred': '#54a24b',
  'total migration time, 10 Gbit/s': '#9d755d',
  'total migration time (under the data line)': '#4c78a8',
  'downtime, vs Xen ≥ 4.6': '#e45756',
  'pages sent, vs Xen ≥ 4.6': '#4c78a8',
  'downtime, vs legacy Xen': '#ff9da6',
  'pages sent, vs legacy Xen': '#9ecae9',
};
const SPARE = ['#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

export function colorScale(series: string[]): { domain: string[]; range: string[] } {
  let spare = 0;
  const domain = [...new Set(series)];
  return { domain, range: domain.map((s) => SERIES_COLORS[s] ?? SPARE[spare++ % SPARE.length]) };
}

export function ciSubtitle(seeds: number): string {
  return `mean of ${seeds} seeds, 95 % CI (shaded band; where it is narrower than the line, the line hides it)`;
}

export interface AxisSpec { field: string; title: string; log?: boolean }

/** One panel: the CI band (no legend) under the mean line with points (the legend's source). */
function layered(data: Row[], x: AxisSpec, yTitle: string, opts: { width?: number; height?: number; shapeField?: string; shapeTitle?: string; yDomain?: [number, number] } = {}): Record<string, unknown> {
  const yScale = opts.yDomain ? { scale: { domain: opts.yDomain, clamp: true, nice: false } } : {};
  const ticks = [...new Set(data.map((r) => r[x.field]))].sort((a, b) => Number(a) - Number(b));
  const xs = ticks.map(Number);
  const xEnc = {
    field: x.field, type: 'quantitative', title: x.title,
    // Log axes (rates up to 16,000) in SI form so no label is dropped for want of room.
    axis: { values: ticks, labelOverlap: false, ...(x.log ? { format: '~s', labelAngle: ticks.length > 5 ? -35 : 0 } : { format: ',d' }) },
    scale: { ...(x.log ? { type: 'log', base: 2 } : { zero: false }), domain: [Math.min(...xs), Math.max(...xs)], nice: false },
  };
  const color = { field: 'series', type: 'nominal', title: null, scale: colorScale(data.map((r) => String(r.series))) };
  return {
    width: opts.width ?? 520, height: opts.height ?? 300,
    layer: [
      { mark: { type: 'area', opacity: 0.2, clip: true }, encoding: { x: xEnc, y: { field: 'ciLow', type: 'quantitative', title: yTitle, ...yScale }, y2: { field: 'ciHigh' }, color: { ...color, legend: null } } },
      { mark: { type: 'line', point: { filled: true, size: 50 }, clip: true }, encoding: {
        x: xEnc, y: { field: 'mean', type: 'quantitative', title: yTitle, ...yScale }, color,
        ...(opts.shapeField ? { shape: { field: opts.shapeField, type: 'nominal', title: opts.shapeTitle, legend: { titleLimit: 0, labelLimit: 0 } } } : {}),
      } },
    ],
    // The band's colour channel has no legend; the line's gives it (opaque swatches).
    resolve: { legend: { color: 'independent' } },
  };
}

/**
 * A value a paper reports, drawn as a dashed line across the figure with its label: grey, or in
 * the colour of `series` when it belongs to one.
 */
export interface Reference { value: number; label: string; series?: string; /** Where the label sits (default: right end, above the line). */ labelAt?: 'left' | 'right'; below?: boolean }

/** A figure of one metric: mean lines with their CI bands, one colour per series; optionally the values a paper reports. */
export function lineFigure(o: { title: string; seeds: number; data: Row[]; x: AxisSpec; yTitle: string; shapeField?: string; shapeTitle?: string; references?: Reference[]; yDomain?: [number, number] }): VegaLiteSpec {
  const panel = layered(o.data, o.x, o.yTitle, { shapeField: o.shapeField, shapeTitle: o.shapeTitle, yDomain: o.yDomain });
  const layers = panel.layer as Record<string, unknown>[];
  const colors = colorScale(o.data.map((r) => String(r.series)));
  for (const r of o.references ?? []) {
    const color = r.series !== undefined ? colors.range[colors.domain.indexOf(r.series)] ?? '#555555' : '#555555';
    const ref = { data: { values: [{ y: r.value, label: r.label }] } };
    layers.push(
      { ...ref, mark: { type: 'rule', strokeDash: [6, 4], color, strokeWidth: 1.5 }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { ...ref, mark: { type: 'text', align: r.labelAt === 'left' ? 'left' : 'right', baseline: r.below ? 'top' : 'bottom', dx: r.labelAt === 'left' ? 4 : -4, dy: r.below ? 3 : -3, color, fontSize: 11 },
        encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: r.labelAt === 'left' ? 0 : 'width' }, text: { field: 'label' } } },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: ciSubtitle(o.seeds) },
    data: { values: o.data },
    ...panel,
  } as unknown as VegaLiteSpec;
}

/**
 * A figure of several metrics side by side: one panel per value of `panelField`, each with its own
 * y title (the panel value is the title: it carries the unit). With `singleSeries` the colour
 * legend is left out (a series per panel would only repeat the panel titles).
 */
export function panelFigure(o: { title: string; seeds: number; data: Row[]; x: AxisSpec; panelField: string; shapeField?: string; shapeTitle?: string; singleSeries?: boolean }): VegaLiteSpec {
  const panels = [...new Set(o.data.map((r) => String(r[o.panelField])))];
  const rows = o.data.map((r) => ({ ...r, panel: String(r[o.panelField]), ...(o.singleSeries ? { series: 'all' } : {}) }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: ciSubtitle(o.seeds) },
    data: { values: rows },
    hconcat: panels.map((p) => {
      const panel = layered(rows.filter((r) => r.panel === p), o.x, p, { width: 230, height: 210, shapeField: o.shapeField, shapeTitle: o.shapeTitle });
      const layers = (panel.layer as Record<string, any>[]).map((l) => (o.singleSeries ? { ...l, encoding: { ...l.encoding, color: { ...l.encoding.color, legend: null } } } : l));
      return { ...panel, layer: layers, transform: [{ filter: { field: 'panel', equal: p } }] };
    }),
    resolve: { scale: { y: 'independent', color: 'shared', shape: 'shared' } },
  } as unknown as VegaLiteSpec;
}

/** Measured points on a predicted line, one panel per metric (no seeds: one run per point). */
export function measuredOnPredictedFigure(o: { title: string; subtitle: string; data: Row[]; x: AxisSpec; panelField: string; panels: string[]; measuredSeries: string }): VegaLiteSpec {
  const color = { field: 'series', type: 'nominal', title: null, scale: colorScale(o.data.map((r) => String(r.series))) };
  const ticks = [...new Set(o.data.filter((r) => r.series === o.measuredSeries).map((r) => r[o.x.field]))];
  const x = { field: o.x.field, type: 'quantitative', title: o.x.title, axis: { values: ticks } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: o.subtitle },
    data: { values: o.data },
    hconcat: o.panels.map((p) => ({
      width: 220, height: 200,
      transform: [{ filter: { field: o.panelField, equal: p } }],
      layer: [
        { transform: [{ filter: `datum.series !== '${o.measuredSeries}'` }], mark: { type: 'line' }, encoding: { x, y: { field: 'value', type: 'quantitative', title: p }, color } },
        { transform: [{ filter: `datum.series === '${o.measuredSeries}'` }], mark: { type: 'point', filled: true, size: 60, opacity: 1 }, encoding: { x, y: { field: 'value', type: 'quantitative', title: p }, color } },
      ],
    })),
    resolve: { scale: { y: 'independent' } },
  } as unknown as VegaLiteSpec;
}

/**
 * Grouped bars, one panel per metric (its own y title, log scale when asked): x = `groupField`
 * (e.g. the algorithm), one bar per series side by side, the mean with its 95 % CI as an error bar.
 */
export function barPanelsFigure(o: { title: string; seeds: number; data: Row[]; groupField: string; groupTitle: string; groups: string[]; panelField: string; logPanels?: string[] }): VegaLiteSpec {
  const panels = [...new Set(o.data.map((r) => String(r[o.panelField])))];
  const order = [...new Set(o.data.map((r) => String(r.series)))]; // bars in the data's series order, as the legend
  const color = { field: 'series', type: 'nominal', title: null, sort: order, scale: colorScale(order) };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: `mean of ${o.seeds} seeds, 95 % CI (error bars)` },
    data: { values: o.data },
    columns: 2,
    concat: panels.map((p) => {
      const y = { field: 'mean', type: 'quantitative', title: p, ...(o.logPanels?.includes(p) ? { scale: { type: 'log' } } : {}) };
      const x = { field: o.groupField, type: 'nominal', title: o.groupTitle, sort: o.groups, axis: { labelAngle: -40, labelLimit: 200 } };
      // On a log axis a bar needs a positive base and an error bar a positive end: the CI's lower
      // end is drawn no lower than a tenth of the mean (where it reaches 0, the bar says so).
      const log = o.logPanels?.includes(p) ?? false;
      return {
        width: 360, height: 200,
        transform: [{ filter: { field: o.panelField, equal: p } }, { calculate: log ? 'max(datum.ciLow, datum.mean / 10)' : 'datum.ciLow', as: 'lo' }],
        encoding: { x, xOffset: { field: 'series', sort: order } },
        layer: [
          { mark: log ? { type: 'bar' } : 'bar', encoding: { y, ...(log ? { y2: { datum: 1e-3 } } : {}), color } },
          { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'lo', type: 'quantitative', ...(log ? { scale: { type: 'log' } } : {}) }, y2: { field: 'ciHigh' } } },
        ],
      };
    }),
    resolve: { scale: { y: 'independent' } },
  } as unknown as VegaLiteSpec;
}
