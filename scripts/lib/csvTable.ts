import { readInputFile } from '../../models/input/readFile.ts';
import { parse } from 'csv-parse/sync';
import { InputError } from '../../models/input/errors.ts';

/** A CSV file as header + string rows. */
export interface Table { file: string; header: string[]; rows: string[][] }

export function readTable(file: string): Table {
  const text = readInputFile(file, 'CSV file', 'csvFileBytes');
  let records: string[][];
  try { records = parse(text, { relax_column_count: false }) as string[][]; } catch (e) { throw new InputError(`${file}: not a valid CSV (${(e as Error).message})`); }
  if (records.length === 0) throw new InputError(`${file}: empty CSV (expected a header line)`);
  return { file, header: records[0], rows: records.slice(1) };
}

export function column(t: Table, name: string, option: string): number {
  const i = t.header.indexOf(name);
  if (i < 0) throw new InputError(`${option} ${name}: no such column in ${t.file}; expected one of ${t.header.join(', ')}`);
  return i;
}

/** Columns whose every non-empty cell is a number (and at least one is). */
export function numericColumns(t: Table): string[] {
  return t.header.filter((_, i) => {
    let any = false;
    for (const r of t.rows) { if (r[i] === '') continue; if (!Number.isFinite(Number(r[i]))) return false; any = true; }
    return any;
  });
}
