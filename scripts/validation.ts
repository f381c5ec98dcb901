/**
 * `npm run validation`: re-predicts every committed real run under results/validation/ from its
 * nominal inputs (the scenario as written: nothing measured per run) and writes the error table and
 * plots there, in seconds and without a testbed. `--remeasure qemu|xen` replays that backend's sets
 * on its testbed first (`miglab validate`; QEMU ≈ 30 s per run, Xen ≈ 60 s per run on the testbed
 * `miglab testbed xen` starts, or on the hosts of `--hosts FILE`).
 *
 *   results/validation/<set>/runs/<scenario>/summary.json   measured (miglab validate writes them)
 *   results/validation/errors.csv                           one row per run and metric
 *   results/validation/README.md                            the table: median / max |error| per metric
 *   results/validation/predicted-vs-measured.{svg,png}      y = x and a ±5 % band
 *   results/validation/error-cdf.{svg,png}                  |error| CDF per metric
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { runScenario } from '../models/run/runScenario.ts';
import { composition } from '../models/migration/compositions/registry.ts';
import type { RunResult } from '../models/run/result.ts';
import { loadSweep } from './sweep/spec.ts';
import { SweepRunner } from './sweep/runs.ts';
import { formatNumber } from './lib/results.ts';
import { writeFileAtomic } from './lib/files.ts';
import { renderSvg, svgToPng, type VegaLiteSpec } from './lib/plot.ts';
import { PLOTTED_METRICS, formatMetric, predictedVsMeasuredSpec } from './lib/validationPlot.ts';
import { featuresFigureSpec, type FeatureBar } from './lib/featuresFigure.ts';
import { median, summarize } from './lib/stats.ts';
import { RATE_BAND_FRACTION, rateBand } from './lib/rateBand.ts';
import { withoutLayout } from './lib/withoutLayout.ts';
import { MIB_BYTES } from '../models/units/pageSize.ts';

const ROOT = 'results/validation';
/** Where the table and plots go (default: beside the runs); the runs are always read from ROOT. */
const outFlag = process.argv.indexOf('--out');
const OUT = outFlag > 0 ? process.argv[outFlag + 1] : ROOT;
/** --fidelity page|fluid: predict every run at that fidelity instead of the scenario's (fluid). */
const fidelityFlag = process.argv.indexOf('--fidelity');
const FIDELITY = fidelityFlag > 0 ? (process.argv[fidelityFlag + 1] as 'page' | 'fluid') : null;
if (FIDELITY !== null && FIDELITY !== 'page' && FIDELITY !== 'fluid') { console.error(`--fidelity: expected page or fluid, got ${JSON.stringify(FIDELITY)}`); process.exit(2); }
/** Each set of real runs and the backend that measured it. */
const SET_BACKENDS: Record<string, 'qemu' | 'xen'> = { 'qemu-validation-set': 'qemu', 'qemu-validation-repeats': 'qemu', 'xen-validation-set': 'xen', 'xen-fig2': 'xen', 'qemu-features': 'qemu', 'qemu-multifd': 'qemu', 'qemu-nonconverging': 'qemu', 'qemu-validation-holdout': 'qemu', 'qemu-validation-holdout-2': 'qemu', 'qemu-validation-holdout-3': 'qemu', 'qemu-validation-holdout-4': 'qemu' };
const SETS = Object.keys(SET_BACKENDS);
/** The sets of QEMU's convergence features (issue 14): tabled per feature, apart from plain pre-copy's. */
const BACKEND_TITLES = { qemu: 'QEMU 10 (policy qemu)', xen: 'Xen 4.17 (policy xen, `xl migrate`)' } as const;
const FEATURE_SETS = new Set(['qemu-features', 'qemu-multifd', 'qemu-nonconverging']);
/**
 * Held-out sets: points written and predicted before their replay (their predicted-before.csv), on
 * another machine with that machine's host inputs: each tabled on its own, not pooled with the first
 * host's. The value: the machine that replayed it.
 */
const HOLDOUT_SETS = new Map([
  ['qemu-validation-holdout', 'the third machine'],
  ['qemu-validation-holdout-2', 'the fourth machine (a new guest size, 768 MiB)'],
  ['qemu-validation-holdout-3', 'the fifth machine (a new guest size, 384 MiB; every host input measured before the replay)'],
  ['qemu-validation-holdout-4', 'the fifth machine with guest memory preallocated (the third set\'s points and a new guest size, 640 MiB; every host input measured before the replay)'],
]);
/** The tables: each backend's main sets, then the held-out sets (the feature sets have their own, featureSection). */
interface Group { backend: 'qemu' | 'xen'; title: string; sets: string[] }
const mainSets = (backend: 'qemu' | 'xen'): string[] => SETS.filter((x) => SET_BACKENDS[x] === backend && !FEATURE_SETS.has(x) && !HOLDOUT_SETS.has(x));
const GROUPS: Group[] = [
  ...(['qemu', 'xen'] as const).map((backend) => ({ backend, title: BACKEND_TITLES[backend], sets: mainSets(backend) })),
  ...[...HOLDOUT_SETS].map(([set, machine]) => ({ backend: 'qemu' as const, title: `${BACKEND_TITLES.qemu}, held out: written and predicted before the replay (predicted-before.csv), replayed on ${machine} with its host inputs`, sets: [set] })),
];
/** Targets of issue 12: time and bytes median 3 % / max 8 %; downtime within max(2 ms, 15 %). */
const METRICS = ['totalTimeSeconds', 'bytesTransferred', 'downtimeSeconds', 'rounds', 'converged'] as const;
/** What the features report, compared where a run has them: the throttle reached, XBZRLE's cache hits. */
const FEATURE_METRICS = { throttleMaxPercent: (r: RunResult) => r.autoConverge?.throttleMaxPercent, xbzrlePages: (r: RunResult) => r.xbzrle?.pages } as const;
type Metric = (typeof METRICS)[number] | keyof typeof FEATURE_METRICS;

/** `band`: the lowest and highest prediction with the write rates as written and up to 1 % lower and higher (lib/rateBand.ts). */
interface Row { backend: 'qemu' | 'xen'; set: string; feature: string; scenario: string; point: string; metric: Metric; measured: number; predicted: number; errorPercent: number | null; band?: [number, number]; outcome?: { measured: string; predicted: string } }

/** How a run ended: converged, completed by post-copy, cancelled (or failed). */
const outcome = (r: RunResult): string => (r.status !== 'completed' ? r.status : r.converged ? 'converged' : r.postcopy || r.stopReason === 'postcopy-switch' ? 'completed by post-copy' : `completed (${r.stopReason})`);

/** A feature run's feature, as its migration section declares it. */
function featureOf(set: string, s: RunResult['scenario']): string {
  if (!FEATURE_SETS.has(set)) return '';
  const m = s.migration;
  if (m.autoConverge) return 'auto-converge';
  if (m.xbzrle) return 'XBZRLE';
  if (m.multifd) return `multifd, ${m.multifd.compression === 'none' ? 'uncompressed' : m.multifd.compression}`;
  if (composition(m).cutoff !== null) return 'post-copy (after pre-copy)';
  return 'plain pre-copy (control)';
}

const remeasure = process.argv.indexOf('--remeasure');
if (remeasure > 0) {
  const backend = process.argv[remeasure + 1];
  if (backend !== 'qemu' && backend !== 'xen') { console.error(`--remeasure: expected qemu or xen, got ${JSON.stringify(backend ?? null)}`); process.exit(2); }
  const hostsFlag = process.argv.indexOf('--hosts');
  let hosts: string[] = [];
  if (backend === 'xen') {
    const file = hostsFlag > 0 ? process.argv[hostsFlag + 1] : spawnSync('bash', ['scripts/testbeds/xen-testbed.sh', 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout.trim();
    if (!file) process.exit(1);
    hosts = ['--hosts', file];
  }
  for (const set of SETS.filter((x) => SET_BACKENDS[x] === backend)) {
    const r = spawnSync(process.execPath, ['scripts/miglab.mjs', 'validate', `scenarios/validation/${set}.json`, '--backend', backend, ...hosts, '--out', join(ROOT, set)], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

const rows: Row[] = [];
/** Per set: the host's fresh-page time each replay probed just before migrating (real/hostMemoryProbe.ts; recorded since 2026-12-02), seconds a page. */
const hostProbes = new Map<string, number[]>();
/** Sets whose guests' memory was preallocated on both hosts (real.qemu.preallocateMemory): no migrated page is new to its host. */
const preallocatedSets = new Set<string>();
const t0 = performance.now();
const runners = new Map(SETS.map((set) => [set, new SweepRunner(loadSweep(`scenarios/validation/${set}.json`))]));
let runs = 0;
for (const set of SETS) {
  const dir = join(ROOT, set, 'runs');
  if (!existsSync(dir)) { console.error(`${dir}: missing — run with --remeasure on a machine with the QEMU testbed`); continue; }
  for (const name of readdirSync(dir).sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop()))) {
    const measured = JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8')) as RunResult;
    const probe = (measured.measurement as { hostFirstTouchSecondsPerPage?: number | null } | undefined)?.hostFirstTouchSecondsPerPage;
    if (typeof probe === 'number') { if (!hostProbes.has(set)) hostProbes.set(set, []); hostProbes.get(set)!.push(probe); }
    // The inputs as written now in scenarios/validation/<set>.json (run i = its design point), so a
    // change of the model's inputs there is re-checked against every measured run.
    const written = runners.get(set)!.scenarioFor(Number(name.slice(set.length + 1)));
    if (written.real?.qemu?.preallocateMemory) preallocatedSets.add(set);
    // XBZRLE's cache is page-level only: such runs keep page fidelity under --fidelity fluid.
    // A buffer's physical layout (workload.layoutFile) is page-level only: fluid predicts in address order.
    const s = FIDELITY && !(FIDELITY === 'fluid' && written.migration.xbzrle) ? { ...written, fidelity: FIDELITY, workload: FIDELITY === 'fluid' ? withoutLayout(written.workload) : written.workload } : written;
    const predict = (x: typeof s): RunResult => runScenario(x, { keepRounds: false, resolvePath: runners.get(set)!.resolvePath });
    const predicted = predict(s);
    // The main sets' time and bytes again with the write rate 1 % off each way: how well-conditioned each point is.
    const band = FEATURE_SETS.has(set) ? null : rateBand(s, predicted, predict, ['totalTimeSeconds', 'bytesTransferred'] as const, (r, m) => r[m]);
    runs++;
    const point = describe({ ...measured, scenario: written }); // the scenario as written now (a run recorded before a parameter existed lacks it)
    const feature = featureOf(set, written);
    const add = (metric: Metric, m: number, p: number): void => { rows.push({ backend: SET_BACKENDS[set], set, feature, scenario: name, point, metric, measured: m, predicted: p, errorPercent: m === 0 ? (p === 0 ? 0 : null) : ((p - m) / m) * 100 }); };
    for (const metric of METRICS) {
      const m = metric === 'converged' ? (measured.converged ? 1 : 0) : measured[metric];
      const p = metric === 'converged' ? (predicted.converged ? 1 : 0) : predicted[metric];
      add(metric, m, p);
      const b = band && (metric === 'totalTimeSeconds' || metric === 'bytesTransferred') ? band.get(metric)! : null;
      if (b) rows[rows.length - 1].band = b;
    }
    rows[rows.length - METRICS.length].outcome = { measured: outcome(measured), predicted: outcome(predicted) };
    for (const [metric, get] of Object.entries(FEATURE_METRICS)) {
      const m = get(measured), p = get(predicted);
      if (m !== undefined && p !== undefined) add(metric as Metric, m, p);
    }
  }
}
const seconds = (performance.now() - t0) / 1000;


function describe(r: RunResult): string {
  const s = r.scenario, w = s.workload as Record<string, unknown>;
  const size = w.bufferMiB ?? w.workingSetMiB;
  const kind = w.type === 'sweep' ? 'seq' : w.type === 'uniform' ? 'rand' : w.type === 'hotcold' ? `hot${w.hotSetMiB}/${Math.round(Number(w.hotWriteFraction) * 100)}%` : String(w.type);
  const what = `${s.vm.memoryMiB} MiB, ${kind}${size !== undefined ? ` ${size} MiB` : ''}${w.writesPerSecond !== undefined ? ` @${w.writesPerSecond}/s` : ''}`;
  if (r.source === 'xen') return `${what}, meter ${s.network.bandwidthBitsPerSecond / 1e6} Mbit/s`;
  const m = s.migration;
  const cap = m.maxBandwidthBytesPerSecond === null ? 'uncapped' : `cap ${Number(m.maxBandwidthBytesPerSecond) / 1048576} MiB/s`;
  const features = [
    m.autoConverge ? `auto-converge${m.autoConverge.tailslow ? ' tailslow' : ''}${m.autoConverge.initialPercent !== 20 || m.autoConverge.incrementPercent !== 10 ? ` ${m.autoConverge.initialPercent}+${m.autoConverge.incrementPercent}` : ''}, vCPU share ${s.vm.workloadCpuFraction}` : '',
    m.xbzrle ? `XBZRLE ${m.xbzrle.cacheBytes / 1048576} MiB cache, ${s.vm.bytesChangedPerWrite} B/write` : '',
    composition(m).cutoff !== null ? `post-copy at ${m.postcopyAfterSeconds} s` : '',
    m.multifd ? `multifd ×${m.multifd.channels}${m.multifd.compression === 'none' ? '' : ` ${m.multifd.compression} → ${m.multifd.compressedPageBytes} B/page`}` : '',
  ].filter(Boolean);
  return `${what}, ${cap}, limit ${Number(m.downtimeLimitSeconds) * 1000} ms${features.length ? `, ${features.join(', ')}` : ''}`;
}

const abs = (xs: number[]): number[] => xs.map(Math.abs).sort((a, b) => a - b);
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');

// The testbed's own spread: repeated points (same scenario, 3 runs): max/min − 1 per metric; median and max over points.
function spread(metric: Metric): string {
  const byPoint = new Map<string, number[]>();
  for (const r of rows) if (r.set === 'qemu-validation-repeats' && r.metric === metric) byPoint.set(r.point, [...(byPoint.get(r.point) ?? []), r.measured]);
  const s = [...byPoint.values()].filter((v) => v.length > 1 && Math.min(...v) > 0).map((v) => (Math.max(...v) / Math.min(...v) - 1) * 100).sort((a, b) => a - b);
  return s.length ? `${f1(median(s))} % / ${f1(s[s.length - 1])} %` : '—';
}

/**
 * Where the testbed's own spread is wider than the target allows: at a repeated point whose runs
 * span [lo, hi], no single prediction is within (hi − lo) / (hi + lo) of all of them (their midpoint
 * is that far from each end). Per metric: such points, and the largest error of the other runs.
 */
function spreadFloor(metric: Metric, targetPercent: number): string {
  const byPoint = new Map<string, Row[]>();
  for (const r of rows) if (r.set === 'qemu-validation-repeats' && r.metric === metric) byPoint.set(r.point, [...(byPoint.get(r.point) ?? []), r]);
  const wide = [...byPoint.entries()].map(([point, rs]) => {
    const v = rs.map((r) => r.measured), lo = Math.min(...v), hi = Math.max(...v);
    return { point, floor: ((hi - lo) / (hi + lo)) * 100, rs };
  }).filter((p) => p.floor > targetPercent);
  if (wide.length === 0) return '';
  const excluded = new Set(wide.flatMap((p) => p.rs.map((r) => r.scenario)));
  const others = abs(rows.filter((r) => mainSets('qemu').includes(r.set) && r.metric === metric && !excluded.has(r.scenario)).map((r) => r.errorPercent ?? NaN).filter(Number.isFinite));
  return `${metric}: at ${wide.map((p) => `${p.point} (runs ${p.rs.map((r) => formatMetric(metric, r.measured)).join(', ')})`).join('; ')} no single prediction can be within ${wide.map((p) => `${f1(p.floor)} %`).join(', ')} of every run, more than the ${targetPercent} % target; the other runs' largest error is ${f1(others[others.length - 1])} %.`;
}

/**
 * The model's own conditioning (lib/rateBand.ts): per point, how far its prediction moves with the
 * write rate 1 % off either way. Where that is more than the target, no prediction from a nominal
 * rate can promise the target, and what a run can check is whether it lies in the band.
 */
function conditioning(sets: string[], metric: 'totalTimeSeconds' | 'bytesTransferred', targetPercent: number): string {
  const byPoint = new Map<string, Row[]>();
  for (const r of rows) if (sets.includes(r.set) && r.metric === metric && r.band) byPoint.set(r.point, [...(byPoint.get(r.point) ?? []), r]);
  if (byPoint.size === 0) return '';
  const width = (r: Row): number => (Math.max(r.band![1] - r.predicted, r.predicted - r.band![0]) / r.predicted) * 100;
  const points = [...byPoint.entries()].map(([point, rs]) => ({ point, rs, width: Math.max(...rs.map(width)) }));
  const wide = points.filter((p) => p.width > targetPercent), narrow = points.filter((p) => p.width <= targetPercent);
  const narrowErrs = abs(narrow.flatMap((p) => p.rs.map((r) => r.errorPercent ?? NaN)).filter(Number.isFinite));
  const pct = (x: number): string => `${x >= 0 ? '+' : '−'}${f1(Math.abs(x))} %`;
  const described = wide.map((p) => {
    const r0 = p.rs[0], [lo, hi] = r0.band!;
    const inside = p.rs.filter((r) => r.measured >= lo && r.measured <= hi).length;
    return `at ${p.point} it spans ${formatMetric(metric, lo)}–${formatMetric(metric, hi)} (${pct(((lo - r0.predicted) / r0.predicted) * 100)} / ${pct(((hi - r0.predicted) / r0.predicted) * 100)} around ${formatMetric(metric, r0.predicted)}), and ${inside} of ${p.rs.length} runs (${p.rs.map((r) => formatMetric(metric, r.measured)).join(', ')}) lie in it`;
  });
  return `${metric}: a write rate up to ${RATE_BAND_FRACTION * 100} % off moves the prediction by at most ${f1(Math.max(0, ...narrow.map((p) => p.width)))} % at ${narrow.length} of ${points.length} points, where the largest error is ${f1(narrowErrs[narrowErrs.length - 1] ?? NaN)} %${described.length ? `; ${described.join('; ')}` : ''}.`;
}

/** Issue 12's downtime target for one run: within max(2 ms, 15 %) of the measured downtime. */
const downtimeWithinTarget = (r: Row): boolean => Math.abs(r.predicted - r.measured) <= Math.max(0.002, 0.15 * r.measured);

/**
 * The targets proposed in place of issue 12's where the testbed and the model's conditioning rule
 * them out (README, *Replay on real QEMU*): time and bytes within 8 % or, where a 1 % error in the
 * write rate moves the prediction further than that, inside that band (lib/rateBand.ts); downtime
 * within max(2 ms, 15 %) for at least two thirds of the runs (the testbed's own spread at one
 * final-pass size is 1.5-3x on the VMs measured).
 */
function proposedTargets(mine: Row[]): string {
  const within8 = (r: Row): boolean => r.errorPercent !== null && Math.abs(r.errorPercent) <= 8;
  const inBand = (r: Row): boolean => r.band !== undefined && r.measured >= r.band[0] && r.measured <= r.band[1];
  const part = (metric: 'totalTimeSeconds' | 'bytesTransferred'): string => {
    const rs = mine.filter((r) => r.metric === metric);
    const ok = rs.filter((r) => within8(r) || inBand(r)).length, banded = rs.filter((r) => !within8(r) && inBand(r)).length;
    return `${metric} within 8 % or inside its ±${RATE_BAND_FRACTION * 100} % rate band at ${ok} of ${rs.length} runs${banded ? ` (${banded} by the band)` : ''}`;
  };
  const down = mine.filter((r) => r.metric === 'downtimeSeconds' && r.measured > 0);
  const downOk = down.filter(downtimeWithinTarget).length;
  return `Against the proposed targets: ${part('totalTimeSeconds')}; ${part('bytesTransferred')}; downtime within max(2 ms, 15 %) at ${downOk} of the ${down.length} runs that switched over (${downOk * 3 >= down.length * 2 ? 'meets' : 'short of'} the proposed two thirds).`;
}

/**
 * What the replays' hosts took to back a fresh page (the probe each replay records), where they
 * recorded it: on a VM whose host takes freed memory back it drifts, and with it the cost of zero
 * pages and of pages new to the destination (README, *Hosts whose memory drifts*).
 */
function hostMemoryLine(sets: string[]): string {
  const probes = sets.flatMap((x) => hostProbes.get(x) ?? []);
  if (probes.length === 0) return '';
  const us = (x: number): string => (x * 1e6).toFixed(1);
  return `\nThe hosts' memory during the replay: ${us(Math.min(...probes))}–${us(Math.max(...probes))} µs to back a fresh page (median ${us(median(probes))}, ${probes.length} runs; \`measurement.hostFirstTouchSecondsPerPage\`)${sets.every((x) => preallocatedSets.has(x)) ? ' — guest memory preallocated, so none of it was paid during the migration' : ''}.\n`;
}

function section({ backend, title, sets }: Group): string {
  const mine = rows.filter((r) => sets.includes(r.set));
  if (mine.length === 0) return '';
  const runsHere = new Set(mine.map((r) => `${r.set}/${r.scenario}`)).size;
  const hasRepeats = sets.includes('qemu-validation-repeats');
  const lines = [`| metric | runs | median \\|error\\| | max \\|error\\| | target |${hasRepeats ? ' testbed spread (8 points × 3 runs: max/min − 1, median / max) |' : ''}`, `|---|---|---|---|---|${hasRepeats ? '---|' : ''}`];
  const tail = (metric: Metric): string => (hasRepeats ? ` ${spread(metric)} |` : '');
  for (const metric of METRICS) {
    const rs = mine.filter((r) => r.metric === metric);
    if (metric === 'converged') {
      lines.push(`| converged / cancelled | ${rs.length} | — | ${rs.filter((r) => r.measured !== r.predicted).length} wrong | every call right |${hasRepeats ? ' — |' : ''}`);
      continue;
    }
    if (metric === 'rounds') {
      lines.push(`| passes (rounds) | ${rs.length} | exact in ${rs.filter((r) => r.measured === r.predicted).length} | off by ${Math.max(...rs.map((r) => Math.abs(r.predicted - r.measured)))} at most | exact |${tail(metric)}`);
      continue;
    }
    const errs = abs(rs.map((r) => r.errorPercent ?? NaN).filter(Number.isFinite));
    const target = metric === 'downtimeSeconds' ? 'within max(2 ms, 15 %)' : 'median 3 %, max 8 %';
    const extra = metric === 'downtimeSeconds' ? ` (${rs.filter(downtimeWithinTarget).length} of ${rs.length} within target)` : '';
    lines.push(`| ${metric} | ${rs.length} | ${f1(median(errs))} % | ${f1(errs[errs.length - 1])} %${extra} | ${target} |${tail(metric)}`);
  }
  const worst = mine.filter((r) => (r.metric === 'totalTimeSeconds' || r.metric === 'bytesTransferred' || (backend === 'xen' && r.metric === 'downtimeSeconds')) && r.errorPercent !== null).sort((a, b) => Math.abs(b.errorPercent!) - Math.abs(a.errorPercent!)).slice(0, 8);
  const floors = hasRepeats ? (['totalTimeSeconds', 'bytesTransferred'] as const).map((m) => spreadFloor(m, 8)).filter(Boolean) : [];
  const conditioned = (['totalTimeSeconds', 'bytesTransferred'] as const).map((m) => conditioning(sets, m, 8)).filter(Boolean);
  return `## ${title}: ${runsHere} runs (${sets.join(', ')})

${lines.join('\n')}

${proposedTargets(mine)}
${hostMemoryLine(sets)}${floors.length ? `\nThe testbed's spread against the target: ${floors.join(' ')}\n` : ''}${conditioned.length ? `\nThe model's conditioning (each run predicted again with its write rate up to ${RATE_BAND_FRACTION * 100} % lower and higher; nothing fitted): ${conditioned.join(' ')}\n` : ''}
Largest errors:

| run | point | metric | measured | predicted | error |
|---|---|---|---|---|---|
${worst.map((r) => `| ${r.set}/${r.scenario} | ${r.point} | ${r.metric} | ${formatMetric(r.metric, r.measured)} | ${formatMetric(r.metric, r.predicted)} | ${r.errorPercent! >= 0 ? '+' : ''}${r.errorPercent!.toFixed(1)} % |`).join('\n')}
`;
}
/** QEMU's convergence features: one table row per feature and metric, then every run. */
function featureSection(): string {
  const mine = rows.filter((r) => FEATURE_SETS.has(r.set));
  if (mine.length === 0) return '';
  const features = [...new Set(mine.map((r) => r.feature))];
  const runsOf = (f: string): number => new Set(mine.filter((r) => r.feature === f).map((r) => r.scenario)).size;
  const stat = (f: string, metric: Metric): string => {
    const errs = abs(mine.filter((r) => r.feature === f && r.metric === metric).map((r) => r.errorPercent ?? NaN).filter(Number.isFinite));
    return errs.length ? `${f1(median(errs))} % / ${f1(errs[errs.length - 1])} %` : '—';
  };
  const downtime = (f: string): string => {
    const rs = mine.filter((r) => r.feature === f && r.metric === 'downtimeSeconds' && r.measured > 0);
    return rs.length ? `${rs.filter(downtimeWithinTarget).length} of ${rs.length}` : '—';
  };
  const wrong = (f: string): number => mine.filter((r) => r.feature === f && r.metric === 'converged' && r.measured !== r.predicted).length;
  const lines = ['| feature | runs | total time: median / max \\|error\\| | bytes: median / max | downtime within max(2 ms, 15 %) | converge/cancel calls wrong | throttle reached: median / max | XBZRLE hits: median / max |', '|---|---|---|---|---|---|---|---|'];
  for (const f of features) lines.push(`| ${f} | ${runsOf(f)} | ${stat(f, 'totalTimeSeconds')} | ${stat(f, 'bytesTransferred')} | ${downtime(f)} | ${wrong(f)} | ${stat(f, 'throttleMaxPercent')} | ${stat(f, 'xbzrlePages')} |`);
  const perRun = mine.filter((r) => r.metric === 'totalTimeSeconds').map((t) => {
    const get = (metric: Metric) => mine.find((r) => r.scenario === t.scenario && r.metric === metric);
    const b = get('bytesTransferred')!, th = get('throttleMaxPercent'), xh = get('xbzrlePages');
    const o = t.outcome!;
    const pct = (r: Row | undefined): string => (r && r.errorPercent !== null ? `${r.errorPercent >= 0 ? '+' : ''}${r.errorPercent.toFixed(1)} %` : '—');
    return `| ${t.set}/${t.scenario} | ${t.point} | ${o.measured}${o.measured === o.predicted ? '' : ` (predicted ${o.predicted})`} | ${formatMetric('totalTimeSeconds', t.measured)} (${pct(t)}) | ${formatMetric('bytesTransferred', b.measured)} (${pct(b)}) | ${th ? `${th.measured} % (predicted ${th.predicted} %)` : '—'} | ${xh ? `${xh.measured} (${pct(xh)})` : '—'} |`;
  });
  return `## QEMU 10 convergence features (issue 14): ${new Set(mine.map((r) => r.scenario)).size} runs (${[...FEATURE_SETS].join(', ')})

${lines.join('\n')}

| run | point | measured | total time (error) | bytes (error) | throttle reached | XBZRLE hits (error) |
|---|---|---|---|---|---|---|
${perRun.join('\n')}
`;
}
const table = `# Validation: miglab against real hypervisors, from nominal inputs

${runs} real runs (\`scenarios/validation/\`), re-predicted in ${seconds.toFixed(2)} s by \`npm run validation\` from each
scenario as written — nothing measured per run: the dirtier's nominal rate and buffer, the nominal
caps and limits, and what a researcher measures once per guest image or host pair (QEMU: the
image's footprint and memory map, \`miglab testbed qemu --measure-footprint\`; its idle dirt per
sync, \`scripts/experiments/qemu-calibration.ts\`; a buffer's layout per size,
\`scripts/experiments/qemu-buffer-layout.ts\`; the switchover and, where measured, the destination's first touch, \`--measure-switchover\` (with \`--preallocate\` for the set whose guests' memory is preallocated); Xen: the
idle guest's switchover, \`miglab testbed xen --measure-switchover\`) — at ${FIDELITY ?? 'the fidelity each scenario states'}${FIDELITY === 'fluid' ? ' (buffer layouts dropped: page level only)' : ''}.

${GROUPS.map(section).filter(Boolean).join('\n')}
${featureSection()}`;
writeFileAtomic(join(OUT, 'README.md'), table);
const cols = ['set', 'scenario', 'point', 'feature', 'metric', 'measured', 'predicted', 'errorPercent'] as const;
const cell = (x: unknown): string => (typeof x === 'number' ? formatNumber(x) : x === null || x === undefined ? '' : String(x));
writeFileAtomic(join(OUT, 'errors.csv'), stringify(rows.map((r) => [...cols.map((c) => cell(r[c])), cell(r.band?.[0]), cell(r.band?.[1])]), { header: true, columns: [...cols, 'predictedLowAtRate1Percent', 'predictedHighAtRate1Percent'] }));

const scatter = predictedVsMeasuredSpec(
  rows.filter((r) => r.metric in PLOTTED_METRICS).map((r) => ({ metric: r.metric, measured: r.measured, predicted: r.predicted, series: r.set, label: r.point, errorPercent: r.errorPercent })),
  'miglab (nominal inputs) vs QEMU 10 and Xen 4.17', `${runs} testbed runs (cancelled ones have no downtime); dashed: y = x; dotted: ±5 %`);
const cdfRows = (['totalTimeSeconds', 'bytesTransferred', 'downtimeSeconds'] as const).flatMap((metric) => {
  const errs = abs(rows.filter((r) => r.metric === metric && r.errorPercent !== null).map((r) => r.errorPercent!));
  return errs.map((e, i) => ({ metric: PLOTTED_METRICS[metric].title.replace(/ \(.*\)$/, ''), absErrorPercent: Math.max(e, 0.01), fraction: (i + 1) / errs.length }));
});
const cdf = {
  title: { text: 'Prediction error, nominal inputs', subtitle: `${runs} testbed runs (QEMU and Xen); share of runs with |error| ≤ x` },
  data: { values: cdfRows }, width: 420, height: 260,
  mark: { type: 'line', interpolate: 'step-after', point: true },
  encoding: {
    x: { field: 'absErrorPercent', type: 'quantitative', scale: { type: 'log' }, title: '|predicted − measured| / measured (%)' },
    y: { field: 'fraction', type: 'quantitative', title: 'share of runs', axis: { format: '%' } },
    color: { field: 'metric', type: 'nominal', title: 'metric' },
  },
} as unknown as VegaLiteSpec;
/**
 * Issue 14's figure (qemu-nonconverging): one guest plain pre-copy cannot migrate, under each of
 * QEMU's remedies; simulated over FIGURE_SEEDS seeds (mean and 95 % CI), the testbed's run on top.
 */
const FIGURE_SET = 'qemu-nonconverging';
const FIGURE_SEEDS = 8;
function featuresFigure(): VegaLiteSpec {
  const dir = join(ROOT, FIGURE_SET, 'runs'); // the measured runs, where they exist
  const runner = runners.get(FIGURE_SET)!;
  const bars: FeatureBar[] = [];
  const order: string[] = [];
  for (let i = 0; i < runner.design.totalRuns; i++) {
    const s = runner.scenarioFor(i);
    const strategy = featureOf(FIGURE_SET, s).replace('plain pre-copy (control)', 'plain pre-copy').replace(' (after pre-copy)', '');
    order.push(strategy);
    const sims = Array.from({ length: FIGURE_SEEDS }, (_, k) => runScenario({ ...s, seed: k + 1 }, { keepRounds: false, resolvePath: runner.resolvePath }));
    const file = join(dir, `${FIGURE_SET}-${i}`, 'summary.json');
    const measured = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunResult) : undefined;
    const cancelled = sims.some((r) => r.status !== 'completed');
    const metrics: [string, (r: RunResult) => number][] = [['total time', (r) => r.totalTimeSeconds], ['downtime', (r) => r.downtimeSeconds * 1000], ['bytes', (r) => r.bytesTransferred / MIB_BYTES]];
    for (const [metric, get] of metrics) {
      const sum = summarize(sims.map(get));
      const note = cancelled ? (metric === 'downtime' ? 'no switchover' : `cancelled at ${s.limits.maxTimeSeconds} s`) : '';
      bars.push({ strategy, metric, mean: sum.mean, ciLow: sum.ciLow, ciHigh: sum.ciHigh, note, ...(measured && !(metric === 'downtime' && measured.status !== 'completed') ? { measured: get(measured) } : {}) });
    }
  }
  return featuresFigureSpec(bars, order, 'A guest plain pre-copy cannot migrate, and QEMU\'s remedies', ['256 MiB guest sweeping 64 MiB at 10,000 pages/s, 32 MiB/s cap (QEMU 10.0, TCG, loopback)', `bars: miglab from nominal inputs, mean of ${FIGURE_SEEDS} seeds, whisker 95 % CI; ◆ the testbed's run`]);
}
const figure = featuresFigure();
for (const [name, spec] of [['predicted-vs-measured', scatter], ['error-cdf', cdf], ['qemu-features', figure]] as [string, VegaLiteSpec][]) {
  const svg = await renderSvg(spec);
  writeFileAtomic(join(OUT, `${name}.svg`), svg);
  writeFileAtomic(join(OUT, `${name}.png`), svgToPng(svg));
}
console.log(table);
console.log(`wrote ${OUT}/README.md, errors.csv, predicted-vs-measured.{svg,png}, error-cdf.{svg,png}`);
