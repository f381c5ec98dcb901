/**
 * The simulations behind `npm run paper` (figure data only, no rendering): every point is the mean
 * of SEEDS page-level runs with a 95 % confidence band. Also used by the test that checks the
 * committed CSVs still come out byte for byte.
 */
import { stringify } from 'csv-stringify/sync';
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import type { RunResult } from '../../models/run/result.ts';
import { RandomStream } from '../../sim/random.ts';
import { summarize } from '../lib/stats.ts';
import { formatNumber } from '../lib/results.ts';

export const SEEDS = 10;
const MiB = 1048576;

/**
 * The paper's setup (section VI) and our stated assumptions for what it leaves out.
 * Desktop workload (assumption): 2,000 page writes/s, 90 % of them in a 32 MiB hot set (an
 * interactive desktop's writable working set of tens of MB, cf. Clark'05), the rest over all memory.
 */
export const SETUP = {
  network: { bandwidthBitsPerSecond: 1e8, latencySeconds: 0.0002 }, // Fast Ethernet LAN
  workload: { type: 'hotcold', writesPerSecond: 2000, hotSetMiB: 32, hotWriteFraction: 0.9 },
  policy: 'xen', // the paper's hosts run Xen: Xen ≥ 4.6 pre-copy rules
  checkpointIntervalSeconds: 60,
  migrationRequestSeconds: 900, // after a warm-up of checkpoints; + a random 0–60 s per seed
  memorySizesMiB: [256, 512, 768, 1024, 1536, 2048],
};

function scenarioFor(o: { memoryMiB: number; algorithm: 'precopy' | 'cow-checkpoint'; seed: number; writesPerSecond?: number; intervalSeconds?: number }) {
  const jitter = new RandomStream(o.seed, 'paper/request-time').uniform() * 60;
  const start = SETUP.migrationRequestSeconds + jitter;
  const workload = { ...SETUP.workload, writesPerSecond: o.writesPerSecond ?? SETUP.workload.writesPerSecond };
  return validateScenario({
    name: `paper-${o.algorithm}-${o.memoryMiB}`, seed: o.seed, fidelity: 'page',
    vm: { memoryMiB: o.memoryMiB }, workload, network: SETUP.network,
    migration: { algorithm: o.algorithm, policy: SETUP.policy, startSeconds: start },
    ...(o.algorithm === 'cow-checkpoint' ? { checkpoint: { intervalSeconds: o.intervalSeconds ?? SETUP.checkpointIntervalSeconds }, failure: { atSeconds: start - 1 } } : {}),
    limits: { maxTimeSeconds: 3600, onTimeout: 'stop-and-copy' },
  }, 'paper', (p) => p);
}

export type Row = Record<string, string | number>;

function point(rows: Record<string, Row[]>, fig: string, x: Record<string, number | string>, series: string, values: number[], extra: Row = {}): void {
  const s = summarize(values);
  (rows[fig] ??= []).push({ ...x, series, mean: s.mean, ciLow: s.ciLow, ciHigh: s.ciHigh, std: s.std, n: s.n, ...extra });
}

/** Runs every simulation of the paper's figures; rows per figure id. */
export function paperData(): Record<string, Row[]> {
  const rows: Record<string, Row[]> = {};
  const runs = (f: (seed: number) => RunResult): RunResult[] => Array.from({ length: SEEDS }, (_, i) => f(i + 1));

  // Fig. 2 and the memory-size companions.
  for (const memoryMiB of SETUP.memorySizesMiB) {
    const pre = runs((seed) => runScenario(scenarioFor({ memoryMiB, algorithm: 'precopy', seed }), { keepRounds: false }));
    const cow = runs((seed) => runScenario(scenarioFor({ memoryMiB, algorithm: 'cow-checkpoint', seed }), { keepRounds: false }));
    point(rows, 'fig2', { memoryMiB }, 'pre-copy', pre.map((r) => r.bytesTransferred / MiB));
    point(rows, 'fig2', { memoryMiB }, 'COW checkpointing (migration)', cow.map((r) => r.bytesTransferred / MiB));
    point(rows, 'fig2', { memoryMiB }, 'COW checkpointing incl. background checkpoints', cow.map((r) => r.totalBytesIncludingCheckpoints! / MiB));
    point(rows, 'downtime', { memoryMiB }, 'pre-copy', pre.map((r) => r.downtimeSeconds * 1000));
    point(rows, 'downtime', { memoryMiB }, 'COW checkpointing', cow.map((r) => r.downtimeSeconds * 1000));
    point(rows, 'totaltime', { memoryMiB }, 'pre-copy', pre.map((r) => r.totalTimeSeconds));
    point(rows, 'totaltime', { memoryMiB }, 'COW checkpointing', cow.map((r) => r.totalTimeSeconds));
    for (const r of cow) if (r.checkpoint!.consistencyChecks !== r.checkpoint!.count) throw new Error('DR image check missing');
  }

  // Checkpoint interval vs COW overhead, RPO and migration bytes (1 GiB guest).
  for (const intervalSeconds of [15, 30, 60, 120, 240]) {
    const cow = runs((seed) => runScenario(scenarioFor({ memoryMiB: 1024, algorithm: 'cow-checkpoint', seed, intervalSeconds }), { keepRounds: false }));
    point(rows, 'interval', { intervalSeconds }, 'guest slowdown (%)', cow.map((r) => r.checkpoint!.appSlowdownFraction * 100));
    point(rows, 'interval', { intervalSeconds }, 'RPO (s)', cow.map((r) => r.failover!.rpoSeconds));
    point(rows, 'interval', { intervalSeconds }, 'migration data (MiB)', cow.map((r) => r.bytesTransferred / MiB));
  }

  // Dirty rate vs the three metrics (1 GiB guest); marks where pre-copy stops converging.
  for (const writesPerSecond of [500, 1000, 2000, 4000, 8000, 16000]) {
    const pre = runs((seed) => runScenario(scenarioFor({ memoryMiB: 1024, algorithm: 'precopy', seed, writesPerSecond }), { keepRounds: false }));
    const cow = runs((seed) => runScenario(scenarioFor({ memoryMiB: 1024, algorithm: 'cow-checkpoint', seed, writesPerSecond }), { keepRounds: false }));
    const conv = (rs: RunResult[]): number => rs.filter((r) => r.converged).length / rs.length;
    for (const [name, rs] of [['pre-copy', pre], ['COW checkpointing', cow]] as const) {
      const extra = { convergedFraction: conv(rs) };
      point(rows, 'dirtyrate', { writesPerSecond, metric: 'data transferred (MiB)' }, name, rs.map((r) => r.bytesTransferred / MiB), extra);
      point(rows, 'dirtyrate', { writesPerSecond, metric: 'downtime (ms)' }, name, rs.map((r) => r.downtimeSeconds * 1000), extra);
      point(rows, 'dirtyrate', { writesPerSecond, metric: 'total migration time (s)' }, name, rs.map((r) => r.totalTimeSeconds), extra);
    }
  }
  return { 'fig2-data-vs-memory': rows.fig2, 'downtime-vs-memory': rows.downtime, 'totaltime-vs-memory': rows.totaltime, 'interval-tradeoff': rows.interval, dirtyrate: rows.dirtyrate };
}

/** A figure's CSV text, as written to results/paper/. */
export function paperCsv(data: Row[]): string {
  const cols = Object.keys(data[0]);
  return stringify(data.map((r) => cols.map((c) => (typeof r[c] === 'number' ? formatNumber(r[c] as number) : r[c]))), { header: true, columns: cols });
}
