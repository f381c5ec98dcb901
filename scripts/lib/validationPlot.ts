import type { VegaLiteSpec } from './plot.ts';

/** The metrics the validation figures plot, in panel order: the axis title (with its unit) and the factor from the metric's own unit. */
export const PLOTTED_METRICS: Record<string, { title: string; factor: number }> = {
  totalTimeSeconds: { title: 'total time (s)', factor: 1 },
  bytesTransferred: { title: 'data transferred (MiB)', factor: 1 / 1048576 },
  downtimeSeconds: { title: 'downtime (ms)', factor: 1e3 },
};

/** metric: a key of PLOTTED_METRICS; measured and predicted in the metric's own unit (seconds, bytes). */
export interface PlotPoint { metric: string; measured: number; predicted: number; series: string; label: string; errorPercent: number | null }

/**
 * Predicted vs measured, one panel per metric (log axes, each its own scale, the same on x and y):
 * the y = x line dashed and ±5 % dotted, drawn across the whole panel (also for a single run), and
 * points coloured by series (e.g. nominal vs achieved inputs, or validation set). Values ≤ 0 (a
 * cancelled run's downtime) cannot sit on a log axis and are left out; the caller says so in the
 * subtitle.
 */
export function predictedVsMeasuredSpec(points: PlotPoint[], title: string, subtitle: string): VegaLiteSpec {
  const order = Object.keys(PLOTTED_METRICS).filter((m) => points.some((p) => p.metric === m));
  const values: Record<string, unknown>[] = points.filter((p) => p.measured > 0 && p.predicted > 0 && p.metric in PLOTTED_METRICS).map((p) => {
    const f = PLOTTED_METRICS[p.metric].factor;
    return { ...p, panel: PLOTTED_METRICS[p.metric].title, measured: p.measured * f, predicted: p.predicted * f, kind: 'run' };
  });
  // The guides: y = x and ±5 % from a little below the panel's smallest value to a little above its largest.
  for (const m of order) {
    const panel = PLOTTED_METRICS[m].title;
    const vs = values.filter((v) => v.panel === panel).flatMap((v) => [v.measured as number, v.predicted as number]);
    if (vs.length === 0) continue;
    const lo = Math.min(...vs) / 1.25, hi = Math.max(...vs) * 1.25;
    for (const v of [lo, hi]) values.push({ panel, kind: 'guide', measured: v, onLine: v, lo: v * 0.95, hi: v * 1.05 });
  }
  const x = { field: 'measured', type: 'quantitative', scale: { type: 'log', nice: false }, title: 'measured' };
  const y = (field: string, t: string | null): Record<string, unknown> => ({ field, type: 'quantitative', scale: { type: 'log', nice: false }, title: t });
  const guide = (field: string, dash: number[]): Record<string, unknown> => ({ transform: [{ filter: "datum.kind === 'guide'" }], mark: { type: 'line', strokeDash: dash, color: 'gray', strokeWidth: 1, clip: true }, encoding: { x, y: y(field, 'predicted'), order: { field: 'measured' } } });
  return {
    title: { text: title, subtitle },
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: order.map((m) => PLOTTED_METRICS[m].title), header: { labelFontSize: 13 } } },
    spec: {
      width: 230, height: 230,
      layer: [
        guide('lo', [1, 3]), guide('hi', [1, 3]), guide('onLine', [5, 4]),
        { transform: [{ filter: "datum.kind === 'run'" }], mark: { type: 'point', filled: true, size: 40, opacity: 0.8 }, encoding: { x, y: y('predicted', 'predicted'), color: { field: 'series', type: 'nominal', title: null }, tooltip: [{ field: 'label' }, { field: 'errorPercent' }] } },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as unknown as VegaLiteSpec;
}

/** One number format for tables: thousands separators, at most 4 significant digits, never an exponent. */
const FORMAT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4, maximumFractionDigits: 20 });
export function formatValue(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : FORMAT.format(x);
}

/** A metric's value in that one format with its unit: seconds as s or ms, bytes as MiB, counts bare. */
export function formatMetric(metric: string, x: number): string {
  if (metric.endsWith('Seconds')) return x !== 0 && Math.abs(x) < 1 ? `${FORMAT.format(x * 1e3)} ms` : `${FORMAT.format(x)} s`;
  if (metric.startsWith('bytes') || metric.endsWith('Bytes')) return `${FORMAT.format(x / 1048576)} MiB`;
  return formatValue(x);
}
