import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileWorkload } from '../../models/workload/build.ts';
import { PageTracker } from '../../models/memory/pageTracker.ts';
import { RandomStreams } from '../../sim/random.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { InputError } from '../../models/input/errors.ts';

const dirtyAfter = (workload: Parameters<typeof compileWorkload>[0], seconds: number): number[] => {
  const streams = new RandomStreams(3);
  const t = new PageTracker(compileWorkload(workload, 256), 0, streams.get('w'), streams.get('m'));
  t.startTracking(0);
  t.advance(seconds);
  return Array.from({ length: 256 }, (_, p) => p).filter((p) => t.isDirty(p));
};

test('startPage: the pointer starts there and wraps round the buffer (page level)', () => {
  // 1 MiB guest, a 1 MiB buffer at 100 pages/s starting at page 230: in 0.5 s it writes 230..255 and 0..23.
  assert.equal(dirtyAfter({ type: 'sweep', writesPerSecond: 100, bufferMiB: 1, startPage: 230 }, 0.5), [...Array.from({ length: 24 }, (_, k) => k), ...Array.from({ length: 26 }, (_, k) => 230 + k)]);
  assert.equal(dirtyAfter({ type: 'sweep', writesPerSecond: 100, bufferMiB: 1 }, 0.5), Array.from({ length: 50 }, (_, k) => k));
});

test('startPage: counted in the order the sweep writes, through a layout', () => {
  // Laid out backwards: virtual page k lies at 255 − k; starting at virtual 100, 0.2 s writes virtual 100..119 = physical 136..155.
  const f = join(mkdtempSync(join(tmpdir(), 'miglab-start-')), 'rev.json');
  writeFileSync(f, JSON.stringify({ runs: [[255, 256, -1]] }));
  assert.equal(dirtyAfter({ type: 'sweep', writesPerSecond: 100, bufferMiB: 1, layoutFile: f, startPage: 100 }, 0.2), Array.from({ length: 20 }, (_, k) => 136 + k));
});

const nearSaturation = (startPage: number, fidelity: 'page' | 'fluid') => validateScenario({
  name: 'start', fidelity, seed: 1,
  vm: { memoryMiB: 256, zeroPageFraction: 0 },
  workload: { type: 'sweep', writesPerSecond: 7800, bufferMiB: 64, startPage },
  network: { bandwidthBitsPerSecond: 4e9 },
  migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 33554432, downtimeLimitSeconds: 0.3 },
  limits: { maxTimeSeconds: 120, onTimeout: 'cancel' },
}, 's.json', (p) => p);

test('startPage: near saturation, where the pointer meets the scan decides the time, at both fidelities', () => {
  for (const fidelity of ['page', 'fluid'] as const) {
    const times = [0, 4096, 8192, 12288].map((p) => runScenario(nearSaturation(p, fidelity), { keepRounds: false }).totalTimeSeconds);
    // Not one answer whatever the start: the spread is seconds, not rounding.
    assert.ok(Math.max(...times) - Math.min(...times) > 2, `${fidelity}: ${times.join(', ')}`);
    // Deterministic for one start.
    assert.is(runScenario(nearSaturation(4096, fidelity), { keepRounds: false }).totalTimeSeconds, times[1]);
  }
});

test('startPage: outside the buffer is refused, naming the field and the range', () => {
  assert.throws(() => nearSaturation(16384, 'page'), (e: Error) => e instanceof InputError && e.message.includes('workload.startPage') && e.message.includes('0 to 16383'));
  assert.throws(() => nearSaturation(-1, 'page'), (e: Error) => e instanceof InputError && e.message.includes('workload.startPage'));
});

test.run();
