import { parseArgs } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import { resolve, relative } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { loadSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';
import { SweepExecutor, defaultWorkers, DEFAULT_PARALLEL_AFTER_SECONDS } from '../sweep/execute.ts';
import { CsvAppender, openOutput, outputPaths, writeMeta, type SweepMeta } from '../sweep/output.ts';
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
  --force            replace existing results of another sweep in the output folder
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

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      workers: { type: 'string' }, 'parallel-after': { type: 'string' }, out: { type: 'string' }, shard: { type: 'string' }, slurm: { type: 'boolean' }, tasks: { type: 'string' },
      partition: { type: 'string' }, time: { type: 'string' }, force: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { console.log(sweepHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab sweep: expected one sweep file, got ${positionals.length}\n\n${sweepHelp}`);
  const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new InputError(`--workers: expected a whole number ≥ 1, got ${JSON.stringify(values.workers)}`);
  const parallelAfter = values['parallel-after'] === undefined ? DEFAULT_PARALLEL_AFTER_SECONDS : Number(values['parallel-after']);
  if (!(parallelAfter >= 0) || !Number.isFinite(parallelAfter)) throw new InputError(`--parallel-after: expected seconds ≥ 0, got ${JSON.stringify(values['parallel-after'])}`);
  const loaded = loadSweep(positionals[0]);
  const runner = new SweepRunner(loaded);
  const outDir = resolve(values.out ?? resolve('results', loaded.spec.name));
  const total = runner.design.totalRuns;

  if (values.slurm) {
    const tasks = values.tasks === undefined ? 8 : Number(values.tasks);
    if (!Number.isInteger(tasks) || tasks < 1) throw new InputError(`--tasks: expected a whole number ≥ 1, got ${JSON.stringify(values.tasks)}`);
    await new SweepExecutor(runner, 1).check(); // refuse a broken sweep before queueing anything
    const ids = submitSlurm({ sweepFile: resolve(positionals[0]), outDir, tasks: Math.min(tasks, total), partition: values.partition, time: values.time, workersPerTask: values.workers === undefined ? 1 : workers });
    console.log(`submitted job array ${ids.array} (${Math.min(tasks, total)} shards) and merge job ${ids.merge} (afterok); results: ${relative(process.cwd(), outDir) || '.'}/runs.csv`);
    return 0;
  }

  const shard = values.shard !== undefined ? parseShard(values.shard) : null;
  const executor = new SweepExecutor(runner, workers, parallelAfter);
  try {
    return await runSweep(values, positionals[0], loaded.hash, runner, executor, outDir, shard, total);
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
  const state = openOutput(paths, meta, values.force ?? false);
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
  const progress = progressBar(to - from, resumeFrom - from, values.quiet ?? false);
  try {
    await executor.run(resumeFrom, to, async (text, runs) => { out ??= open(); await out.write(text); progress.tick(runs); });
  } finally {
    progress.stop();
  }
  out ??= open();
  await out.finish({ ...state.meta, finishedAt: new Date().toISOString(), status: 'complete', rows: to - from });
  if (!values.quiet) console.error(`wrote ${paths.csv} (${to - from} runs)`);
  return 0;
}
