import { parseArgs } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve, relative } from 'node:path';
import { BOUNDS, boundText } from '../../models/bounds.ts';
import { parseWholeNumber } from '../lib/cliArgs.ts';
import { unmodelledWarnings } from '../../models/run/unmodelled.ts';
import { OutputLock } from '../lib/lock.ts';
import { prepareOutputDirTracked, removeIfEmpty } from '../lib/outputDir.ts';
import { InputError } from '../../models/input/errors.ts';
import { loadSweep, plannedPoints, type LoadedSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';
import { SweepExecutor, defaultWorkers, DEFAULT_PARALLEL_AFTER_SECONDS } from '../sweep/execute.ts';
import { CsvAppender, openOutput, outputPaths, writeMeta, type OutputPaths, type SweepMeta } from '../sweep/output.ts';
import { progressBar } from '../sweep/progress.ts';
import { gitCommit, miglabVersion } from '../lib/provenance.ts';
import { submitSlurm } from '../sweep/slurm.ts';

export const sweepHelp = `miglab sweep <sweep.json> [options]

Runs every design point × replicate of a sweep (schema: scenarios/sweep.schema.json) and writes
results/<name>/runs.csv (one row per run: parameters, seed, metrics, in run order) and sweep.json
(miglab version, git commit, Node version, sweep file hash, start and end time).
Interrupted (even kill -9)? Run the same command again: it continues where it stopped, and the
final CSV is byte-identical to an uninterrupted run.

Options:
  --workers N        computing threads: this one plus up to N − 1 worker threads (default: all
                     cores, ${defaultWorkers()} here); results do not depend on N
  --parallel-after S start the worker threads once the work left is projected to take more than
                     S seconds in this thread (default ${DEFAULT_PARALLEL_AFTER_SECONDS}; a thread costs ≈ 0.3 s to start and
                     warm up, so shorter sweeps run faster without); 0: at once
  --out DIR          output folder (default results/<sweep name>)
  --shard i/N        run only shard i of N (0-based, contiguous blocks of runs): writes
                     runs.shard-i-of-N.csv; combine the shards with \`miglab merge DIR\`
  --slurm            submit a Slurm job array of --tasks shards and a merge job (afterok)
    --tasks N        shards for --slurm (default 8)
    --partition P    Slurm partition;  --time T  time limit per task (e.g. 00:30:00)
  --max-runs N       refuse sweeps planning more than N runs (default ${BOUNDS.sweepRuns.value.toLocaleString('en-US')}: ≈ 3 GB of CSV)
  --force            replace existing results of another sweep in the output folder (never files
                     miglab did not write)
  --quiet            no progress output
  -h, --help         this help`;

export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new InputError(`--shard: expected i/N (e.g. 0/8), got ${JSON.stringify(text)}`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1 || index >= count) throw new InputError(`--shard: expected 0 ≤ i < N, got ${text}`);
  return { index, count };
}

export function shardRange(totalRuns: number, shard: { index: number; count: number }): [number, number] {
  return [Math.floor((shard.index * totalRuns) / shard.count), Math.floor(((shard.index + 1) * totalRuns) / shard.count)];
}

interface SweepValues { shard?: string; slurm?: boolean; tasks?: string; partition?: string; time?: string; workers?: string; force?: boolean; quiet?: boolean }

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      workers: { type: 'string' }, 'parallel-after': { type: 'string' }, out: { type: 'string' }, shard: { type: 'string' }, slurm: { type: 'boolean' }, tasks: { type: 'string' },
      partition: { type: 'string' }, time: { type: 'string' }, force: { type: 'boolean' }, quiet: { type: 'boolean' }, 'max-runs': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { console.log(sweepHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab sweep: expected one sweep file, got ${positionals.length}\n\n${sweepHelp}`);
  const maxWorkers = values.slurm ? BOUNDS.slurmWorkers.value : BOUNDS.workersPerCore.value * availableParallelism();
  const workers = values.workers === undefined ? defaultWorkers() : parseWholeNumber('--workers', values.workers, 1, Number.MAX_SAFE_INTEGER);
  if (workers > maxWorkers) throw new InputError(`--workers: ${workers} threads${values.slurm ? ' per Slurm task' : ` on this machine's ${availableParallelism()} cores`}; ${boundText(values.slurm ? 'slurmWorkers' : 'workersPerCore')}`);
  const maxRuns = values['max-runs'] === undefined ? BOUNDS.sweepRuns.value : parseWholeNumber('--max-runs', values['max-runs'], 1, 2 ** 31 - 1);
  const parallelAfter = values['parallel-after'] === undefined ? DEFAULT_PARALLEL_AFTER_SECONDS : Number(values['parallel-after']);
  if (!(parallelAfter >= 0) || !Number.isFinite(parallelAfter)) throw new InputError(`--parallel-after: expected seconds ≥ 0, got ${JSON.stringify(values['parallel-after'])}`);
  const loaded = loadSweep(positionals[0]);
  const planned = plannedPoints(loaded.spec) * loaded.spec.replicates;
  if (planned > maxRuns) throw new InputError(`${positionals[0]}: the sweep plans ${planned.toLocaleString('en-US')} runs (design points × replicates), more than ${maxRuns.toLocaleString('en-US')}; ${boundText('sweepRuns')}`);
  const runner = new SweepRunner(loaded);
  if (!values.quiet && runner.design.points.length > 0) {
    try { for (const w of unmodelledWarnings(runner.scenarioFor(0))) console.error(`warning: ${positionals[0]} (design point 0): ${w}`); } catch { /* an invalid point is reported by the check */ }
  }
  const out = prepareOutputDirTracked(values.out ?? resolve('results', loaded.spec.name), values.out !== undefined ? '--out' : 'output folder');
  try {
    return await sweepInto(out.path, values, positionals[0], loaded, runner, workers, parallelAfter);
  } catch (e) {
    removeIfEmpty(out.created); // a refused sweep leaves no folder behind
    throw e;
  }
}

async function sweepInto(outDir: string, values: SweepValues, sweepFile: string, loaded: LoadedSweep, runner: SweepRunner, workers: number, parallelAfter: number): Promise<number> {
  const total = runner.design.totalRuns;

  if (values.slurm) {
    const tasks = values.tasks === undefined ? 8 : parseWholeNumber('--tasks', values.tasks, 1, 1_000_000);
    await new SweepExecutor(runner, 1).check(); // refuse a broken sweep before queueing anything
    const ids = submitSlurm({ sweepFile: resolve(sweepFile), outDir, tasks: Math.min(tasks, total), partition: values.partition, time: values.time, workersPerTask: values.workers === undefined ? 1 : workers });
    console.log(`submitted job array ${ids.array} (${Math.min(tasks, total)} shards) and merge job ${ids.merge} (afterok); results: ${relative(process.cwd(), outDir) || '.'}/runs.csv`);
    return 0;
  }

  const shard = values.shard !== undefined ? parseShard(values.shard) : null;
  const executor = new SweepExecutor(runner, workers, parallelAfter);
  try {
    return await runSweep(values, sweepFile, loaded.hash, runner, executor, outDir, shard, total);
  } finally {
    await executor.close();
  }
}

async function runSweep(values: { force?: boolean; quiet?: boolean }, sweepFile: string, hash: string, runner: SweepRunner, executor: SweepExecutor, outDir: string, shard: { index: number; count: number } | null, total: number): Promise<number> {
  const [from, to] = shard ? shardRange(total, shard) : [0, total];
  const paths = outputPaths(outDir, shard);
  const meta: SweepMeta = {
    tool: 'miglab', miglabVersion: miglabVersion(), gitCommit: gitCommit(), nodeVersion: process.version, sweepFile: resolve(sweepFile), sweepHash: hash,
    header: runner.header, totalRuns: total, shard: shard ? { ...shard, fromRun: from, toRun: to } : null, startedAt: new Date().toISOString(), finishedAt: null, status: 'running', rows: 0,
  };
  // One writer per output: a second sweep into the same CSV is refused while this one runs.
  const lock = OutputLock.acquire(outDir, basename(paths.csv));
  try {
    return await writeSweep(values, runner, executor, paths, meta, from, to);
  } finally {
    lock.release();
  }
}

async function writeSweep(values: { force?: boolean; quiet?: boolean }, runner: SweepRunner, executor: SweepExecutor, paths: OutputPaths, meta: SweepMeta, from: number, to: number): Promise<number> {
  const state = await openOutput(paths, meta, values.force ?? false);
  if (state.kind === 'complete') {
    console.error(`${paths.csv} is already complete (${state.meta.rows} runs); nothing to do.`);
    return 0;
  }
  const resumeFrom = from + state.resumeFromRow;
  if (state.resumeFromRow > 0 && !values.quiet) console.error(`resuming at run ${resumeFrom} (${state.resumeFromRow} of ${to - from} already in ${paths.partial})`);
  // The lanes start simulating at once while this thread checks every design point; nothing is
  // written until the check has passed.
  let out: CsvAppender | null = null;
  const open = (): CsvAppender => {
    writeMeta(paths, state.meta);
    const writeHeader = !existsSync(paths.partial) || statSync(paths.partial).size === 0 || values.force === true;
    return new CsvAppender(paths, runner.header, writeHeader);
  };
  // The progress bar appears with the first results: only once every design point has passed its check.
  let progress: ReturnType<typeof progressBar> | null = null;
  try {
    await executor.run(resumeFrom, to, async (text, runs) => {
      out ??= open();
      await out.write(text);
      progress ??= progressBar(to - from, resumeFrom - from, values.quiet ?? false);
      progress.tick(runs);
    });
  } finally {
    (progress as ReturnType<typeof progressBar> | null)?.stop();
  }
  out ??= open();
  await out.finish({ ...state.meta, finishedAt: new Date().toISOString(), status: 'complete', rows: to - from });
  if (!values.quiet) console.error(`wrote ${paths.csv} (${to - from} runs)`);
  return 0;
}
