import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileWorkload, OS_HOT_PAGE_WRITES_PER_SECOND } from '../../models/workload/build.ts';
import type { SegmentedWorkload } from '../../models/workload/segments.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { InputError } from '../../models/input/errors.ts';

// A 256 MiB guest (65,536 pages) whose program writes 128 MiB (32,768 pages) at random, 6,000
// writes/s, keeping 5 bytes of record per page: 40 record pages (32,768 × 5 / 4,096), 64 page-table
// pages (32,768 / 512), under 63 OS hot pages at the top.
const N = 65536;
const uniform = { type: 'uniform', writesPerSecond: 6000, workingSetMiB: 128, recordBytesPerPage: 5 } as const;
const guest = { osHotPages: 63, pageWalksDirtyPageTables: true };

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** The rate per page of the first phase, page by page from `first` for `count` pages (one value if constant). */
function ratesOver(w: SegmentedWorkload, first: number, count: number): number[] {
  const out = new Set<number>();
  for (let s = 0; s < w.segmentPages.length; s++) {
    const a = w.segmentFirstPage[s], b = a + w.segmentPages[s];
    if (b > first && a < first + count) out.add(r6(w.phases[0].ratePerPage[s]));
  }
  return [...out];
}

test('guest dirt: OS hot pages, then the records, then the page tables, from the top down, out of the nominal rate', () => {
  const w = compileWorkload(uniform, N, undefined, guest) as SegmentedWorkload;
  assert.equal(ratesOver(w, N - 63, 63), [OS_HOT_PAGE_WRITES_PER_SECOND]);
  assert.equal(ratesOver(w, N - 63 - 40, 40), [r6(6000 / 40)]);
  assert.equal(ratesOver(w, N - 63 - 40 - 64, 64), [r6(6000 / 64)]);
  assert.equal(ratesOver(w, 32768, N - 63 - 40 - 64 - 32768), [0]);
  assert.equal(ratesOver(w, 0, 32768), [r6(6000 / 32768)]);
  assert.is(w.nominalWritesPerSecond, 6000);
  // Without them: nothing above the working set.
  const plain = compileWorkload({ type: 'uniform', writesPerSecond: 6000, workingSetMiB: 128 }, N) as SegmentedWorkload;
  assert.equal(ratesOver(plain, 32768, N - 32768), [0]);
});

test('guest dirt: a sweep\'s records and page tables take its rate; phases each their own', () => {
  const w = compileWorkload({ type: 'phases', phases: [{ durationSeconds: 1, workload: { type: 'sweep', writesPerSecond: 512, bufferMiB: 64, recordBytesPerPage: 4 } }, { durationSeconds: 1, workload: { type: 'idle' } }] }, N, undefined, { osHotPages: 0, pageWalksDirtyPageTables: true }) as SegmentedWorkload;
  // 16,384 pages: 16 record pages, 32 page-table pages at the top in the sweep's phase; none while idle.
  assert.equal(ratesOver(w, N - 16, 16), [r6(512 / 16)]);
  assert.equal(ratesOver(w, N - 48, 32), [r6(512 / 32)]);
  const idle = w.phases[1].ratePerPage;
  assert.ok(idle.every((r) => r === 0));
});

test('guest dirt: a hot set\'s records and page tables are hot, a cold set\'s cold (each covers its pages in address order)', () => {
  // 32,768 pages written, the first 4,096 (16 MiB) taking 90 % of 6,000 writes/s; 4-byte records: 1,024 pages' records a page.
  const hotcold = { type: 'hotcold', writesPerSecond: 6000, workingSetMiB: 128, hotSetMiB: 16, hotWriteFraction: 0.9, recordBytesPerPage: 4 } as const;
  const w = compileWorkload(hotcold, N, undefined, { osHotPages: 0, pageWalksDirtyPageTables: true }) as SegmentedWorkload;
  assert.equal(ratesOver(w, N - 4, 4), [r6(5400 / 4)]); // the hot set's 4 record pages
  assert.equal(ratesOver(w, N - 32, 28), [r6(600 / 28)]); // the cold set's 28
  assert.equal(ratesOver(w, N - 40, 8), [r6(5400 / 8)]); // the hot set's 8 page tables
  assert.equal(ratesOver(w, N - 96, 56), [r6(600 / 56)]); // the cold set's 56
  // A page table that maps both: 1 MiB hot (256 pages) shares the first with 256 cold pages.
  const small = compileWorkload({ ...hotcold, hotSetMiB: 1 }, N, undefined, { osHotPages: 0, pageWalksDirtyPageTables: true }) as SegmentedWorkload;
  const coldPerPage = 600 / (32768 - 256);
  assert.equal(ratesOver(small, N - 32 - 1, 1), [r6(5400 + 256 * coldPerPage)]);
  assert.equal(ratesOver(small, N - 32 - 64, 63), [r6(512 * coldPerPage)]);
  // The total written to them is the workload's rate, as before: only where it lands moved.
  let total = 0;
  for (let s2 = 0; s2 < small.segmentPages.length; s2++) if (small.segmentFirstPage[s2] >= N - 96) total += small.segmentPages[s2] * small.phases[0].ratePerPage[s2];
  assert.ok(Math.abs(total - 2 * 6000) < 1e-6, `${total}`);
});

test('guest dirt: every sync finds the page tables — the passes a 30 ms limit takes grow with them', () => {
  const base = { name: 'walks', fidelity: 'page', vm: { memoryMiB: 256, osHotPages: 63 }, workload: uniform, network: { bandwidthBitsPerSecond: 1e10 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 33554432, downtimeLimitSeconds: 0.03 } };
  const off = runScenario(validateScenario(base, 'walks.json', (p) => p));
  const on = runScenario(validateScenario({ ...base, vm: { ...base.vm, pageWalksDirtyPageTables: true } }, 'walks.json', (p) => p));
  assert.ok(on.rounds > off.rounds, `${on.rounds} passes with the page tables, ${off.rounds} without`);
  assert.ok(on.totalTimeSeconds > off.totalTimeSeconds);
});

test('guest dirt: refused with a trace (it holds every dirtied page already), and records checked by the schema', () => {
  const trace = { name: 't', vm: { memoryMiB: 64, pageWalksDirtyPageTables: true }, workload: { type: 'trace', file: 'x.csv' }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'qemu' } };
  assert.throws(() => validateScenario(trace, 't.json', (p) => p), (e: unknown) => e instanceof InputError && /vm\.pageWalksDirtyPageTables: expected false with a trace/.test(e.message));
  const bad = { name: 'r', vm: { memoryMiB: 64 }, workload: { type: 'uniform', writesPerSecond: 10, recordBytesPerPage: 5000 }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'qemu' } };
  assert.throws(() => validateScenario(bad, 'r.json', (p) => p), (e: unknown) => e instanceof InputError && /r\.json.*workload\.recordBytesPerPage/s.test(e.message));
});

test.run();
