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

export function summaryOf(result: RunResult): Omit<RunResult, 'roundRows'> {
  const { roundRows: _rows, ...summary } = result;
  return summary;
}

/** Writes summary.json and rounds.csv into `dir`, each atomically. */
export function writeRunResults(dir: string, result: RunResult): { summaryPath: string; roundsPath: string } {
  const summaryPath = join(dir, 'summary.json');
  const roundsPath = join(dir, 'rounds.csv');
  writeFileAtomic(roundsPath, roundsCsv(result.roundRows));
  writeFileAtomic(summaryPath, toJson(summaryOf(result)));
  return { summaryPath, roundsPath };
}
