import seedrandom from 'seedrandom';
import { axisValues, type AxisSpec, type SweepSpec } from './spec.ts';

/**
 * Expands a sweep into design points and runs. Runs are numbered point-major: run = point ×
 * replicates + replicate. Run i's seed = a 32-bit draw of alea("<sweep seed>/run/<i>"), so a run's
 * inputs depend only on the sweep file and i, never on how the runs are split.
 */
export interface Design {
  fields: string[];
  points: unknown[][];
  replicates: number;
  totalRuns: number;
}

export function runSeed(sweepSeed: number, run: number): number {
  return Math.floor(seedrandom.alea(`${sweepSeed}/run/${run}`)() * 4294967296);
}

function flatAxes(spec: SweepSpec): AxisSpec[] {
  return spec.axes.flatMap((a) => ('zip' in a ? a.zip : [a]));
}

export function expandDesign(spec: SweepSpec): Design {
  const fields = flatAxes(spec).map((a) => a.field);
  let points: unknown[][];
  if (spec.design.type === 'grid') {
    // Each group (a single axis or a zip of axes) contributes tuples; the grid is their product,
    // the first axis varying slowest.
    const groups: unknown[][][] = spec.axes.map((a) => {
      if ('zip' in a) {
        const cols = a.zip.map(axisValues);
        return cols[0].map((_, k) => cols.map((c) => c[k]));
      }
      return axisValues(a).map((v) => [v]);
    });
    points = [[]];
    for (const g of groups) {
      const next: unknown[][] = [];
      for (const p of points) for (const t of g) next.push([...p, ...t]);
      points = next;
    }
  } else {
    const n = spec.design.samples!;
    const axes = flatAxes(spec);
    const rng = seedrandom.alea(`${spec.seed}/design`);
    const sample = (a: AxisSpec, u: number): unknown => {
      if (a.values) return a.values[Math.min(a.values.length - 1, Math.floor(u * a.values.length))];
      if (a.linear) return a.linear.from + u * (a.linear.to - a.linear.from);
      return Math.exp(Math.log(a.log!.from) + u * (Math.log(a.log!.to) - Math.log(a.log!.from)));
    };
    if (spec.design.type === 'random') {
      points = Array.from({ length: n }, () => axes.map((a) => sample(a, rng())));
    } else {
      // Latin hypercube: each axis is cut into n strata, each used once, in a random order.
      const columns = axes.map((a) => {
        const order = Array.from({ length: n }, (_, k) => k);
        for (let k = n - 1; k > 0; k--) { const j = Math.floor(rng() * (k + 1)); [order[k], order[j]] = [order[j], order[k]]; }
        return order.map((stratum) => sample(a, (stratum + rng()) / n));
      });
      points = Array.from({ length: n }, (_, k) => columns.map((c) => c[k]));
    }
  }
  return { fields, points, replicates: spec.replicates, totalRuns: points.length * spec.replicates };
}
