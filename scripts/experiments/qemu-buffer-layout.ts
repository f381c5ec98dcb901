/**
 * The guest buffer's physical layout and the near-saturation point of qemu-validation-repeats
 * (issue 12): a 256 MiB guest sweeping 64 MiB at 7,800 pages/s against a 32 MiB/s cap, which QEMU
 * migrated in 23.2–28.9 s over four runs (its own spread: 24 %).
 *
 * `--measure N` boots the testbed guest N times with its dirtier holding a 64 MiB buffer, finds the
 * buffer's pages in a dump of guest RAM (real/qemu/memoryMap.ts guestBufferLayout) and writes each
 * layout to results/calibration/qemu-buffer-layout/layout-<k>.json (workload.layoutFile's format).
 * Then, with or without --measure, it predicts that point at page level with the buffer in address
 * order (the model's default) and in each measured layout, beside the measured runs.
 *
 * `--for GUEST:BUFFER,… --out DIR` instead measures one layout per guest and buffer size (MiB) into
 * DIR/qemu-<guest>-<buffer>.json: the per-image inputs of the validation sets
 * (results/calibration/qemu-buffer-layout/sizes/).
 *
 * `--validation` re-predicts the plain QEMU validation sets (qemu-validation-set, -repeats) with two
 * per-image inputs added to each scenario — the buffer's layout measured for its guest and buffer
 * size (sizes/), and the pages the guest dirties beyond the writer's per sync as vm.osHotPages
 * (57 + 0.95 × buffer MiB for a random writer, 102 for a sequential one: the hot-pages calibration,
 * scripts/experiments/qemu-calibration.ts) — and prints what `npm run validation` would table.
 *
 *   node --import tsx scripts/experiments/qemu-buffer-layout.ts [--measure N]
 *   node --import tsx scripts/experiments/qemu-buffer-layout.ts --validation
 *   node --import tsx scripts/experiments/qemu-buffer-layout.ts --for 256:64,1024:512 --out results/calibration/qemu-buffer-layout/sizes
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { runScenario } from '../../models/run/runScenario.ts';
import type { RunResult } from '../../models/run/result.ts';
import { loadSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';
import { QemuBackend } from '../../real/qemu/replay.ts';
import { guestBufferLayout } from '../../real/qemu/memoryMap.ts';
import { parseWholeNumber } from '../lib/cliArgs.ts';

const DIR = 'results/calibration/qemu-buffer-layout';
const layoutJson = (guestMiB: number, bufferMiB: number, runs: [number, number, number][]): string => JSON.stringify({ guestMiB, bufferMiB, measured: new Date().toISOString().slice(0, 10), runs }) + '\n';
const forFlag = process.argv.indexOf('--for');
if (forFlag > 0) {
  const outFlag = process.argv.indexOf('--out');
  if (outFlag < 0) { console.error('--for needs --out DIR'); process.exit(2); }
  const b = new QemuBackend();
  await b.prepare();
  for (const pair of (process.argv[forFlag + 1] ?? '').split(',')) {
    const [g, m] = pair.split(':');
    const guestMiB = parseWholeNumber('--for (guest MiB)', g, 128, 16384), bufferMiB = parseWholeNumber('--for (buffer MiB)', m, 1, guestMiB);
    const runs = await guestBufferLayout(b.paths!, guestMiB, bufferMiB, join(tmpdir(), `miglab-layout-${process.pid}`));
    writeFileSync(join(process.argv[outFlag + 1], `qemu-${guestMiB}-${bufferMiB}.json`), layoutJson(guestMiB, bufferMiB, runs));
    console.log(`${guestMiB} MiB guest, ${bufferMiB} MiB buffer: ${runs.length} runs, the longest ${Math.max(...runs.map((r) => r[1]))} pages`);
  }
  process.exit(0);
}
const measureFlag = process.argv.indexOf('--measure');
if (measureFlag > 0) {
  const n = parseWholeNumber('--measure', process.argv[measureFlag + 1] ?? '', 1, 20);
  const b = new QemuBackend();
  await b.prepare();
  const first = readdirSync(DIR).filter((f) => /^layout-\d+\.json$/.test(f)).length;
  for (let k = first; k < first + n; k++) {
    const runs = await guestBufferLayout(b.paths!, 256, 64, join(tmpdir(), `miglab-layout-${process.pid}`));
    writeFileSync(join(DIR, `layout-${k}.json`), layoutJson(256, 64, runs));
    const longest = Math.max(...runs.map((r) => r[1]));
    console.log(`layout-${k}: ${runs.length} runs, the longest ${longest} pages, ${runs.filter((r) => r[2] === -1 && r[1] > 1).length} descending`);
  }
}

// The point as the hot-pages calibration set replays it (its last run), and its measured runs.
const point = new SweepRunner(loadSweep('scenarios/calibration/qemu-hot-pages.json')).scenarioFor(5);
const measured = [
  ...['15', '16', '17'].map((i) => `results/validation/qemu-validation-repeats/runs/qemu-validation-repeats-${i}/summary.json`),
  'results/calibration/qemu-hot-pages/runs/qemu-hot-pages-5/summary.json',
].map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunResult);
console.log(`measured: ${measured.map((r) => `${r.totalTimeSeconds.toFixed(1)} s / ${r.rounds} passes`).join(', ')}`);
const predict = (layoutFile?: string): RunResult => runScenario({ ...point, workload: { ...point.workload, ...(layoutFile ? { layoutFile } : {}) } as typeof point.workload }, { keepRounds: false, resolvePath: (p) => resolve(p) });
const plain = predict();
console.log(`predicted, buffer in address order: ${plain.totalTimeSeconds.toFixed(1)} s / ${plain.rounds} passes`);
for (const f of readdirSync(DIR).filter((x) => /^layout-\d+\.json$/.test(x)).sort((a, c) => Number(a.slice(7, -5)) - Number(c.slice(7, -5)))) {
  const r = predict(join(DIR, f));
  const runs = (JSON.parse(readFileSync(join(DIR, f), 'utf8')) as { runs: number[][] }).runs;
  console.log(`predicted, ${f} (${runs.length} runs, the longest ${Math.max(...runs.map((x) => x[1]))} pages): ${r.totalTimeSeconds.toFixed(1)} s / ${r.rounds} passes`);
}

if (process.argv.includes('--validation')) {
  const errors: { time: number[]; bytes: number[] } = { time: [], bytes: [] };
  const rows: string[] = [];
  let exact = 0, runs = 0;
  for (const set of ['qemu-validation-set', 'qemu-validation-repeats']) {
    const runner = new SweepRunner(loadSweep(`scenarios/validation/${set}.json`));
    const dir = `results/validation/${set}/runs`;
    for (const name of readdirSync(dir)) {
      const m = JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8')) as RunResult;
      const s = runner.scenarioFor(Number(name.slice(set.length + 1)));
      const w = s.workload;
      const random = w.type === 'uniform' || w.type === 'hotcold';
      const mib = w.type === 'sweep' ? w.bufferMiB ?? s.vm.memoryMiB : random ? w.workingSetMiB ?? s.vm.memoryMiB : 0;
      const hot = random ? Math.round(57 + 0.95 * mib) : w.type === 'sweep' ? 102 : 0;
      const layout = resolve(DIR, 'sizes', `qemu-${s.vm.memoryMiB}-${mib}.json`);
      const p = runScenario({ ...s, vm: { ...s.vm, osHotPages: hot }, workload: w.type === 'sweep' ? { ...w, layoutFile: layout } : w }, { keepRounds: false, resolvePath: runner.resolvePath });
      const e = (a: number, b: number): number => ((b - a) / a) * 100;
      errors.time.push(e(m.totalTimeSeconds, p.totalTimeSeconds));
      errors.bytes.push(e(m.bytesTransferred, p.bytesTransferred));
      if (p.rounds === m.rounds) exact++;
      runs++;
      rows.push(`${name}: time ${e(m.totalTimeSeconds, p.totalTimeSeconds).toFixed(1)} %, bytes ${e(m.bytesTransferred, p.bytesTransferred).toFixed(1)} %, passes ${m.rounds} measured / ${p.rounds} predicted`);
    }
  }
  const stat = (xs: number[]): string => { const a = xs.map(Math.abs).sort((x, y) => x - y); return `median ${a[Math.floor((a.length - 1) / 2)].toFixed(1)} % / max ${a[a.length - 1].toFixed(1)} %`; };
  console.log(`\nwith the per-image layout and hot pages, ${runs} runs: time ${stat(errors.time)}, bytes ${stat(errors.bytes)}, passes exact in ${exact}`);
  for (const r of rows.filter((x) => Math.abs(Number(x.split('time ')[1].split(' %')[0])) > 5)) console.log(`  ${r}`);
}
