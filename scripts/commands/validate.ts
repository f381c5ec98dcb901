import { parseArgs } from 'node:util';
import { readJsonInput } from '../../models/input/readFile.ts';
import { unmodelledWarnings } from '../../models/run/unmodelled.ts';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../../models/input/errors.ts';
import { loadScenario } from '../../models/scenario/load.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import { compare, type ValidationRow } from '../../real/validation.ts';
import { loadSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';
import { writeFileAtomic, toJson } from '../lib/files.ts';
import { formatNumber, writeRunResults } from '../lib/results.ts';
import { htmlPage, renderSvg, svgToPng } from '../lib/plot.ts';
import { PLOTTED_METRICS, formatMetric, predictedVsMeasuredSpec, type PlotPoint } from '../lib/validationPlot.ts';
import { backendFor, progress } from './replay.ts';
import { loadHosts } from '../../real/hosts.ts';

export const validateHelp = `miglab validate <scenario.json | sweep.json> --backend qemu|xen [--hosts FILE] [--out DIR]

Replays each scenario (every design point of a sweep, one after another) on the real hypervisor,
simulates it from its nominal inputs and from the inputs the real run achieved, and writes
validation.csv (measured vs predicted with % error per metric: total time, downtime, bytes,
passes, converged; with a checkpoint section also the checkpoints' mean pause and the first
checkpoint's duration and bytes), validation.json, the measured runs, and predicted-vs-measured.{svg,png,html}.`;

export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { backend: { type: 'string' }, hosts: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(validateHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab validate: expected one scenario or sweep file, got ${positionals.length}\n\n${validateHelp}`);
  const backend = backendFor(values.backend);
  const hosts = values.hosts === undefined ? undefined : loadHosts(values.hosts, backend.name);
  const file = positionals[0];
  const raw = readJsonInput(file, 'scenario or sweep file');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${file}: (top level): expected a scenario or sweep object, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`);
  let scenarios: Scenario[];
  let name: string;
  /** Resolves a scenario's file paths (a trace, a layout, a map) as its own file does. */
  let resolvePath: (p: string) => string;
  if ('axes' in raw && 'base' in raw) {
    const runner = new SweepRunner(loadSweep(file));
    runner.checkPoints(0, runner.design.points.length);
    scenarios = Array.from({ length: runner.design.totalRuns }, (_, i) => ({ ...runner.scenarioFor(i), name: `${runner.sweep.spec.name}-${i}` }));
    name = runner.sweep.spec.name;
    resolvePath = runner.resolvePath;
  } else {
    const loaded = loadScenario(file);
    scenarios = [loaded.scenario];
    name = loaded.scenario.name;
    resolvePath = (p) => resolve(loaded.baseDir, p);
  }
  const dir = resolve(values.out ?? join('results', name, `validate-${backend.name}`));
  await backend.prepare();
  const rows: ValidationRow[] = [];
  const runs: unknown[] = [];
  for (const [i, s] of scenarios.entries()) {
    progress(`[${i + 1}/${scenarios.length}] ${s.name}`);
    const measured = await backend.replay(s, { workDir: join(tmpdir(), `miglab-validate-${process.pid}`), log: progress, hosts });
    writeRunResults(join(dir, 'runs', s.name), measured);
    const c = compare(s, measured, resolvePath);
    rows.push(...c.rows);
    const warnings = unmodelledWarnings(s);
    for (const w of warnings) progress(`warning: ${s.name}: ${w}`);
    runs.push({ scenario: s.name, status: measured.status, integrity: measured.measurement?.integrity, achieved: measured.measurement?.achieved, rows: c.rows, ...(warnings.length ? { warnings } : {}) });
  }
  const cols: (keyof ValidationRow)[] = ['scenario', 'metric', 'measured', 'predictedNominal', 'errorNominalPercent', 'predictedAchieved', 'errorAchievedPercent'];
  writeFileAtomic(join(dir, 'validation.csv'), stringify(rows.map((r) => cols.map((c) => (typeof r[c] === 'number' ? formatNumber(r[c] as number) : r[c] === null ? '' : String(r[c])))), { header: true, columns: cols }));
  writeFileAtomic(join(dir, 'validation.json'), toJson({ backend: backend.name, source: file, runs }));
  const plotted = rows.filter((r) => r.metric in PLOTTED_METRICS);
  const points: PlotPoint[] = plotted.flatMap((r) => [
    { metric: r.metric, measured: r.measured, predicted: r.predictedNominal, series: 'nominal inputs', label: r.scenario, errorPercent: r.errorNominalPercent },
    { metric: r.metric, measured: r.measured, predicted: r.predictedAchieved, series: 'achieved inputs', label: r.scenario, errorPercent: r.errorAchievedPercent },
  ]);
  const spec = predictedVsMeasuredSpec(points, `miglab vs ${backend.name}`, `${scenarios.length} run(s); dashed: y = x; dotted: ±5 %; runs without downtime (cancelled) left out`);
  const svg = await renderSvg(spec);
  writeFileAtomic(join(dir, 'predicted-vs-measured.svg'), svg);
  writeFileAtomic(join(dir, 'predicted-vs-measured.png'), svgToPng(svg));
  writeFileAtomic(join(dir, 'predicted-vs-measured.html'), htmlPage('miglab validation', [{ heading: `${backend.name}: predicted vs measured`, spec }]));
  const w = (x: number | null): string => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`);
  console.log(['scenario'.padEnd(28) + 'metric'.padEnd(24) + 'measured'.padStart(13) + 'nominal'.padStart(13) + 'err'.padStart(10) + 'achieved'.padStart(13) + 'err'.padStart(10),
    ...rows.map((r) => r.scenario.slice(0, 27).padEnd(28) + r.metric.padEnd(24) + formatMetric(r.metric, r.measured).padStart(13) + formatMetric(r.metric, r.predictedNominal).padStart(13) + w(r.errorNominalPercent).padStart(10) + formatMetric(r.metric, r.predictedAchieved).padStart(13) + w(r.errorAchievedPercent).padStart(10))].join('\n'));
  console.log(`\nwrote ${join(dir, 'validation.csv')} and predicted-vs-measured.{svg,png,html}`);
  return 0;
}
