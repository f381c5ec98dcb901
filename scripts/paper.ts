/**
 * `npm run paper`: reproduces the founding paper's figure 2 (total data transferred vs VM memory
 * size, pre-copy vs COW checkpointing, two hosts on Fast Ethernet) and its companions into
 * results/paper/: CSV + vega-lite JSON + SVG + PNG per figure, and index.html with every figure and
 * the parameters. The simulations are in paper/data.ts.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic, toJson } from './lib/files.ts';
import { renderSvg, svgToPng, htmlPage, type VegaLiteSpec } from './lib/plot.ts';
import { paperCsv, paperData, SEEDS, SETUP, type Row } from './paper/data.ts';
import { xenTestbedFig2 } from './paper/xenTestbed.ts';

const OUT = resolve(process.argv[2] ?? 'results/paper');
const t0 = Date.now();
const figRows = paperData();
const simSeconds = (Date.now() - t0) / 1000;

function lineWithBand(title: string, data: Row[], x: string, xTitle: string, yTitle: string, opts: { logX?: boolean; facet?: string } = {}): VegaLiteSpec {
  const ticks = [...new Set(data.map((r) => r[x]))];
  const xEnc = { field: x, type: 'quantitative', title: xTitle, axis: { values: ticks }, ...(opts.logX ? { scale: { type: 'log', base: 2 } } : {}) };
  const layer = {
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { x: xEnc, y: { field: 'ciLow', type: 'quantitative', title: yTitle }, y2: { field: 'ciHigh' }, color: { field: 'series', type: 'nominal', title: null } } },
      { mark: { type: 'line', point: true }, encoding: { x: xEnc, y: { field: 'mean', type: 'quantitative', title: yTitle }, color: { field: 'series', type: 'nominal', title: null },
        ...(data[0] && 'convergedFraction' in data[0] ? { shape: { field: 'converges', type: 'nominal', title: 'converged (< 50 dirty pages)' }, opacity: { value: 1 } } : {}) } },
    ],
  };
  const values = data.map((r) => ('convergedFraction' in r ? { ...r, converges: (r.convergedFraction as number) >= 0.5 ? 'yes' : 'no (round cap)' } : r));
  if (opts.facet) {
    return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, data: { values }, facet: { column: { field: opts.facet, type: 'nominal', title: null } }, spec: { width: 260, height: 220, ...layer }, resolve: { scale: { y: 'independent' } } } as unknown as VegaLiteSpec;
  }
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: 520, height: 300, data: { values }, ...layer } as unknown as VegaLiteSpec;
}

const figures: { id: string; heading: string; text: string; spec: VegaLiteSpec }[] = [
  { id: 'fig2-data-vs-memory', heading: 'Fig. 2 — total data transferred vs VM memory size',
    text: 'Pre-copy (Xen ≥ 4.6 rules) sends all of memory plus what is dirtied meanwhile; COW checkpoint-assisted migration sends only what changed since the last complete checkpoint. The third series adds the background checkpoint stream over the 15-minute horizon: the price paid for the small migration.',
    spec: lineWithBand('Total data transferred vs VM memory size (Fast Ethernet)', figRows['fig2-data-vs-memory'], 'memoryMiB', 'VM memory (MiB)', 'data transferred (MiB)') },
  { id: 'downtime-vs-memory', heading: 'Downtime vs VM memory size', text: 'Mean downtime of the final stop-and-copy.', spec: lineWithBand('Downtime vs VM memory size', figRows['downtime-vs-memory'], 'memoryMiB', 'VM memory (MiB)', 'downtime (ms)') },
  { id: 'totaltime-vs-memory', heading: 'Total migration time vs VM memory size', text: 'From the migration request to resume on the destination (COW: including any wait for an in-flight checkpoint).', spec: lineWithBand('Total migration time vs VM memory size', figRows['totaltime-vs-memory'], 'memoryMiB', 'VM memory (MiB)', 'total migration time (s)') },
  { id: 'interval-tradeoff', heading: 'Checkpoint interval: COW overhead, RPO, migration data (1 GiB guest)', text: 'Shorter intervals cost guest CPU (pauses and COW faults) and background traffic, and lower the recovery point and the data a migration still has to send.', spec: lineWithBand('Checkpoint interval trade-offs (1 GiB)', figRows['interval-tradeoff'], 'intervalSeconds', 'checkpoint interval (s)', 'value', { facet: 'series', logX: true }) },
  { id: 'dirtyrate', heading: 'Dirty rate vs data, downtime and total time (1 GiB guest)', text: 'Shape marks whether pre-copy converged (fewer than 50 dirty pages) or was cut by Xen\'s 5-round cap.', spec: lineWithBand('Dirty rate vs migration metrics (1 GiB)', figRows.dirtyrate, 'writesPerSecond', 'page writes per second', 'value', { facet: 'metric', logX: true }) },
];

// Fig. 2 measured on the Xen testbed (when its committed runs are present): points on the prediction.
const xen = xenTestbedFig2();
if (xen) {
  figRows['fig2-xen-testbed'] = xen.rows;
  const x = { field: 'memoryMiB', type: 'quantitative', title: 'VM memory (MiB)', axis: { values: [...new Set(xen.rows.filter((r) => String(r.series).startsWith('measured')).map((r) => r.memoryMiB))] } };
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: ['miglab, policy xen (nominal inputs)', 'measured: Xen 4.17 testbed'], range: ['#4c78a8', '#e45756'] } };
  figures.push({
    id: 'fig2-xen-testbed', heading: 'Fig. 2 at testbed scale — measured on Xen 4.17',
    text: `${xen.runs} real \`xl migrate\`s of a PV guest (its dirtier sweeping 16 MiB at 500 pages/s) through a meter capped at Fast Ethernet, on the Xen testbed (Xen under QEMU/TCG, migration to the same dom0), against miglab's prediction from the scenario's nominal inputs (the switchover's fixed part measured once with the idle guest: migration.resumeSeconds). Runs: results/validation/xen-fig2/.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: { text: 'Xen pre-copy at Fast Ethernet: measured vs predicted', subtitle: 'line: miglab (policy xen); dots: measured on the Xen 4.17 testbed, one run each' },
      data: { values: xen.rows }, facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['data transferred (MiB)', 'total migration time (s)', 'downtime (s)'] } },
      spec: { width: 220, height: 200, layer: [
        { transform: [{ filter: "datum.series !== 'measured: Xen 4.17 testbed'" }], mark: { type: 'line' }, encoding: { x, y: { field: 'value', type: 'quantitative', title: null }, color } },
        { transform: [{ filter: "datum.series === 'measured: Xen 4.17 testbed'" }], mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y: { field: 'value', type: 'quantitative', title: null }, color } },
      ] },
      resolve: { scale: { y: 'independent' } },
    } as unknown as VegaLiteSpec,
  });
}

mkdirSync(OUT, { recursive: true });
for (const f of figures) {
  const data = figRows[f.id];
  writeFileAtomic(join(OUT, `${f.id}.csv`), paperCsv(data));
  writeFileAtomic(join(OUT, `${f.id}.vl.json`), toJson(f.spec));
  const svg = await renderSvg(f.spec);
  writeFileAtomic(join(OUT, `${f.id}.svg`), svg);
  writeFileAtomic(join(OUT, `${f.id}.png`), svgToPng(svg));
}
const params: [string, string][] = [
  ['hosts', 'two, Fast Ethernet 100 Mbit/s, 0.2 ms latency (paper §VI: Intel i3, 3 GB RAM, Xen)'],
  ['pre-copy policy', 'Xen ≥ 4.6: at most 5 live rounds, stop below 50 dirty pages (xg_sr_save.c)'],
  ['workload (assumption)', 'desktop: 2,000 page writes/s, 90 % in a 32 MiB hot set, 10 % over all memory'],
  ['COW checkpoints', `every ${SETUP.checkpointIntervalSeconds} s from t = 0 (first one full); pause 2 ms + 0.1 µs/page; COW fault 2 µs + 0.25 µs copy (scenarios/scenario.schema.json, checkpoint)`],
  ['migration request', `t = ${SETUP.migrationRequestSeconds} s + uniform 0–60 s per seed (the age of the last checkpoint varies)`],
  ['failure (RPO)', 'source failure 1 s before the request; 3 missed 1 s heartbeats'],
  ['fidelity, seeds', `page level (exact bitmaps), ${SEEDS} seeds per point; bands: 95 % t-interval of the mean`],
  ['runs', `${(SETUP.memorySizesMiB.length * 2 + 5 + 12) * SEEDS} simulated migrations`],
];
const table = `<table>${params.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
writeFileAtomic(join(OUT, 'index.html'), htmlPage('miglab — Live VM migration based on COW checkpointing (reproduction)', [{ heading: 'Parameters', html: table }, ...figures.map((f) => ({ heading: f.heading, text: f.text, spec: f.spec }))]));
console.log(`wrote ${figures.length} figures (CSV, vega-lite, SVG, PNG) and index.html to ${OUT} (simulation ${simSeconds.toFixed(1)} s)`);
