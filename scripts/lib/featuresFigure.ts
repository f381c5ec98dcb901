import type { VegaLiteSpec } from './plot.ts';

/** One strategy's simulated summary (over seeds) and measured value for one metric. */
export interface FeatureBar {
  strategy: string;
  /** The panel: total time, downtime or bytes. */
  metric: string;
  mean: number;
  ciLow: number;
  ciHigh: number;
  /** The testbed's run (absent when not measured). */
  measured?: number;
  /** What the bar means when the migration did not end ("cancelled at 40 s"), else ''. */
  note: string;
}

/**
 * Issue 14's figure: for one guest plain pre-copy cannot migrate, each of QEMU's remedies side by
 * side — one panel per metric, a bar per strategy (the simulated mean over seeds, its 95 % CI as a
 * whisker), the testbed's measurement as a black diamond on top, and a note where the migration
 * was cancelled.
 */
export function featuresFigureSpec(bars: FeatureBar[], order: string[], title: string, subtitle: string[]): VegaLiteSpec {
  const panel = (metric: string, unit: string) => ({
    title: `${metric} (${unit})`,
    width: 230, height: 240,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    encoding: { x: { field: 'strategy', type: 'nominal', sort: order, title: null, axis: { labelAngle: -35 } } },
    layer: [
      { mark: { type: 'bar', color: '#9ecae1' }, encoding: { y: { field: 'mean', type: 'quantitative', title: `${metric} (${unit})` } } },
      { mark: { type: 'rule', color: '#08519c', strokeWidth: 2 }, encoding: { y: { field: 'ciLow', type: 'quantitative' }, y2: { field: 'ciHigh' } } },
      { mark: { type: 'point', shape: 'diamond', filled: true, color: 'black', size: 90 }, encoding: { y: { field: 'measured', type: 'quantitative' } } },
      { mark: { type: 'text', align: 'center', baseline: 'bottom', dy: -4, fontSize: 10, color: '#a50f15' }, encoding: { x: { field: 'strategy', type: 'nominal', sort: order, bandPosition: 0.5 }, y: { field: 'mean', type: 'quantitative' }, text: { field: 'note' } } },
    ],
  });
  return {
    title: { text: title, subtitle },
    data: { values: bars },
    hconcat: [panel('total time', 's'), panel('downtime', 'ms'), panel('bytes', 'MiB')],
    config: { legend: { disable: true } },
  } as unknown as VegaLiteSpec;
}
