import { parseArgs } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { readTable, column, pooledAxes, pooledWarning, whereFilter } from '../lib/csvTable.ts';
import { summarize } from '../lib/stats.ts';
import { htmlPage, renderSvg, svgToPng, type VegaLiteSpec } from '../lib/plot.ts';
import { writeFileAtomic } from '../lib/files.ts';
import { columnTitle } from '../lib/columnTitle.ts';

export const plotHelp = `miglab plot <runs.csv> --x COL --y COL [options]

Plots a sweep CSV: line and bar plots show the mean of y per x (and color) with a 95 % confidence
band / error bar (mean ± t(0.975, n − 1) · std / √n over the runs of a point); scatter shows every
run; cdf shows the distribution of y. A sweep axis that is neither x, the colour nor fixed by --where
but varies is pooled into each point: a warning names it and the subtitle says so. Writes PREFIX.svg,
PREFIX.png and PREFIX.html (self-contained).

Options:
  --color COL        one series per value of COL
  --kind K           line (default), scatter, bar or cdf
  --where COL=VALUE  only the runs with that value of COL (repeatable), e.g. to fix an axis
  --log-x, --log-y   log axes (default: log when the values are positive and span ≥ 100×)
  --linear           never use log axes
  --title TEXT       plot title
  --out PREFIX       output path without extension (default: <csv folder>/<y>-vs-<x>)`;

export async function plotCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { x: { type: 'string' }, y: { type: 'string' }, color: { type: 'string' }, kind: { type: 'string' }, 'log-x': { type: 'boolean' }, 'log-y': { type: 'boolean' }, linear: { type: 'boolean' }, title: { type: 'string' }, where: { type: 'string', multiple: true }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { console.log(plotHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab plot: expected one CSV file, got ${positionals.length}\n\n${plotHelp}`);
  const kind = values.kind ?? 'line';
  if (!['line', 'scatter', 'bar', 'cdf'].includes(kind)) throw new InputError(`--kind: expected line, scatter, bar or cdf, got ${JSON.stringify(kind)}`);
  if (!values.y) throw new InputError('--y: expected a column name, got nothing');
  if (!values.x && kind !== 'cdf') throw new InputError('--x: expected a column name, got nothing');
  const t = readTable(positionals[0]);
  const yi = column(t, values.y, '--y');
  const xi = values.x ? column(t, values.x, '--x') : -1;
  const ci = values.color ? column(t, values.color, '--color') : -1;
  const num = (s: string, col: string): number => {
    const v = Number(s);
    if (s === '' || !Number.isFinite(v)) throw new InputError(`${col}: expected numbers in ${t.file}, got ${JSON.stringify(s)}`);
    return v;
  };
  const series = (r: string[]): string => (ci >= 0 ? r[ci] : values.y!);
  const autoLog = (xs: number[]): boolean => !values.linear && xs.length > 0 && xs.every((v) => v > 0) && Math.max(...xs) / Math.min(...xs) >= 100;
  let data: Record<string, string | number>[];
  let spec: VegaLiteSpec;
  const title = values.title ?? `${columnTitle(values.y!)}${values.x ? ` vs ${columnTitle(values.x)}` : ''}`;
  const xTitle = values.x ? columnTitle(values.x) : '', yTitle = columnTitle(values.y!);
  // A numeric colour field (a memory size, a rate) is ordered by value, not as text ("256" before "1024").
  const seriesValues = [...new Set(t.rows.map((r) => (ci >= 0 ? r[ci] : values.y!)))];
  const numericSeries = ci >= 0 && seriesValues.every((v) => v !== '' && Number.isFinite(Number(v)));
  const colorEnc = { field: 'series', type: numericSeries ? 'ordinal' : 'nominal', title: values.color ? columnTitle(values.color) : null, ...(numericSeries ? { sort: seriesValues.sort((a, b) => Number(a) - Number(b)), scale: { scheme: 'tableau10' } } : {}) };
  const where = whereFilter(t, values.where ?? []);
  const rows = t.rows.filter((r) => r[yi] !== '' && where(r));
  if (rows.length === 0 && (values.where ?? []).length > 0) throw new InputError(`--where ${values.where!.join(' --where ')}: no run of ${t.file} matches`);
  // Line, bar and cdf summarise several runs per point: say which axes they pool.
  const fixed = (values.where ?? []).map((c) => c.slice(0, c.indexOf('=')));
  const pooled = kind === 'scatter' ? [] : pooledAxes(t, [values.x ?? '', values.color ?? '', ...fixed], rows);
  for (const p of pooled) console.error(pooledWarning(t, p, kind === 'cdf' ? '--color' : '--x or --color', 'plot it as --color or fix it with --where COL=VALUE'));
  const pooledNote = pooled.length ? [`pools ${pooled.map((p) => `${p.axis} (${p.values.length} settings)`).join(', ')}`] : [];
  let subtitle: string[] = [`${rows.length} runs`, ...pooledNote];
  if (kind === 'cdf') {
    const bySeries = new Map<string, number[]>();
    for (const r of rows) { const k = series(r); (bySeries.get(k) ?? bySeries.set(k, []).get(k)!).push(num(r[yi], values.y!)); }
    data = [...bySeries].flatMap(([k, ys]) => ys.sort((a, b) => a - b).map((y, i) => ({ series: k, y, p: (i + 1) / ys.length })));
    const logY = values['log-y'] || autoLog(data.map((d) => d.y as number));
    spec = { title: { text: title, subtitle }, width: 520, height: 320, data: { values: data }, mark: { type: 'line', interpolate: 'step-after' },
      encoding: { x: { field: 'y', type: 'quantitative', title: yTitle, ...(logY ? { scale: { type: 'log' } } : {}) }, y: { field: 'p', type: 'quantitative', title: 'fraction of runs ≤ value' }, color: colorEnc } } as unknown as VegaLiteSpec;
  } else if (kind === 'scatter') {
    data = rows.map((r) => ({ series: series(r), x: num(r[xi], values.x!), y: num(r[yi], values.y!) }));
    const lx = values['log-x'] || autoLog(data.map((d) => d.x as number)), ly = values['log-y'] || autoLog(data.map((d) => d.y as number));
    spec = { title: { text: title, subtitle }, width: 520, height: 320, data: { values: data }, mark: { type: 'point', filled: true, opacity: 0.6 },
      encoding: { x: { field: 'x', type: 'quantitative', title: xTitle, ...(lx ? { scale: { type: 'log' } } : {}) }, y: { field: 'y', type: 'quantitative', title: yTitle, ...(ly ? { scale: { type: 'log' } } : {}) }, color: colorEnc } } as unknown as VegaLiteSpec;
  } else {
    const groups = new Map<string, { series: string; x: number; ys: number[] }>();
    for (const r of rows) {
      const x = num(r[xi], values.x!), s = series(r), key = JSON.stringify([s, x]);
      (groups.get(key) ?? groups.set(key, { series: s, x, ys: [] }).get(key)!).ys.push(num(r[yi], values.y!));
    }
    data = [...groups.values()].sort((a, b) => a.x - b.x).map((g) => { const st = summarize(g.ys); return { series: g.series, x: g.x, mean: st.mean, ciLow: st.ciLow, ciHigh: st.ciHigh, min: st.min, n: st.n }; });
    const ns = data.map((d) => d.n as number), nLo = Math.min(...ns), nHi = Math.max(...ns);
    subtitle = [`mean of ${nLo === nHi ? nLo : `${nLo}–${nHi}`} runs per point, 95 % CI (${kind === 'line' ? 'shaded band; where it is narrower than the line, the line hides it' : 'error bar'})`, ...pooledNote];
    const lx = values['log-x'] || (kind === 'line' && autoLog(data.map((d) => d.x as number)));
    const ly = values['log-y'] || autoLog(data.map((d) => d.mean as number));
    // On a log axis a band cannot reach 0: clamp its lower edge to the smallest observed value.
    if (ly) for (const d of data) if ((d.ciLow as number) <= 0) d.ciLow = d.min as number;
    const xEnc = { field: 'x', type: kind === 'bar' ? 'ordinal' : 'quantitative', title: xTitle, ...(lx ? { scale: { type: 'log' } } : {}) };
    const yScale = ly ? { scale: { type: 'log' } } : {};
    spec = (kind === 'line'
      ? { title: { text: title, subtitle }, width: 520, height: 320, data: { values: data }, layer: [
          // The band stays out of the legend: its swatches would take its 20 % opacity.
          { mark: { type: 'area', opacity: 0.2 }, encoding: { x: xEnc, y: { field: 'ciLow', type: 'quantitative', title: yTitle, ...yScale }, y2: { field: 'ciHigh' }, color: { ...colorEnc, legend: null } } },
          { mark: { type: 'line', point: true }, encoding: { x: xEnc, y: { field: 'mean', type: 'quantitative', title: yTitle, ...yScale }, color: colorEnc } }],
        resolve: { legend: { color: 'independent' } } }
      : { title: { text: title, subtitle }, width: 520, height: 320, data: { values: data }, encoding: { x: xEnc, xOffset: { field: 'series' }, color: colorEnc }, layer: [
          { mark: 'bar', encoding: { y: { field: 'mean', type: 'quantitative', title: yTitle, ...yScale } } },
          { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'ciLow', type: 'quantitative', ...yScale }, y2: { field: 'ciHigh' } } }] }) as unknown as VegaLiteSpec;
  }
  if (data.length === 0) throw new InputError(`${t.file}: no rows with a value in ${values.y}`);
  const prefix = resolve(values.out ?? join(dirname(t.file), `${values.y}-vs-${values.x ?? 'cdf'}`));
  const svg = await renderSvg(spec);
  writeFileAtomic(`${prefix}.svg`, svg);
  writeFileAtomic(`${prefix}.png`, svgToPng(svg));
  writeFileAtomic(`${prefix}.html`, htmlPage(title, [{ heading: title, text: `From ${basename(t.file)} (${rows.length} runs).`, spec }]));
  console.error(`wrote ${prefix}.svg, .png, .html`);
  return 0;
}
