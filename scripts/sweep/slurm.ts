import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../lib/files.ts';
import { projectRoot } from '../lib/provenance.ts';
import { InputError } from '../../models/input/errors.ts';

/**
 * Slurm back-end: writes two batch scripts into the output folder — a job array whose task i runs
 * `miglab sweep --shard i/N`, and a merge job that depends on the whole array (afterok) — and
 * submits them with sbatch. Seeds depend only on the run index, so the merged CSV equals a local run.
 */
export function submitSlurm(o: { sweepFile: string; outDir: string; tasks: number; partition?: string; time?: string; workersPerTask: number }): { array: string; merge: string } {
  // Nothing a user typed goes into a #SBATCH line (a directive cannot be quoted, and a line break
  // in it would start a command): partition, time and the output paths are sbatch arguments,
  // passed without a shell; the script's one command line quotes every path.
  if (o.partition !== undefined && !/^[A-Za-z0-9_.,+-]+$/.test(o.partition)) throw new InputError(`--partition: expected a Slurm partition name (letters, digits, '_', '.', ',', '+', '-'), got ${JSON.stringify(o.partition)}`);
  if (o.time !== undefined && !/^(\d+(-\d+)?(:\d+){0,2}|UNLIMITED|INFINITE|unlimited|infinite)$/.test(o.time)) throw new InputError(`--time: expected a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got ${JSON.stringify(o.time)}`);
  const common = [...(o.partition ? [`--partition=${o.partition}`] : []), ...(o.time ? [`--time=${o.time}`] : [])];
  mkdirSync(join(o.outDir, 'slurm'), { recursive: true });
  const miglab = resolve(new URL('scripts/miglab.mjs', projectRoot).pathname); // the checkout's command, also from compiled code
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const arrayScript = `#!/bin/bash
#SBATCH --job-name=miglab-sweep
#SBATCH --array=0-${o.tasks - 1}
#SBATCH --cpus-per-task=${o.workersPerTask}
set -euo pipefail
exec ${q(process.execPath)} ${q(miglab)} sweep ${q(o.sweepFile)} --shard "$SLURM_ARRAY_TASK_ID/${o.tasks}" --workers ${o.workersPerTask} --out ${q(o.outDir)} --quiet
`;
  const mergeScript = `#!/bin/bash
#SBATCH --job-name=miglab-merge
set -euo pipefail
exec ${q(process.execPath)} ${q(miglab)} merge ${q(o.outDir)} --shards ${o.tasks}
`;
  const arrayPath = join(o.outDir, 'slurm', 'array.sbatch');
  const mergePath = join(o.outDir, 'slurm', 'merge.sbatch');
  writeFileAtomic(arrayPath, arrayScript);
  writeFileAtomic(mergePath, mergeScript);
  const sbatch = (args: string[]): string => {
    try {
      return execFileSync('sbatch', ['--parsable', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(';')[0];
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') throw new InputError('--slurm: sbatch was not found on PATH (is this a Slurm login node?)');
      throw new InputError(`--slurm: sbatch failed: ${(err.stderr ?? String(e)).trim()}`);
    }
  };
  const logDir = join(o.outDir, 'slurm').replace(/%/g, '%%'); // sbatch expands % patterns in --output
  const array = sbatch([...common, `--output=${logDir}/shard-%a.out`, arrayPath]);
  const merge = sbatch([...common, `--output=${logDir}/merge.out`, `--dependency=afterok:${array}`, mergePath]);
  return { array, merge };
}
