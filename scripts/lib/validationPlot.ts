import type { VegaLiteSpec } from './plot.ts';

/**
 * Predicted vs measured, one panel per metric (log axes, each its own scale): the y = x line dashed,
 * ±5 % dotted, points coloured by series (e.g. nominal vs achieved inputs, or validation set).
 * Values ≤ 0 (a cancelled run's downtime) cannot sit on a log axis and are left out; the caller
 * says so in the subtitle.
 */
/** The metrics the validation figures plot, with their axis titles, in panel order. */
export const PLOTTED_METRICS: Record<string, string> = { totalTimeSeconds: 'total time (s)', bytesTransferred: 'bytes transferred (B)', downtimeSeconds: 'downtime (s)' };

export interface PlotPoint { metric: string; measured: number; predicted: number; series: string; label: string; errorPercent: number | null }

export function predictedVsMeasuredSpec(points: PlotPoint[], title: string, subtitle: string, metricOrder: string[]): VegaLiteSpec {
  const values = points.filter((p) => p.measured > 0 && p.predicted > 0).map((p) => ({ ...p, lo: p.measured * 0.95, hi: p.measured * 1.05 }));
  const x = { field: 'measured', type: 'quantitative', scale: { type: 'log' }, title: 'measured' };
  const guide = (field: string, dash: number[]): Record<string, unknown> => ({ mark: { type: 'line', strokeDash: dash, color: 'gray', strokeWidth: 1 }, encoding: { x, y: { field, type: 'quantitative' }, order: { field: 'measured' } } });
  return {
    title: { text: title, subtitle },
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: metricOrder } },
    spec: {
      width: 230, height: 230,
      layer: [
        guide('lo', [1, 3]), guide('hi', [1, 3]), guide('measured', [5, 4]),
        { mark: { type: 'point', filled: true, size: 40, opacity: 0.8 }, encoding: { x, y: { field: 'predicted', type: 'quantitative', scale: { type: 'log' }, title: 'predicted' }, color: { field: 'series', type: 'nominal', title: null }, tooltip: [{ field: 'label' }, { field: 'errorPercent' }] } },
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
