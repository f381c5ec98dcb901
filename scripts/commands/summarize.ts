import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../../models/input/errors.ts';
import { readTable, column, numericColumns, sweepAxes, pooledAxes, pooledWarning } from '../lib/csvTable.ts';
import { summarize } from '../lib/stats.ts';
import { formatNumber } from '../lib/results.ts';
import { writeFileAtomic } from '../lib/files.ts';

export const summarizeHelp = `miglab summarize <runs.csv> --by col1,col2 [--metrics m1,m2] [--out FILE]

Per group of the --by columns and per metric: n, mean, std, 95 % confidence interval of the mean,
min, max. The interval is mean ± t(0.975, n − 1) · std / √n over the group's runs (Student t; the
runs of a group are taken as independent replicates — true for a sweep's seeds, not when the group
pools several settings of an axis). Metrics default to every numeric result column; a sweep's axis
columns are inputs, never metrics. An axis left out of --by that varies in the CSV is pooled: its
settings are mixed in every group, and a warning on stderr names it. Prints CSV on stdout, or writes
FILE.`;

const IDS = new Set(['run', 'point', 'replicate', 'seed']);

export async function summarizeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { by: { type: 'string' }, metrics: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(summarizeHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab summarize: expected one CSV file, got ${positionals.length}\n\n${summarizeHelp}`);
  const t = readTable(positionals[0]);
  const by = (values.by ?? '').split(',').filter(Boolean);
  const byIdx = by.map((b) => column(t, b, '--by'));
  const axes = sweepAxes(t);
  const metrics = values.metrics ? values.metrics.split(',').filter(Boolean) : numericColumns(t).filter((c) => !by.includes(c) && !IDS.has(c) && !axes.includes(c));
  for (const m of metrics) if (axes.includes(m)) throw new InputError(`--metrics ${m}: an axis of the sweep (an input), not a result; put it in --by to group by it`);
  const mIdx = metrics.map((m) => column(t, m, '--metrics'));
  for (const p of pooledAxes(t, by)) console.error(pooledWarning(t, p, '--by'));
  const groups = new Map<string, string[][]>();
  for (const r of t.rows) {
    const key = JSON.stringify(byIdx.map((i) => r[i]));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const out: string[][] = [];
  for (const [key, rows] of groups) {
    const keyVals = JSON.parse(key) as string[];
    metrics.forEach((m, k) => {
      const xs = rows.map((r) => r[mIdx[k]]).filter((v) => v !== '').map(Number);
      if (xs.some((x) => !Number.isFinite(x))) throw new InputError(`--metrics ${m}: not a numeric column in ${t.file}`);
      if (xs.length === 0) return;
      const s = summarize(xs);
      out.push([...keyVals, m, String(s.n), ...[s.mean, s.std, s.ciLow, s.ciHigh, s.min, s.max].map(formatNumber)]);
    });
  }
  const csv = stringify(out, { header: true, columns: [...by, 'metric', 'n', 'mean', 'std', 'ci95Low', 'ci95High', 'min', 'max'] });
  if (values.out) writeFileAtomic(values.out, csv);
  else process.stdout.write(csv);
  return 0;
}
