import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dirtierReports, msUntilSweepPage, sweepPointerAt, achievedStartPage, sweepPageAtMigration, dirtierStartPage, sweepClockOf } from '../../real/sweepPointer.ts';
import { dirtierFor } from '../../real/dirtier.ts';
import { validateScenario } from '../../models/scenario/validate.ts';

/** A console as the replay sees it: chunks of text, each with its arrival time here (ms). */
function consoleOf(chunks: [number, string][]): { text: string; arrivals: { ms: number; text: string }[] } {
  return { text: chunks.map((c) => c[1]).join(''), arrivals: chunks.map(([ms, text]) => ({ ms, text })) };
}

const clock = { bufferPages: 16384, writesPerSecond: 8000, firstPage: 0 };

test('the pointer: reported writes, then the nominal rate since the last report, modulo the buffer', () => {
  // The dirtier starts at host time 10,000 ms (its start line arrives 2 ms late), then reports
  // 8,010 and 8,000 writes; the second report arrives 5 ms late, the first 1 ms late.
  const c = consoleOf([
    [10002, 'boot noise\nDIRTIER start pages=16384 rate=8000 mode=seq\n'],
    [11004, 'DIRTIER t=1.003 writes=8010 distinct=8010 target=8000 bad=0 pages=16384\n~~'],
    [12009, 'DIRTIER t=2.004 writes=8000 distinct=16010 target=8000 bad=0 pages=16384\n'],
  ]);
  const r = dirtierReports(c);
  assert.is(r.length, 3);
  // Start: the least (arrival − guest time) = 11,004 − 1,003 = 10,001 ms.
  // At 12,500 ms: 16,010 written by guest time 2.004 s, then (2.499 − 2.004) s × 8,000 = 3,960 more.
  assert.ok(Math.abs(sweepPointerAt(r, clock, 12500)! - ((16010 + 3960) % 16384)) < 1e-6);
  // Before the second report arrived, the first is the last one known.
  assert.ok(Math.abs(sweepPointerAt(r, clock, 11500)! - (8010 + 0.496 * 8000)) < 1e-6);
  // Waiting for a page: the pointer's distance to it at the rate, never a whole sweep or more.
  const here = sweepPointerAt(r, clock, 12500)!;
  const wait = msUntilSweepPage(r, clock, 100, 12500);
  assert.ok(Math.abs(wait - (((100 - here + 16384) % 16384) / 8000) * 1000) < 1e-6);
  assert.ok(wait >= 0 && wait < (16384 / 8000) * 1000);
  assert.ok(Math.abs(sweepPointerAt(r, clock, 12500 + wait)! - 100) < 1e-6);
});

test('a restarted dirtier: only its last run counts', () => {
  const c = consoleOf([
    [1000, 'DIRTIER start pages=16384\n'],
    [2000, 'DIRTIER t=1.000 writes=8000 distinct=8000 target=8000 bad=0 pages=16384\n'],
    [5000, 'DIRTIER start pages=16384\n'],
  ]);
  const r = dirtierReports(c);
  assert.is(r.length, 1);
  assert.ok(Math.abs(sweepPointerAt(r, clock, 5500)! - 4000) < 1e-6);
});

test('a line counts from the chunk that completes it', () => {
  const c = consoleOf([[1000, 'DIRTIER start\n'], [1900, 'DIRTIER t=1.000 wri'], [2040, 'tes=8000 distinct=1 target=8000 bad=0\n']]);
  const r = dirtierReports(c);
  assert.is(r[1].arrivalMs, 2040);
  assert.is(dirtierReports(consoleOf([[1000, 'DIRTIER start\n'], [1900, 'DIRTIER t=1.000 wri']])).length, 1);
});

test('the start page at the migration, and back from it', () => {
  const s = validateScenario({ name: 'x', vm: { memoryMiB: 256 }, workload: { type: 'sweep', writesPerSecond: 8000, bufferMiB: 64, startPage: 16000 }, migration: { algorithm: 'precopy', policy: 'qemu', startSeconds: 0.5 }, network: { bandwidthBitsPerSecond: 1e9 } }, 'x', (p) => p);
  // 16,000 + 0.5 s × 8,000 = 20,000 → 3,616 in a 16,384-page buffer.
  assert.is(sweepPageAtMigration(s, clock), 3616);
  assert.is(achievedStartPage(s, clock, 3616), 16000);
  assert.is(achievedStartPage(s, clock, 3615.6), 16000);
});

test('the dirtier starts its pointer so that it reaches the start page a lead after its start', () => {
  const s = validateScenario({ name: 'x', vm: { memoryMiB: 256 }, workload: { type: 'sweep', writesPerSecond: 100, bufferMiB: 160, startPage: 5 }, migration: { algorithm: 'precopy', policy: 'qemu', startSeconds: 2 }, network: { bandwidthBitsPerSecond: 1e9 } }, 'x', (p) => p);
  const d = dirtierFor(s, 'x');
  // A slow sweep of a large buffer (40,960 pages at 100/s: 410 s a round). At the migration, 2 s
  // after time 0, the pointer must be at 5 + 200; it gets there 5 s (lead) + 2 s after the
  // dirtier's start when it starts 700 pages before.
  const start = dirtierStartPage(s, d, 5);
  assert.is(start, 40960 + 205 - 700);
  const c = sweepClockOf(s, { ...d, start })!;
  assert.is(c.firstPage, start);
  const r = dirtierReports(consoleOf([[1000, 'DIRTIER start pages=40960\n']]));
  // 7 s after the dirtier's start its pointer is where the migration wants it: no wait.
  assert.ok(Math.abs(sweepPointerAt(r, c, 8000)! - 205) < 1e-6);
  assert.ok(Math.abs(msUntilSweepPage(r, c, sweepPageAtMigration(s, c), 8000)) < 1e-6);
  // Ready 1 s early: a wait of 1 s, not a round of the buffer.
  assert.ok(Math.abs(msUntilSweepPage(r, c, sweepPageAtMigration(s, c), 7000) - 1000) < 1e-6);
  assert.is(achievedStartPage(s, c, 205), 5);
  assert.is(dirtierStartPage(validateScenario({ ...s, workload: { type: 'uniform', writesPerSecond: 100 } }, 'x', (p) => p), d, 5), 0);
});

test.run();
