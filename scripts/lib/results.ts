import { stringify } from 'csv-stringify/sync';
import type { RoundRow } from '../../models/migration/recorder.ts';
import type { RunResult } from '../../models/run/result.ts';
import { toJson, writeFileAtomic } from './files.ts';
import { join } from 'node:path';

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

/** Writes summary.json and rounds.csv into `dir`, each atomically. */
export function writeRunResults(dir: string, result: RunResult): { summaryPath: string; roundsPath: string } {
  const summaryPath = join(dir, 'summary.json');
  const roundsPath = join(dir, 'rounds.csv');
  writeFileAtomic(roundsPath, roundsCsv(result.roundRows));
  if (result.checkpointRows) writeFileAtomic(join(dir, 'checkpoints.csv'), checkpointsCsv(result.checkpointRows));
  writeFileAtomic(summaryPath, toJson(summaryOf(result)));
  return { summaryPath, roundsPath };
}
