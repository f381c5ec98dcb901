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

/** A miglab sweep CSV's axis columns (run, point, replicate, seed, the axes, then the results from status on); none for another CSV. */
export function sweepAxes(t: Table): string[] {
  return t.header.slice(0, 4).join(',') === 'run,point,replicate,seed' && t.header.includes('status') ? t.header.slice(4, t.header.indexOf('status')) : [];
}

/** The sweep axes not in `kept` that take several values in `rows`: a statistic per group of `kept` pools their settings. */
export function pooledAxes(t: Table, kept: string[], rows: string[][] = t.rows): { axis: string; values: string[] }[] {
  return sweepAxes(t).filter((a) => !kept.includes(a)).map((axis) => {
    const i = t.header.indexOf(axis);
    return { axis, values: [...new Set(rows.map((r) => r[i]))] };
  }).filter((p) => p.values.length > 1);
}

/** The stderr warning for one pooled axis (summarize's --by, plot's x and colour). */
export function pooledWarning(t: Table, p: { axis: string; values: string[] }, keptOption: string, remedy = `add it to ${keptOption} to separate them`): string {
  return `warning: ${t.file}: axis ${p.axis} is not in ${keptOption}, so each group pools its ${p.values.length} settings (${p.values.slice(0, 4).join(', ')}${p.values.length > 4 ? ', …' : ''}); the statistics then mix them — ${remedy}`;
}

/**
 * `--where col=value` filters (repeatable): the rows whose cell in each named column equals the
 * value as written in the CSV (numbers compared as numbers, so 32 matches 32.0).
 */
export function whereFilter(t: Table, clauses: string[]): (r: string[]) => boolean {
  const tests = clauses.map((c) => {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new InputError(`--where ${c}: expected COLUMN=VALUE`);
    const i = column(t, c.slice(0, eq), '--where');
    const want = c.slice(eq + 1), wantNum = Number(want);
    const numeric = want.trim() !== '' && Number.isFinite(wantNum);
    return (r: string[]): boolean => r[i] === want || (numeric && r[i].trim() !== '' && Number(r[i]) === wantNum);
  });
  return (r) => tests.every((f) => f(r));
}
