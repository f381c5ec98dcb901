/** Two-sided 95 % Student-t critical values t(0.975, df) for df = 1..30 (standard table values). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tCritical95(df: number): number {
  if (df < 1) return NaN;
  return df <= 30 ? T975[df - 1] : 1.96 + 2.4 / df; // close to the exact value beyond the table
}

export interface Summary { n: number; mean: number; std: number; ciLow: number; ciHigh: number; min: number; max: number }

/** Mean, sample standard deviation and 95 % confidence interval of the mean. */
export function summarize(xs: number[]): Summary {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const half = n > 1 ? (tCritical95(n - 1) * std) / Math.sqrt(n) : 0;
  return { n, mean, std, ciLow: mean - half, ciHigh: mean + half, min: Math.min(...xs), max: Math.max(...xs) };
}

export { median } from '../../models/stats/median.ts';
