import { stringify } from 'csv-stringify/sync';
import type { RoundRow } from '../../models/migration/recorder.ts';
import type { RunResult } from '../../models/run/result.ts';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJson } from './files.ts';
import { OutputLock, processAlive } from './lock.ts';
import { checkReplaceable, hasHeader, isMiglabJson, prepareOutputDir } from './outputDir.ts';

export const ROUND_COLUMNS: (keyof RoundRow)[] = ['round', 'phase', 'startSeconds', 'durationSeconds', 'pagesSent', 'zeroPagesSent', 'pagesSkipped', 'pagesDirtied', 'bytes'];

/** Numbers in CSV: integers as they are, others with 10 significant digits (stable text). */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(10)));
}

export function roundsCsv(rows: RoundRow[]): string {
  return stringify(rows.map((r) => ROUND_COLUMNS.map((c) => (typeof r[c] === 'number' ? formatNumber(r[c] as number) : r[c]))), { header: true, columns: ROUND_COLUMNS as string[] });
}

export function summaryOf(result: RunResult): Omit<RunResult, 'roundRows' | 'checkpointRows'> {
  const { roundRows: _rows, checkpointRows: _cp, ...summary } = result;
  return summary;
}

export const CHECKPOINT_COLUMNS = ['index', 'instantSeconds', 'full', 'pages', 'bytes', 'pauseSeconds', 'streamSeconds', 'completeSeconds', 'cowFaults', 'peakBufferBytes', 'stolenCpuSeconds'] as const;

export function checkpointsCsv(rows: NonNullable<RunResult['checkpointRows']>): string {
  return stringify(rows.map((r) => CHECKPOINT_COLUMNS.map((c) => (typeof r[c] === 'number' ? formatNumber(r[c] as number) : String(r[c])))), { header: true, columns: [...CHECKPOINT_COLUMNS] });
}

const RUN_FILES = ['summary.json', 'rounds.csv', 'checkpoints.csv'] as const;

/**
 * Writes a run's summary.json, rounds.csv and (with checkpoints) checkpoints.csv into `dir`,
 * holding the folder's run lock. summary.json is what says a run is complete: every file is
 * written in full to a temporary file first, then the old summary.json is removed, the CSVs
 * renamed into place and summary.json last — a run killed at any point leaves either the previous
 * complete results, or CSVs without a summary.json (incomplete, replaced by the next run), never a
 * summary.json beside another run's CSVs. Files miglab did not write are never replaced.
 */
export function writeRunResults(dir: string, result: RunResult, flag = '--out'): { summaryPath: string; roundsPath: string } {
  prepareOutputDir(dir, flag);
  const lock = OutputLock.acquire(dir, 'summary.json');
  const path = (name: (typeof RUN_FILES)[number]): string => join(dir, name);
  const temp = (name: (typeof RUN_FILES)[number]): string => join(dir, `.${name}.${process.pid}.tmp`);
  try {
    checkReplaceable(path('summary.json'), isMiglabJson, 'run summary (summary.json)');
    checkReplaceable(path('rounds.csv'), hasHeader(ROUND_COLUMNS), 'rounds table (rounds.csv)');
    checkReplaceable(path('checkpoints.csv'), hasHeader(CHECKPOINT_COLUMNS), 'checkpoints table (checkpoints.csv)');
    removeDeadTemps(dir);
    writeFileSync(temp('rounds.csv'), roundsCsv(result.roundRows));
    if (result.checkpointRows) writeFileSync(temp('checkpoints.csv'), checkpointsCsv(result.checkpointRows));
    writeFileSync(temp('summary.json'), toJson(summaryOf(result)));
    rmSync(path('summary.json'), { force: true });
    renameSync(temp('rounds.csv'), path('rounds.csv'));
    if (result.checkpointRows) renameSync(temp('checkpoints.csv'), path('checkpoints.csv'));
    else rmSync(path('checkpoints.csv'), { force: true }); // a previous run's, which this one would contradict
    renameSync(temp('summary.json'), path('summary.json'));
  } finally {
    for (const name of RUN_FILES) rmSync(temp(name), { force: true });
    lock.release();
  }
  return { summaryPath: path('summary.json'), roundsPath: path('rounds.csv') };
}

/** Temporary files of runs killed while writing (their process is gone). */
function removeDeadTemps(dir: string): void {
  for (const f of readdirSync(dir)) {
    const m = /^\.(summary\.json|rounds\.csv|checkpoints\.csv)\.(\d+)\.tmp$/.exec(f);
    if (!m) continue;
    if (!processAlive(Number(m[2]))) rmSync(join(dir, f), { force: true });
  }
}
