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
import { paperCsv, paperData, SEEDS, SETUP } from './paper/data.ts';
import { xenTestbedFig2 } from './paper/xenTestbed.ts';
import { BALLOONING_SETUP, GRAND, grandComparisonData, MECOM_SETUP, mecomData, MICROWIPER_SETUP, microwiperData, PREPAGING_SETUP, prepagingData, selfBallooningData, TRACE_REPLAY_SETUP, traceReplayData } from './paper/literature.ts';
import { barPanelsFigure, lineFigure, measuredOnPredictedFigure, panelFigure } from './lib/figureStyle.ts';
import { FLEET_SETUP, fleetEvacuationData } from './paper/fleet.ts';

const OUT = resolve(process.argv[2] ?? 'results/paper');
const t0 = Date.now();
const figRows = paperData();
const simSeconds = (Date.now() - t0) / 1000;

const dirtyrate = figRows.dirtyrate.map((r) => ({ ...r, converges: (r.convergedFraction as number) >= 0.5 ? 'yes' : 'no (5-round cap)' }));
const figures: { id: string; heading: string; text: string; spec: VegaLiteSpec }[] = [
  { id: 'fig2-data-vs-memory', heading: 'Fig. 2 — total data transferred vs VM memory size',
    text: 'Pre-copy (Xen ≥ 4.6 rules) sends all of memory plus what is dirtied meanwhile; COW checkpoint-assisted migration sends only what changed since the last complete checkpoint. The third series adds the background checkpoint stream over the 15-minute horizon: the price paid for the small migration.',
    spec: lineFigure({ title: 'Total data transferred vs VM memory size (Fast Ethernet)', seeds: SEEDS, data: figRows['fig2-data-vs-memory'], x: { field: 'memoryMiB', title: 'VM memory (MiB)' }, yTitle: 'data transferred (MiB)' }) },
  { id: 'downtime-vs-memory', heading: 'Downtime vs VM memory size', text: 'Mean downtime of the final stop-and-copy.',
    spec: lineFigure({ title: 'Downtime vs VM memory size', seeds: SEEDS, data: figRows['downtime-vs-memory'], x: { field: 'memoryMiB', title: 'VM memory (MiB)' }, yTitle: 'downtime (ms)' }) },
  { id: 'totaltime-vs-memory', heading: 'Total migration time vs VM memory size', text: 'From the migration request to resume on the destination (COW: including any wait for an in-flight checkpoint).',
    spec: lineFigure({ title: 'Total migration time vs VM memory size', seeds: SEEDS, data: figRows['totaltime-vs-memory'], x: { field: 'memoryMiB', title: 'VM memory (MiB)' }, yTitle: 'total migration time (s)' }) },
  { id: 'interval-tradeoff', heading: 'Checkpoint interval: COW overhead, RPO, migration data (1 GiB guest)', text: 'Shorter intervals cost guest CPU (pauses and COW faults) and background traffic, and lower the recovery point and the data a migration still has to send.',
    spec: panelFigure({ title: 'Checkpoint interval trade-offs (1 GiB guest, COW checkpointing)', seeds: SEEDS, data: figRows['interval-tradeoff'], x: { field: 'intervalSeconds', title: 'checkpoint interval (s)', log: true }, panelField: 'series', singleSeries: true }) },
  { id: 'dirtyrate', heading: 'Dirty rate vs data, downtime and total time (1 GiB guest)', text: 'Shape marks whether pre-copy converged (fewer than 50 dirty pages) or was cut by Xen\'s 5-round cap.',
    spec: panelFigure({ title: 'Dirty rate vs migration metrics (1 GiB guest)', seeds: SEEDS, data: dirtyrate, x: { field: 'writesPerSecond', title: 'page writes per second', log: true }, panelField: 'metric', shapeField: 'converges', shapeTitle: 'converged (fewer than 50 dirty pages)' }) },
];

// The literature the paper cites, each with its reported figure marked.
figRows['hines09-prepaging'] = prepagingData();
figures.push({
  id: 'hines09-prepaging', heading: 'Post-copy pre-paging (Hines & Gopalan, VEE 2009): faults against the working set',
  text: `Pure post-copy of a ${PREPAGING_SETUP.memoryMiB / 1024} GiB guest on a Gigabit LAN, its workload writing ${PREPAGING_SETUP.writesPerSecond.toLocaleString('en-US')} pages/s uniformly over a working set above the first ${PREPAGING_SETUP.offsetMiB} MiB (stated assumption: the paper's tables are not reachable). Network-bound faults as a share of the working set, for the push from page 0, QEMU's push (forward, on from each requested page), Hines' backward push (down from the last fault) and Hines' bubbling (outward from the last fault, forward and backward). The three orders that start at a fault lie on one another (8.9–10 %): with writes spread uniformly over the working set, which way the push goes inside it hardly matters; starting in it does. Dashed: the paper's claim, faults within 21 % of the working set for large workloads.`,
  spec: lineFigure({ title: 'Post-copy: network-bound faults vs working set (1 GiB guest, Gigabit LAN)', seeds: PREPAGING_SETUP.seeds, data: figRows['hines09-prepaging'], x: { field: 'workingSetMiB', title: 'working set (MiB)', log: true }, yTitle: 'faults (% of the working set)', references: [{ value: PREPAGING_SETUP.reportedFaultsPercentOfWorkingSet, label: 'Hines & Gopalan: within 21 % (large workloads)' }] }),
});

figRows['hines09-self-ballooning'] = selfBallooningData();
figures.push({
  id: 'hines09-self-ballooning', heading: 'Dynamic self-ballooning (Hines & Gopalan, VEE 2009): migration time with and without the balloon',
  text: `A ${BALLOONING_SETUP.memoryMiB / 1024} GiB guest on a Gigabit LAN whose memory in use is a ${BALLOONING_SETUP.idleMiB} MiB idle footprint plus the working set its workload writes (${BALLOONING_SETUP.writesPerSecond.toLocaleString('en-US')} pages/s, uniformly); the rest is free. With self-ballooning the balloon holds the free pages, which are then neither sent nor tracked (migration.selfBallooning). Pre-copy: Xen ≥ 4.6, which sends free (zero) pages in full; post-copy: the push from page 0. The paper reports that ballooning "significantly speeds up migration" without a figure that can be reached, so none is marked. Stated assumptions throughout.`,
  spec: lineFigure({ title: 'Self-ballooning: total migration time vs memory in use (1 GiB guest, Gigabit LAN)', seeds: BALLOONING_SETUP.seeds, data: figRows['hines09-self-ballooning'], x: { field: 'workingSetMiB', title: 'working set (MiB, beside a 128 MiB idle footprint)', log: true }, yTitle: 'total migration time (s)' }),
});

figRows['jin09-mecom'] = mecomData();
figures.push({
  id: 'jin09-mecom', heading: 'MECOM adaptive compression (Jin et al., Cluster 2009) against stock Xen',
  text: `Legacy Xen pre-copy (stock Xen in 2009) with MECOM's zero-aware compression (network.wireFormat mecom: zero pages as markers, word-similar pages WKdm-compressed, the rest LZO-compressed, one compressing core, the compression section's published defaults) against the same policy sending raw pages: a ${MECOM_SETUP.memoryMiB / 1024} GiB guest with ${MECOM_SETUP.zeroPageFraction * 100} % zero pages writing 90 % of its pages into a 64 MiB hot set, on a Gigabit LAN (stated assumptions: the paper's workloads and page classes are not reachable). Reduction of each metric's mean; dashed, the paper's averages. On a Gigabit link the compressor outruns the link, so time falls with the data (≈ 66 %, against the paper's 32 %: the paper's 2009 CPU was probably the bottleneck — a 32 % saving with 68.8 % less data means pages left at ≈ 1.5× the link's raw rate); the fourth series, on 10 Gbit/s, shows the other side: the one core compresses ≈ 460 MB/s of pages, slower than the link carries raw ones, and MECOM takes about twice as long (cut at the frame below −100 %).`,
  spec: lineFigure({
    title: 'MECOM vs stock Xen pre-copy: reduction by page-write rate (1 GiB guest, Gigabit LAN)', seeds: MECOM_SETUP.seeds, data: figRows['jin09-mecom'],
    x: { field: 'writesPerSecond', title: 'page writes per second', log: true }, yTitle: 'reduction against stock Xen (%)',
    references: [...MECOM_SETUP.reported], yDomain: [-100, 100],
  }),
});

figRows['liu09-crtr-motion'] = traceReplayData();
figures.push({
  id: 'liu09-crtr-motion', heading: 'CR/TR-Motion (Liu et al., HPDC 2009) against pre-copy',
  text: `A checkpoint of memory, then the execution log shipped round by round and replayed at the destination (algorithm trace-replay), against Xen pre-copy: a ${TRACE_REPLAY_SETUP.memoryMiB / 1024} GiB hot/cold guest on a Gigabit LAN, the log growing at ${TRACE_REPLAY_SETUP.traceLogBytesPerSecond / 1e6} MB/s whatever the page-write rate and replayed ${TRACE_REPLAY_SETUP.replaySpeedup}× faster than recorded (stated assumptions: the paper's workloads and log rates are not reachable). Reduction of each metric's mean against pre-copy; below 0, CR/TR-Motion is worse, and below −100 % (more than twice pre-copy's: at low write rates its ≈ 11 ms pause, the last log and the replay catching up, against pre-copy's sub-millisecond final round) the line is cut at the frame. Dashed: the paper's "up to" reductions.`,
  spec: lineFigure({
    title: 'CR/TR-Motion vs pre-copy: reduction by page-write rate (1 GiB guest, Gigabit LAN)', seeds: TRACE_REPLAY_SETUP.seeds, data: figRows['liu09-crtr-motion'],
    x: { field: 'writesPerSecond', title: 'page writes per second', log: true }, yTitle: 'reduction against pre-copy (%)',
    references: Object.entries(TRACE_REPLAY_SETUP.reported).map(([series, value]) => ({ value, series, label: `paper: ${series} up to −${value} %` })), yDomain: [-100, 100],
  }),
});

figRows['du10-microwiper'] = microwiperData();
figures.push({
  id: 'du10-microwiper', heading: 'Microwiper (Du et al., ICPP 2010) against Xen pre-copy',
  text: `Legacy Xen pre-copy with ordered propagation (the least rewritten pages first; an iteration cut once their rewriting rates add up to the bandwidth), against Xen ≥ 4.6 and legacy Xen: a ${MICROWIPER_SETUP.memoryMiB / 1024} GiB guest writing 80 % of its pages into a 128 MiB hot set on a Gigabit LAN (stated assumption: the paper's workloads are not reachable). Reduction of downtime and pages sent; below 0 Microwiper is worse, below −100 % the line is cut at the frame. Dashed: the paper's "more than 50 %" on both.`,
  spec: lineFigure({
    title: 'Microwiper vs Xen pre-copy: reduction by page-write rate (1 GiB guest, Gigabit LAN)', seeds: MICROWIPER_SETUP.seeds, data: figRows['du10-microwiper'],
    x: { field: 'writesPerSecond', title: 'page writes per second', log: true }, yTitle: 'reduction against the baseline (%)',
    references: [{ value: MICROWIPER_SETUP.reportedReductionPercent, label: 'Du et al.: more than 50 % (downtime and pages)' }], yDomain: [-100, 100],
  }),
});

figRows['grand-comparison'] = grandComparisonData();
figures.push({
  id: 'grand-comparison', heading: 'Every algorithm, three workloads',
  text: 'A 1 GiB guest on a Gigabit LAN, page level, moved by each algorithm miglab simulates, for an idle desktop (500 page writes/s, 90 % into a 32 MiB hot set), a hot/cold server (8,000/s, 90 % into 64 MiB) and a write-heavy guest (40,000/s over 512 MiB): stated workloads. COW checkpointing: a checkpoint every 60 s, the migration requested at 300 s; CR/TR-Motion: execution log 1 MB/s, replayed 10× faster; MECOM: legacy Xen\'s policy sending pages compressed by class (published compressor sizes and speeds, one core); QEMU without a bandwidth cap; runs limited to 600 s, then stop-and-copy. Guest slowdown: the share of the migration the guest could not run (downtime, and post-copy\'s waits for faulted pages).',
  spec: barPanelsFigure({ title: 'Every algorithm on three workloads (1 GiB guest, Gigabit LAN)', seeds: GRAND.seeds, data: figRows['grand-comparison'], groupField: 'algorithm', groupTitle: null as unknown as string, groups: Object.keys(GRAND.algorithms), panelField: 'metric', logPanels: ['total migration time (s)', 'downtime (ms)', 'data transferred (MiB)', 'guest slowdown (% of the migration)'] }),
});

figRows['fleet-evacuation'] = fleetEvacuationData();
figures.push({
  id: 'fleet-evacuation', heading: 'Evacuating a host: how many migrations at once, in which order',
  text: `Host h0 of ${'scenarios/fleets/evacuate-host.json'} emptied onto four others through one non-blocking switch (10 Gbit/s NICs): 20 web servers (1–4 GiB, Xen pre-copy), 12 databases (4–16 GiB, QEMU pre-copy, stop-and-copy after 120 s) and 8 batch guests writing 20,000–60,000 pages/s (QEMU pre-copy, post-copy after 10 s); each seed draws other sizes and write rates. x: how many migrations may run at once from or to one host (OpenStack's default is 1). Running more at once only splits h0's NIC among them: each migration takes longer and its guest dirties more pages meanwhile, so the makespan grows with concurrency (148 s one at a time, 175 s all at once), and from 16 at once the databases reach their 120 s limit and are forced into stop-and-copy, which multiplies the total downtime (summed over the 40 guests). There the order matters: largest first starts the databases together, smallest first lets the small web servers clear out before them.`,
  spec: panelFigure({ title: 'Evacuating 40 mixed guests over 10 Gbit/s: concurrency and order', seeds: FLEET_SETUP.seeds, data: figRows['fleet-evacuation'], x: { field: 'perHost', title: 'migrations at once per host', log: true }, panelField: 'metric' }),
});

// Fig. 2 measured on the Xen testbed (when its committed runs are present): points on the prediction.
const xen = xenTestbedFig2();
if (xen) {
  figRows['fig2-xen-testbed'] = xen.rows;
  figures.push({
    id: 'fig2-xen-testbed', heading: 'Fig. 2 at testbed scale — measured on Xen 4.17',
    text: `${xen.runs} real \`xl migrate\`s of a PV guest (its dirtier sweeping 16 MiB at 500 pages/s) through a meter capped at Fast Ethernet, on the Xen testbed (Xen under QEMU/TCG, migration to the same dom0), against miglab's prediction from the scenario's nominal inputs (the switchover's fixed part and the guest kernel's hot pages measured once with the idle guest). Runs: results/validation/xen-fig2/.`,
    spec: measuredOnPredictedFigure({
      title: 'Xen pre-copy at Fast Ethernet: measured vs predicted', subtitle: 'line: miglab (policy xen); dots: measured on the Xen 4.17 testbed, one run each',
      data: xen.rows, x: { field: 'memoryMiB', title: 'VM memory (MiB)' }, panelField: 'metric', panels: ['data transferred (MiB)', 'total migration time (s)', 'downtime (s)'], measuredSeries: 'measured: Xen 4.17 testbed',
    }),
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
