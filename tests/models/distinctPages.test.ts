import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileWorkload } from '../../models/workload/build.ts';
import { expectedDistinctPages, type SegmentedWorkload } from '../../models/workload/segments.ts';
import { PageTracker } from '../../models/memory/pageTracker.ts';
import { FluidTracker } from '../../models/memory/fluidTracker.ts';
import { RandomStream } from '../../sim/random.ts';
import { relErr } from '../helpers/scenario.ts';

const N = 65536; // 256 MiB
const seg = (spec: Parameters<typeof compileWorkload>[0]): SegmentedWorkload => compileWorkload(spec, N) as SegmentedWorkload;

test('uniform: distinct pages = W (1 − exp(−r Δt / W)), saturating at the working set', () => {
  const w = seg({ type: 'uniform', writesPerSecond: 10000, workingSetMiB: 64 });
  const W = 16384;
  for (const dt of [0.1, 1, 5, 50]) {
    assert.ok(relErr(expectedDistinctPages(w, 3, 3 + dt), W * (1 - Math.exp((-10000 * dt) / W))) < 1e-12);
  }
  assert.ok(expectedDistinctPages(w, 0, 1000) > W * 0.999999 && expectedDistinctPages(w, 0, 1000) <= W);
});

test('hot/cold: the two parts add; sweep: min(buffer, r Δt)', () => {
  const w = seg({ type: 'hotcold', writesPerSecond: 20000, hotSetMiB: 16, hotWriteFraction: 0.9 });
  const H = 4096, C = N - H;
  const dt = 0.7;
  const expected = H * (1 - Math.exp((-18000 * dt) / H)) + C * (1 - Math.exp((-2000 * dt) / C));
  assert.ok(relErr(expectedDistinctPages(w, 0, dt), expected) < 1e-12);
  const s = seg({ type: 'sweep', writesPerSecond: 1000, bufferMiB: 8 });
  assert.ok(relErr(expectedDistinctPages(s, 0, 1.5), 1500) < 1e-12);
  assert.is(expectedDistinctPages(s, 0, 100), 2048);
});

test('phases: a later phase applies after its start; repeat cycles', () => {
  const w = seg({ type: 'phases', phases: [{ durationSeconds: 10, workload: { type: 'idle' } }, { durationSeconds: 5, workload: { type: 'uniform', writesPerSecond: 1000 } }] });
  assert.is(expectedDistinctPages(w, 0, 10), 0);
  assert.ok(relErr(expectedDistinctPages(w, 9, 11), N * (1 - Math.exp(-1000 / N))) < 1e-12);
  const r = seg({ type: 'phases', repeat: true, phases: [{ durationSeconds: 1, workload: { type: 'idle' } }, { durationSeconds: 1, workload: { type: 'uniform', writesPerSecond: 1000 } }] });
  assert.is(expectedDistinctPages(r, 2, 3), 0);
  assert.ok(relErr(expectedDistinctPages(r, 2, 4), N * (1 - Math.exp(-1000 / N))) < 1e-12);
});

test('zipf buckets keep the total write rate and favour low ranks', () => {
  const w = seg({ type: 'zipf', writesPerSecond: 50000, exponent: 1 });
  const rate = w.phases[0].ratePerPage;
  let total = 0;
  for (let s = 0; s < rate.length; s++) total += rate[s] * w.segmentPages[s];
  assert.ok(relErr(total, 50000) < 1e-9);
  assert.ok(rate[0] > rate[rate.length - 1] * 1000);
});

for (const spec of [
  { type: 'uniform', writesPerSecond: 30000, workingSetMiB: 128 },
  { type: 'hotcold', writesPerSecond: 30000, hotSetMiB: 8, hotWriteFraction: 0.95 },
  { type: 'zipf', writesPerSecond: 30000, exponent: 0.9 },
  { type: 'phases', phases: [{ durationSeconds: 0.5, workload: { type: 'uniform', writesPerSecond: 40000 } }, { durationSeconds: 1, workload: { type: 'sweep', writesPerSecond: 5000, bufferMiB: 32 } }] },
] as const) {
  test(`page level agrees with fluid on average (${spec.type})`, () => {
    const w = seg(spec as Parameters<typeof compileWorkload>[0]);
    const intervals = [[0, 0.2], [0.2, 0.9], [0.9, 1.3]];
    const fluid = intervals.map(([a, b]) => expectedDistinctPages(w, a, b));
    const runs = 30;
    const sums = intervals.map(() => 0);
    for (let seed = 0; seed < runs; seed++) {
      const t = new PageTracker(w, 0, new RandomStream(seed, 'workload'), new RandomStream(seed, 'memory'));
      t.startTracking(0);
      intervals.forEach(([, b], i) => { sums[i] += t.dirtySinceSync(b); t.sync(b); });
    }
    intervals.forEach((_, i) => assert.ok(relErr(sums[i] / runs, fluid[i]) < 0.01, `interval ${i}: page mean ${sums[i] / runs} vs fluid ${fluid[i]}`));
  });
}

test('sync adds only pages not already pending (union), in both trackers', () => {
  // Writes spread over all memory, so the pending half is hit half the time (the fluid tracker's
  // exchangeability assumption; a working set packed into the sent half would break it).
  const w = seg({ type: 'uniform', writesPerSecond: 20000 });
  const f = new FluidTracker(w, 0);
  f.startTracking(0);
  const out = { pages: 0, zeroPages: 0, skippedPages: 0 };
  f.take(N / 2, false, 0, out);
  const d = expectedDistinctPages(w, 0, 1);
  // Half of memory is still pending; new dirt lands on pending pages half the time.
  assert.ok(relErr(f.sync(1), N / 2 + d / 2) < 1e-9);
  let mean = 0;
  for (let seed = 0; seed < 20; seed++) {
    const p = new PageTracker(w, 0, new RandomStream(seed, 'workload'), new RandomStream(seed, 'memory'));
    p.startTracking(0);
    p.take(N / 2, false, 0, out);
    mean += p.sync(1) / 20;
  }
  assert.ok(relErr(mean, N / 2 + d / 2) < 0.01, `page ${mean} vs ${N / 2 + d / 2}`);
});

test('zero pages lie first where the workload never writes (unwritten-first), else evenly; both trackers agree', () => {
  const w = seg({ type: 'hotcold', writesPerSecond: 1000, workingSetMiB: 64, hotSetMiB: 8, hotWriteFraction: 0.9 }); // 16,384 of 65,536 pages written
  const count = (t: PageTracker, from: number, to: number): number => { let n = 0; for (let q = from; q < to; q++) if ((t as unknown as { zeroBits: Uint32Array }).zeroBits[q >>> 5] & (1 << (q & 31))) n++; return n; };
  const written = 16384;
  // 50 % zero pages fit in the unwritten 75 %: the working set holds none.
  const p = new PageTracker(w, 0.5, new RandomStream(2, 'workload'), new RandomStream(2, 'memory'));
  assert.is(count(p, 0, written), 0);
  assert.ok(Math.abs(count(p, written, N) - N / 2) < 4 * Math.sqrt(N / 2 * 0.3));
  // 90 %: the unwritten part is all zero, the remaining 15 % of memory's zero pages spread over the working set.
  const q = new PageTracker(w, 0.9, new RandomStream(3, 'workload'), new RandomStream(3, 'memory'));
  assert.is(count(q, written, N), N - written);
  const inWs = count(q, 0, written);
  const expected = 0.9 * N - (N - written);
  assert.ok(Math.abs(inWs - expected) < 5 * Math.sqrt(expected * (1 - expected / written)), `${inWs} zero pages in the working set, expected ≈ ${expected}`);
  // The fluid tracker holds the same expectations (a full round sends f·N zero pages in both);
  // uniform placement spreads them over everything, the working set included.
  for (const [placement, f, inWorkingSet] of [['unwritten-first', 0.9, expected], ['uniform', 0.9, 0.9 * written], ['unwritten-first', 0.5, 0]] as const) {
    const fl = new FluidTracker(w, f, placement);
    const pt = new PageTracker(w, f, new RandomStream(4, 'workload'), new RandomStream(4, 'memory'), false, placement);
    assert.ok(Math.abs(count(pt, 0, written) - inWorkingSet) < 5 * Math.sqrt(written) + 1, `${placement} ${f}: ${count(pt, 0, written)} zero pages in the working set, expected ≈ ${inWorkingSet}`);
    fl.startTracking(0); pt.startTracking(0);
    const a = { pages: 0, zeroPages: 0, skippedPages: 0 }, b = { pages: 0, zeroPages: 0, skippedPages: 0 };
    fl.take(N, false, 0, a); pt.take(N, false, 0, b);
    assert.ok(Math.abs(a.zeroPages - f * N) < 1e-6 * N, `${placement} ${f}: fluid round sends f·N zero pages (${a.zeroPages})`);
    assert.ok(Math.abs(b.zeroPages - f * N) < 5 * Math.sqrt(N), `${placement} ${f}: page round sends ≈ f·N zero pages (${b.zeroPages})`);
  }
});

test('zero pages: a written zero page stops being zero; skipped pages stay dirty', () => {
  const w = seg({ type: 'sweep', writesPerSecond: 1000, bufferMiB: 4 });
  const p = new PageTracker(w, 0.5, new RandomStream(1, 'workload'), new RandomStream(1, 'memory'), false, 'uniform');
  const zeros0 = p.zeroPages;
  assert.ok(Math.abs(zeros0 - N / 2) < 4 * Math.sqrt(N / 4));
  p.startTracking(0);
  p.advance(1.024); // the sweep covered all 1024 buffer pages
  assert.ok(p.zeroPages < zeros0 && zeros0 - p.zeroPages > 400);
  const out = { pages: 0, zeroPages: 0, skippedPages: 0 };
  p.take(2048, true, 1.024, out);
  assert.is(out.skippedPages, 1024);
  assert.is(out.pages, 1024);
  assert.is(p.sync(1.024), N - 2048 + 1024);
});

test.run();
