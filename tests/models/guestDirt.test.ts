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
