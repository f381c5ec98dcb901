import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZeroMap, withZeroMap, zeroFractionsFromMap, zeroMapCuts, zeroMapOf, zeroPagesByMiB, ZeroMapFormatError } from '../../models/memory/zeroMap.ts';
import { compileWorkload } from '../../models/workload/build.ts';
import type { SegmentedWorkload } from '../../models/workload/segments.ts';
import { PageTracker } from '../../models/memory/pageTracker.ts';
import { FluidTracker } from '../../models/memory/fluidTracker.ts';
import { RandomStreams } from '../../sim/random.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { InputError } from '../../models/input/errors.ts';
import { newTakeResult } from '../../models/memory/tracker.ts';

const dir = mkdtempSync(join(tmpdir(), 'miglab-zeromap-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: unknown): string => { const f = join(dir, name); writeFileSync(f, JSON.stringify(data)); return f; };

// A 4 MiB guest (1,024 pages): MiB 0 dense, MiB 1 all zero, MiB 2 half zero, MiB 3 dense. The
// workload sweeps MiB 0. 284 zero pages in all: the map's candidates (256 + 128) less the 100 the
// allocation took, lowest first (from MiB 1).
const map = Uint16Array.from([256, 0, 128, 256]);
const sweep = (): SegmentedWorkload => compileWorkload({ type: 'sweep', writesPerSecond: 100, bufferMiB: 1 }, 1024) as SegmentedWorkload;

test('zero map: candidates per MiB, less what the allocation took from the bottom up', () => {
  assert.equal(Array.from(zeroPagesByMiB(map, sweep(), 284, 0)), [0, 156, 128, 0]);
  // More zero pages than the map has room for: the other 256 spread over the 384 unwritten pages left.
  const z = zeroPagesByMiB(map, sweep(), 384 + 256, 0);
  assert.equal(Array.from(z, (x) => Math.round(x * 1e9) / 1e9), [0, 256, 213.333333333, 170.666666667]);
  // The top block holds none: MiB 3 is the top block here, so the map's room is all there is.
  assert.equal(Array.from(zeroPagesByMiB(Uint16Array.from([256, 0, 128, 0]), sweep(), 1000, 256)), [0, 256, 256, 0]);
});

test('zero map: the workload is cut where the density changes, each segment gets its MiBs\' zero pages', () => {
  const zero = zeroPagesByMiB(map, sweep(), 284, 0);
  assert.equal(zeroMapCuts(zero, 1024), [256, 512, 768]);
  const w = withZeroMap(sweep(), map, 284, 0, 'test-map');
  assert.equal(Array.from(w.segmentFirstPage), [0, 256, 512, 768]);
  assert.equal(Array.from(zeroFractionsFromMap(w, zeroMapOf(w)!, 0)), [0, 156 / 256, 0.5, 0]);
  assert.is(withZeroMap(sweep(), map, 284, 0, 'test-map') === w, false, 'a fresh workload is cut afresh');
  const same = sweep();
  assert.is(withZeroMap(same, map, 284, 0, 'k'), withZeroMap(same, map, 284, 0, 'k'), 'memoized per workload, map and count');
});

test('zero map: both trackers put the zero pages where the map says', () => {
  const w = withZeroMap(sweep(), Uint16Array.from([256, 0, 256, 256]), 256, 0, 'pure');
  const s = new RandomStreams(1);
  const page = new PageTracker(w, 0.25, s.get('w'), s.get('m'));
  const fluid = new FluidTracker(w, 0.25);
  page.startTracking(0);
  fluid.startTracking(0);
  const take = newTakeResult();
  // Address order: MiB 0 has no zero page, MiB 1 only zero pages.
  for (const t of [page, fluid]) {
    t.take(256, false, 0, take);
    assert.is(take.zeroPages, 0, `${t.fidelity}: MiB 0`);
    t.take(256, false, 0, take);
    assert.is(take.zeroPages, 256, `${t.fidelity}: MiB 1`);
  }
});

test('zero map: a file that does not fit the guest is refused, naming what is wrong', () => {
  const err = (data: unknown, mib: number): string => { try { loadZeroMap(file(`m${Math.random()}.json`, data), mib); return ''; } catch (e) { assert.instance(e, ZeroMapFormatError); return (e as Error).message; } };
  assert.match(err({ memoryMiB: 2, nonZeroPagesPerMiB: [1, 2] }, 4), 'expected "memoryMiB": 4');
  assert.match(err({ memoryMiB: 4, nonZeroPagesPerMiB: [1, 2] }, 4), 'expected an array of 4 counts');
  assert.match(err({ memoryMiB: 2, nonZeroPagesPerMiB: [1, 300] }, 2), 'nonZeroPagesPerMiB[1]: expected an integer 0..256');
  const scenario = (vm: Record<string, unknown>): string => {
    try { validateScenario({ name: 'm', vm: { memoryMiB: 4, ...vm }, workload: { type: 'sweep', writesPerSecond: 10, bufferMiB: 1 }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'qemu' } }, 'm.json', (p) => join(dir, p)); return ''; } catch (e) { assert.instance(e, InputError); return (e as Error).message; }
  };
  writeFileSync(join(dir, 'ok.json'), JSON.stringify({ memoryMiB: 4, nonZeroPagesPerMiB: [256, 0, 128, 256] }));
  assert.is(scenario({ footprint: { idleMiB: 2, reusableMiB: 0, mapFile: 'ok.json' } }), '');
  assert.match(scenario({ footprint: { idleMiB: 2, reusableMiB: 0, mapFile: 'missing.json' } }), 'vm.footprint.mapFile: cannot read');
  assert.match(scenario({ zeroPagePlacement: 'uniform', footprint: { idleMiB: 2, reusableMiB: 0, mapFile: 'ok.json' } }), 'vm.zeroPagePlacement: the image\'s map');
});

test('zero pages cost time where they are dense (network.zeroPageSeconds), and only on QEMU\'s stream', () => {
  // At a cap, a window that meets a run of zero pages spends its time there: 4 MiB of data at 1 MiB/s
  // (2.5 s with the windows' flush excess), then 15,360 zero pages at 50 µs (0.77 s), not hidden in
  // the windows' sleep (one transfer over many windows would hide them: 9 ms).
  writeFileSync(join(dir, 'runs.json'), JSON.stringify({ memoryMiB: 64, nonZeroPagesPerMiB: Array.from({ length: 64 }, (_, i) => (i < 4 ? 256 : 0)) }));
  const capped = (zeroPageSeconds: number): number => runScenario(validateScenario({
    name: 'c', fidelity: 'page', vm: { memoryMiB: 64, footprint: { idleMiB: 4, reusableMiB: 0, mapFile: 'runs.json' } }, workload: { type: 'idle' },
    network: { bandwidthBitsPerSecond: 8e9, zeroPageSeconds }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 1048576, downtimeLimitSeconds: 0.3 },
  }, 'c.json', (p) => join(dir, p)), { resolvePath: (p) => join(dir, p) }).totalTimeSeconds;
  const windows = capped(50e-6) - capped(0);
  // Less the part of the last data windows' sleep that the first zero pages use.
  assert.ok(windows > 15360 * 50e-6 - 0.2 && windows <= 15360 * 50e-6, `extra ${windows} s`);
  // A 64 MiB guest of which only the lowest MiB is not zero (a map), uncapped over a fast link: its
  // 16,128 zero pages at 10 µs add 161.28 ms to the 1 MiB of data's 1 ms (the sending thread does
  // both, one after the other).
  writeFileSync(join(dir, 'half.json'), JSON.stringify({ memoryMiB: 64, nonZeroPagesPerMiB: Array.from({ length: 64 }, (_, i) => (i < 1 ? 256 : 0)) }));
  const run = (zeroPageSeconds: number): number => runScenario(validateScenario({
    name: 'z', fidelity: 'page', vm: { memoryMiB: 64, footprint: { idleMiB: 1, reusableMiB: 0, mapFile: 'half.json' } }, workload: { type: 'idle' },
    network: { bandwidthBitsPerSecond: 8e9, zeroPageSeconds }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: null },
  }, 'z.json', (p) => join(dir, p)), { resolvePath: (p) => join(dir, p) }).totalTimeSeconds;
  const extra = run(10e-6) - run(0);
  assert.ok(Math.abs(extra - 16128 * 10e-6) < 1e-3, `extra ${extra} s`);
  try {
    validateScenario({ name: 'x', vm: { memoryMiB: 64 }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e9, zeroPageSeconds: 1e-6 }, migration: { algorithm: 'precopy', policy: 'xen' } }, 'x.json', (p) => p);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, 'network.zeroPageSeconds: the cost of QEMU\'s zero-page detection: expected 0 with network.wireFormat "xen"');
  }
});

test.run();
