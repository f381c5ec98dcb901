/**
 * The founding paper's Fig. 2 experiment at testbed scale, measured: Xen pre-copy (`xl migrate` of
 * a PV guest through a meter capped at Fast Ethernet) for a few guest sizes, the committed runs of
 * results/validation/xen-fig2/ (`miglab validate scenarios/validation/xen-fig2.json --backend xen`),
 * drawn on miglab's prediction for the same scenarios from their nominal inputs (the sweep as
 * written, at every 32 MiB between the sizes). Rows for a figure with one panel per metric.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '../../models/run/runScenario.ts';
import type { RunResult } from '../../models/run/result.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { loadSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';
import type { Row } from './data.ts';

const RUNS = 'results/validation/xen-fig2/runs';
const SWEEP = 'scenarios/validation/xen-fig2.json';
const MiB = 1048576;

const METRICS: [string, (r: RunResult) => number][] = [
  ['data transferred (MiB)', (r) => r.bytesTransferred / MiB],
  ['total migration time (s)', (r) => r.totalTimeSeconds],
  ['downtime (s)', (r) => r.downtimeSeconds],
];

/** Null when the measured runs are not there (a checkout without results/validation/xen-fig2). */
export function xenTestbedFig2(): { rows: Row[]; runs: number } | null {
  if (!existsSync(RUNS)) return null;
  const measured = readdirSync(RUNS).map((d) => JSON.parse(readFileSync(join(RUNS, d, 'summary.json'), 'utf8')) as RunResult).filter((r) => r.status === 'completed');
  if (measured.length === 0) return null;
  const rows: Row[] = [];
  for (const r of measured) for (const [metric, f] of METRICS) rows.push({ memoryMiB: r.scenario.vm.memoryMiB, metric, series: 'measured: Xen 4.17 testbed', value: f(r) });
  // The prediction: the sweep's first design point as written, at each size along the axis.
  const base = new SweepRunner(loadSweep(SWEEP)).scenarioFor(0);
  const sizes = measured.map((r) => r.scenario.vm.memoryMiB);
  for (let memoryMiB = Math.min(...sizes); memoryMiB <= Math.max(...sizes); memoryMiB += 32) {
    const raw = structuredClone(base) as unknown as Record<string, any>;
    raw.vm.memoryMiB = memoryMiB;
    delete raw.real;
    const p = runScenario(validateScenario(raw, SWEEP, (x) => x), { keepRounds: false });
    for (const [metric, f] of METRICS) rows.push({ memoryMiB, metric, series: 'miglab, policy xen (nominal inputs)', value: f(p) });
  }
  return { rows, runs: measured.length };
}
