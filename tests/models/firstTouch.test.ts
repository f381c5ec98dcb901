import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import { compileWorkload } from '../../models/workload/build.ts';
import type { SegmentedWorkload } from '../../models/workload/segments.ts';
import { PageTracker } from '../../models/memory/pageTracker.ts';
import { FluidTracker } from '../../models/memory/fluidTracker.ts';
import { newTakeResult } from '../../models/memory/tracker.ts';
import { RandomStream } from '../../sim/random.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

/**
 * The destination's first touch (migration.firstTouchSecondsPerPage): the final pass costs that much
 * more for each page whose content the destination receives for the first time.
 */
const N = 4096; // 16 MiB

test('page level: a page counts the first time it is sent non-zero, never again', () => {
  const w = compileWorkload({ type: 'idle' }, N) as SegmentedWorkload;
  const t = new PageTracker(w, 0.5, new RandomStream(1, 'workload'), new RandomStream(1, 'memory'));
  const zero = t.zeroPages;
  t.startTracking(0);
  const out = newTakeResult();
  t.take(1000, false, 0, out);
  assert.is(t.firstContentPages, out.pages - out.zeroPages);
  t.take(N, false, 0, out);
  assert.is(t.firstContentPages, N - zero, 'every non-zero page once');
  // A second pass over all of memory (the pages re-sent) adds nothing.
  t.sync(0);
  (t as unknown as { pendingBits: Uint32Array }).pendingBits.fill(0xffffffff);
  (t as unknown as { pendingCount: number }).pendingCount = N;
  t.take(N, false, 0, out);
  assert.is(t.firstContentPages, N - zero);
});

test('page level: a zero page written after it was sent is new content when sent again', () => {
  // A sweep over the first 8 MiB after the first pass: its zero pages become content the destination lacks.
  const w = compileWorkload({ type: 'sweep', writesPerSecond: 1000, bufferMiB: 8 }, N) as SegmentedWorkload;
  const t = new PageTracker(w, 0.5, new RandomStream(1, 'workload'), new RandomStream(1, 'memory'), false, 'uniform');
  const out = newTakeResult();
  t.startTracking(0);
  t.take(N, false, 0, out);
  const afterFirst = t.firstContentPages;
  const zeroInBuffer = out.zeroPages; // not used beyond the check below
  assert.ok(zeroInBuffer > 0);
  t.sync(1); // 1,000 pages of the buffer written in the first second
  t.take(N, false, 1, out);
  assert.is(out.pages, 1000);
  assert.ok(t.firstContentPages - afterFirst > 300 && t.firstContentPages - afterFirst < 700, `new content ${t.firstContentPages - afterFirst} of 1,000 pages, about half of them zero before`);
});

test('fluid: the never-sent share of what a pass takes; the whole first pass is new', () => {
  const w = compileWorkload({ type: 'uniform', writesPerSecond: 500, workingSetMiB: 8 }, N) as SegmentedWorkload;
  const t = new FluidTracker(w, 0.25);
  t.startTracking(0);
  const out = newTakeResult();
  t.take(N / 2, false, 0, out);
  assert.ok(relErr(t.firstContentPages, out.pages - out.zeroPages) < 1e-12, `${t.firstContentPages} vs ${out.pages - out.zeroPages}`);
  t.take(N, false, 0, out);
  assert.ok(relErr(t.firstContentPages, N * 0.75) < 1e-9, `${t.firstContentPages}`);
  t.sync(2);
  const before = t.firstContentPages;
  t.take(N, false, 2, out);
  assert.ok(out.pages > 0 && t.firstContentPages === before, 'pages re-sent are not new');
});

const guest = (fidelity: string, migration: Record<string, unknown>, workload: Record<string, unknown> = { type: 'sweep', writesPerSecond: 2000, bufferMiB: 64 }) => scenario({
  fidelity, seed: 3, vm: { memoryMiB: 256, zeroPageFraction: 0.5 }, workload,
  network: { bandwidthBitsPerSecond: 1e10, wireFormat: 'qemu' },
  migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 32 * 1048576, downtimeLimitSeconds: 0.3, ...migration },
});

test('downtime: a final pass of pages sent before costs no first touch; a first pass\'s tail does', () => {
  for (const fidelity of ['page', 'fluid']) {
    // Busy: several passes, the final one re-sent pages.
    const busy0 = runScenario(guest(fidelity, {})), busy1 = runScenario(guest(fidelity, { firstTouchSecondsPerPage: 5e-6 }));
    assert.ok(busy0.rounds >= 3, `${fidelity}: ${busy0.rounds} rounds`);
    assert.ok(Math.abs(busy1.downtimeSeconds - busy0.downtimeSeconds) < 0.02 * busy0.downtimeSeconds, `${fidelity}: ${busy0.downtimeSeconds} → ${busy1.downtimeSeconds}`);
    // Idle: the first pass ends in convergence, its unsent tail (non-zero half of it) is the final pass.
    const idle0 = runScenario(guest(fidelity, {}, { type: 'idle' })), idle1 = runScenario(guest(fidelity, { firstTouchSecondsPerPage: 5e-6 }, { type: 'idle' }));
    const tailPages = idle0.roundRows.at(-1)!.pagesSent - idle0.roundRows.at(-1)!.zeroPagesSent;
    assert.ok(tailPages > 100, `${fidelity}: a tail of ${tailPages} non-zero pages`);
    assert.ok(relErr(idle1.downtimeSeconds - idle0.downtimeSeconds, tailPages * 5e-6) < 1e-6, `${fidelity}: +${idle1.downtimeSeconds - idle0.downtimeSeconds} s for ${tailPages} pages`);
    assert.is(idle1.bytesTransferred, idle0.bytesTransferred);
  }
});

test('stop-and-copy: every non-zero page is new to the destination', () => {
  for (const fidelity of ['page', 'fluid']) {
    const s = (x: number) => guest(fidelity, { algorithm: 'stop-and-copy', policy: undefined, downtimeLimitSeconds: undefined, firstTouchSecondsPerPage: x }, { type: 'idle' });
    const a = runScenario(s(0)), b = runScenario(s(2e-6));
    const nonZero = a.roundRows.at(-1)!.pagesSent - a.roundRows.at(-1)!.zeroPagesSent;
    assert.ok(relErr(b.downtimeSeconds - a.downtimeSeconds, nonZero * 2e-6) < 1e-6 && relErr(nonZero, 65536 * 0.5) < 0.02, `${fidelity}: ${nonZero} pages, +${b.downtimeSeconds - a.downtimeSeconds} s`);
  }
});

test('the parameter is checked: a negative or absurd time per page is refused by name', () => {
  assert.throws(() => guest('page', { firstTouchSecondsPerPage: -1 }), /migration\.firstTouchSecondsPerPage/);
  assert.throws(() => guest('page', { firstTouchSecondsPerPage: 0.01 }), /migration\.firstTouchSecondsPerPage/);
});

test.run();
