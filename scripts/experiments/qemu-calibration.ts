/**
 * Two measurements of the QEMU testbed, from the committed runs (`results/calibration/`, measured by
 * `miglab validate scenarios/calibration/<set>.json --backend qemu --out results/calibration/<set>`):
 *
 *  - multifd's `footprintCompressedPageBytes` for the guest image (used by the validation sets):
 *    the idle guest's multifd-bytes, less the 1,344-byte header of each 128-page packet, over the
 *    normal pages QEMU sent.
 *  - the throttled workload's pace against the model (a check, not an input): with the throttle
 *    fixed at p once it starts, the dirtier's writes per second (its once-a-second report, from 2 s
 *    after the throttle starts to the end of the live rounds) over the model's min(1, (1 − p) / c) ×
 *    rate, where the workload is CPU-limited ((1 − p) ≤ c).
 *
 *  - what the guest dirties beyond the workload's nominal writes, per bitmap sync (qemu-hot-pages):
 *    with a 1 ms downtime limit QEMU syncs about once per 100 ms window after the bulk pass; each
 *    measured pass's pagesDirtied (real/qemu/passes.ts) against the distinct pages the nominal
 *    writer dirties between the two syncs (MIGRATION_PASS events): uniform over N pages at w/s,
 *    N·(1 − exp(−w·T/N)); a sweep, min(N, w·T); idle, 0. Less the two modelled mechanisms (the
 *    dirtier's 5-byte record per buffer page, workload.recordBytesPerPage; TCG's page-table walks,
 *    vm.pageWalksDirtyPageTables: models/workload/build.ts), the rest is the guest's own:
 *    vm.osHotPages, the median over the runs (the idle guest's one live sync among them).
 *
 *   node --import tsx scripts/experiments/qemu-calibration.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../models/run/result.ts';
import type { QemuMeasurement } from '../../real/qemu/measurement.ts';
import { MULTIFD_PACKET_HEADER_BYTES, MULTIFD_PAGES_PER_PACKET } from '../../models/network/wire/multifd.ts';
import { PAGE_SIZE_BYTES, pagesForMiB } from '../../models/units/pageSize.ts';
import { median } from '../lib/stats.ts';
import { PAGES_PER_PAGE_TABLE } from '../../models/workload/build.ts';
import { parse } from 'csv-parse/sync';

const runs = (set: string): RunResult[] => {
  const dir = join('results/calibration', set, 'runs');
  return readdirSync(dir).sort().map((r) => JSON.parse(readFileSync(join(dir, r, 'summary.json'), 'utf8')) as RunResult);
};

const ratios: number[] = [];
for (const r of runs('qemu-throttle-pace')) {
  const m = r.measurement as QemuMeasurement;
  const timeline = m.throttleTimeline ?? [];
  const start = timeline.find(([, pct]) => pct > 0);
  if (!start) continue;
  const p = start[1] / 100, c = r.scenario.vm.workloadCpuFraction, rate = m.dirtier.rate;
  const end = timeline.find(([t, pct]) => t > start[0] && pct === 0)?.[0] ?? m.dirtierWritesPerSecond.length;
  // Report i covers the second (i, i + 1] after the migrate command.
  const under = m.dirtierWritesPerSecond.filter((_, i) => i >= start[0] + 2 && i + 1 <= end);
  const measured = under.reduce((a, b) => a + b, 0) / under.length;
  const modelled = Math.min(1, (1 - p) / c) * rate;
  const limited = 1 - p <= c + 1e-9;
  if (limited) ratios.push(measured / modelled);
  console.log(`throttle ${start[1]} %: ${under.length} s at ${measured.toFixed(0)} writes/s; model: ${modelled.toFixed(0)}${limited ? ` → ${(measured / modelled).toFixed(3)}` : ' (not CPU-limited)'}`);
}
console.log(`measured / modelled pace under a fixed throttle: ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2)} (mean of ${ratios.length})`);

for (const r of runs('qemu-idle-compression')) {
  const ram = ((r.measurement as QemuMeasurement).finalQueryMigrate.ram ?? {}) as Record<string, number>;
  const packets = (ram.normal + ram.duplicate) / MULTIFD_PAGES_PER_PACKET;
  console.log(`${r.scenario.migration.multifd!.compression}: footprintCompressedPageBytes = ${((ram['multifd-bytes'] - packets * MULTIFD_PACKET_HEADER_BYTES) / ram.normal).toFixed(0)} (${ram.normal} normal pages)`);
}

const excess: { label: string; mib: number; random: boolean; perSync: number; syncs: number; own: number }[] = [];
/** The dirtier's record per buffer page (real/guest/dirtier.c: a 4-byte version and a 1-byte flag). */
const DIRTIER_RECORD_BYTES = 5;
for (const name of readdirSync('results/calibration/qemu-hot-pages/runs').sort()) {
  const dir = join('results/calibration/qemu-hot-pages/runs', name);
  const r = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunResult;
  const m = r.measurement as QemuMeasurement;
  const rows = parse(readFileSync(join(dir, 'rounds.csv'), 'utf8'), { columns: true, cast: true }) as { phase: string; startSeconds: number; durationSeconds: number; pagesDirtied: number }[];
  const live = rows.slice(1).filter((x) => x.phase === 'precopy'); // row 0: the setup sync's poll
  const end = live[live.length - 1].startSeconds + live[live.length - 1].durationSeconds;
  const syncs = m.events.filter((e) => e.event === 'MIGRATION_PASS' && e.atSeconds <= end + 1e-9).map((e) => e.atSeconds);
  const w = r.scenario.workload;
  const writes = 'writesPerSecond' in w ? w.writesPerSecond : 0;
  const n = w.type === 'uniform' ? pagesForMiB(w.workingSetMiB ?? r.scenario.vm.memoryMiB) : w.type === 'sweep' ? pagesForMiB(w.bufferMiB ?? r.scenario.vm.memoryMiB) : 0;
  const nominal = (t: number): number => (w.type === 'uniform' ? n * (1 - Math.exp((-writes * t) / n)) : w.type === 'sweep' ? Math.min(n, writes * t) : 0);
  // Skip the bulk pass (sync 2): the writer's pages were not all sent yet.
  let expected = 0;
  for (let k = 2; k < syncs.length; k++) expected += nominal(syncs[k] - syncs[k - 1]);
  const found = live.slice(1, syncs.length - 1).reduce((a, x) => a + x.pagesDirtied, 0);
  const count = syncs.length - 2;
  if (count <= 0) {
    // The idle guest converges after one live pass: that pass's sync is its measure.
    const after = rows[2]; // the pass after the bulk pass, whatever its phase
    const passes = m.events.filter((e) => e.event === 'MIGRATION_PASS').map((e) => e.atSeconds);
    if (w.type === 'idle' && after !== undefined && passes.length >= 3) {
      excess.push({ label: 'idle', mib: 0, random: false, perSync: after.pagesDirtied, syncs: 1, own: after.pagesDirtied });
      console.log(`idle: one live pass; its sync, ${((passes[2] - passes[1]) * 1000).toFixed(0)} ms after the bulk pass's, found ${after.pagesDirtied} pages: the guest's own`);
    } else console.log(`${w.type}: no live pass after the bulk pass (converged at once)`);
    continue;
  }
  // With a downtime limit above 1 ms a sync comes with pages still pending, which QEMU does not
  // count again: the nominal writer's count is then no baseline.
  const limitSeconds = r.scenario.migration.downtimeLimitSeconds;
  if (limitSeconds !== undefined && limitSeconds > 0.001) {
    console.log(`${w.type} at a ${limitSeconds * 1000} ms limit: ${count} syncs; found per live pass: ${live.slice(1, 9).map((x) => x.pagesDirtied).join(', ')} … (pages still pending at a sync are not counted: no baseline)`);
    continue;
  }
  const label = w.type === 'idle' ? 'idle' : `${w.type} ${w.type === 'uniform' ? w.workingSetMiB : w.type === 'sweep' ? w.bufferMiB : '?'} MiB @${writes}/s`;
  // The record's and page tables' pages a sync finds: k pages written w times a second, Poisson.
  let mechanism = 0;
  for (let k = 2; k < syncs.length && n > 0 && writes > 0; k++) {
    for (const pages of [Math.ceil((n * DIRTIER_RECORD_BYTES) / PAGE_SIZE_BYTES), Math.ceil(n / PAGES_PER_PAGE_TABLE)]) mechanism += pages * (1 - Math.exp((-writes * (syncs[k] - syncs[k - 1])) / pages));
  }
  const perSync = (found - expected) / count, own = (found - expected - mechanism) / count;
  excess.push({ label, mib: w.type === 'uniform' ? w.workingSetMiB ?? 0 : 0, random: w.type === 'uniform', perSync, syncs: count, own });
  console.log(`${label}: ${count} syncs after the bulk pass, ${found} pages found, ${expected.toFixed(0)} nominal → ${perSync.toFixed(0)} more per sync; less ${(mechanism / count).toFixed(0)} for the record and page tables: ${own.toFixed(0)} the guest's own`);
}
const rnd = excess.filter((x) => x.random);
if (rnd.length >= 2) {
  const mx = rnd.reduce((a, x) => a + x.mib, 0) / rnd.length, my = rnd.reduce((a, x) => a + x.perSync, 0) / rnd.length;
  const slope = rnd.reduce((a, x) => a + (x.mib - mx) * (x.perSync - my), 0) / rnd.reduce((a, x) => a + (x.mib - mx) ** 2, 0);
  console.log(`random writers: ${(my - slope * mx).toFixed(0)} + ${slope.toFixed(2)} × buffer MiB more pages per sync (least squares over ${rnd.length})`);
}
const own = excess.map((x) => x.own).sort((a, b) => a - b);
if (own.length) console.log(`the guest's own pages per sync: ${own.map((x) => x.toFixed(0)).join(', ')} → "vm": { "osHotPages": ${Math.round(median(own))} } (median)`);
