/**
 * How much a prediction hangs on the one input a researcher knows least exactly: the workload's
 * write rate. A writer never runs at exactly its nominal rate (the testbed's dirtier averaged
 * 7,804–7,809 pages/s over three runs set to 7,800), so a prediction that moves a lot when the rate
 * moves 1 % cannot be checked to a few percent against any one run. This predicts the
 * scenario again with every write rate 0.5 % and 1 % lower and higher: the model's own sensitivity, with
 * nothing fitted. Far from the link's capacity the band is narrow (a 1 % faster writer dirties 1 %
 * more per pass); near saturation each pass shrinks the backlog by the small difference between
 * the capped rate and the dirty rate, and 1 % of the dirty rate is a large part of that difference.
 */
import type { Scenario } from '../../models/scenario/types.ts';
import type { WorkloadSpec } from '../../models/workload/spec.ts';
import type { RunResult } from '../../models/run/result.ts';

/** The relative change of the write rate the band spans each way. */
export const RATE_BAND_FRACTION = 0.01;

/** The workload with every write rate (a phase's too) multiplied by `factor`; null if it has none. */
export function withRateScaled(w: WorkloadSpec, factor: number): WorkloadSpec | null {
  if (w.type === 'idle' || w.type === 'trace') return null;
  if (w.type === 'phases') {
    const phases = w.phases.map((p) => ({ ...p, workload: withRateScaled(p.workload, factor) ?? p.workload }));
    return phases.some((p, i) => p.workload !== w.phases[i].workload) ? { ...w, phases } : null;
  }
  return { ...w, writesPerSecond: w.writesPerSecond * factor };
}

/** Where the band is sampled: near saturation a prediction is not monotonic in the rate (passes are whole). */
const BAND_STEPS = [-1, -0.5, 0.5, 1];

/**
 * The lowest and highest of `metrics` over the scenario predicted at its write rates as written
 * (`nominal`, already predicted) and × (1 + k·RATE_BAND_FRACTION); null for a workload with no rate.
 */
export function rateBand<M extends string>(s: Scenario, nominal: RunResult, predict: (s: Scenario) => RunResult, metrics: readonly M[], get: (r: RunResult, m: M) => number): Map<M, [number, number]> | null {
  const variants = BAND_STEPS.map((k) => withRateScaled(s.workload, 1 + k * RATE_BAND_FRACTION));
  if (variants.some((w) => w === null)) return null;
  const results = [nominal, ...variants.map((w) => predict({ ...s, workload: w! }))];
  return new Map(metrics.map((m) => {
    const v = results.map((r) => get(r, m));
    return [m, [Math.min(...v), Math.max(...v)]];
  }));
}
