/**
 * How much of a validation set's time error a host's own zero-page drift accounts for: each point
 * predicted again with network.zeroPageSeconds at every value given (what one host measured at
 * different times: scripts/experiments/qemu-zero-page-drift.ts, `miglab testbed qemu
 * --measure-switchover`), beside the runs measured there (the set's replays, and any repeat
 * replays given with --runs). Per point: the prediction as written, the lowest and highest over the
 * values, the measured runs, whether each lies in that band, and each one's error against the
 * prediction at the last value given (so one value alone asks: had the cost been this, how close?).
 * Nothing is fitted.
 *
 *   npx tsx scripts/experiments/qemu-zero-page-band.ts <set> <seconds per zero page>… [--runs DIR]…
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runScenario } from '../../models/run/runScenario.ts';
import type { RunResult } from '../../models/run/result.ts';
import { loadSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', multiple: true, default: [] } } });
const [set, ...given] = positionals;
const costs = given.map(Number);
if (!set || costs.length === 0 || !costs.every((c) => c >= 0 && c < 1e-3)) {
  console.error('usage: qemu-zero-page-band.ts <set> <seconds per zero page, 0 to 0.001>… [--runs DIR]…');
  process.exit(2);
}
const runner = ((): SweepRunner => {
  try { return new SweepRunner(loadSweep(`scenarios/validation/${set}.json`)); } catch (e) { console.error((e as Error).message); process.exit(2); }
})();
const dirs = [join('results/validation', set, 'runs'), ...values.runs!];
const time = (s: ReturnType<SweepRunner['scenarioFor']>): number => runScenario(s, { keepRounds: false, resolvePath: runner.resolvePath }).totalTimeSeconds;
let inside = 0, outside = 0;
for (let i = 0; i < runner.design.totalRuns; i++) {
  const written = runner.scenarioFor(i);
  const nominal = time(written);
  const band = costs.map((c) => time({ ...written, network: { ...written.network, zeroPageSeconds: c } }));
  const lo = Math.min(nominal, ...band), hi = Math.max(nominal, ...band);
  const measured = dirs.map((d) => join(d, `${set}-${i}`, 'summary.json')).filter(existsSync).map((f) => (JSON.parse(readFileSync(f, 'utf8')) as RunResult).totalTimeSeconds);
  const last = band[band.length - 1];
  const error = (m: number): string => `${last >= m ? '+' : '−'}${((Math.abs(last - m) / m) * 100).toFixed(1)} %`;
  const marks = measured.map((m) => `${m.toFixed(2)} ${m >= lo * 0.995 && m <= hi * 1.005 ? (inside++, 'in') : (outside++, 'out')} (${error(m)})`);
  console.log(`${set}-${i}: ${nominal.toFixed(2)} s as written, ${lo.toFixed(2)}–${hi.toFixed(2)} s (${(((hi - lo) / nominal) * 100).toFixed(0)} % wide) at ${costs.map((c) => `${(c * 1e6).toFixed(1)}`).join('/')} us per zero page, ${last.toFixed(2)} s at the last; measured ${marks.join(', ') || '—'}`);
}
console.log(`${inside} of ${inside + outside} measured runs inside their band (±0.5 % for the rate limiter's rounding)`);
