import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scenario } from '../helpers/scenario.ts';
import { loadScenario } from '../../models/scenario/load.ts';

/** vm.footprintMiB: zero pages = memory neither the idle guest's footprint nor the workload reaches. */
const zero = (vm: Record<string, unknown>, workload: Record<string, unknown>): number =>
  scenario({ vm: { memoryMiB: 256, ...vm }, workload, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'qemu' } }).vm.zeroPageFraction;

test('derived from the footprint and the pages each workload writes', () => {
  assert.is(zero({ footprintMiB: 69 }, { type: 'sweep', writesPerSecond: 1000, bufferMiB: 64 }), (256 - 69 - 64) / 256);
  assert.is(zero({ footprintMiB: 69 }, { type: 'idle' }), (256 - 69) / 256);
  assert.is(zero({ footprintMiB: 69 }, { type: 'hotcold', writesPerSecond: 1000, hotSetMiB: 8, hotWriteFraction: 0.9, workingSetMiB: 100 }), (256 - 69 - 100) / 256);
  assert.is(zero({ footprintMiB: 69 }, { type: 'uniform', writesPerSecond: 1000 }), 0, 'a writer over all of memory leaves no zero page');
  // Phases: the union of what they write (32 MiB at 0 and 32 MiB at 64 MiB; the sweep's 16 MiB lies inside the first).
  assert.is(zero({ footprintMiB: 10 }, { type: 'phases', phases: [
    { durationSeconds: 1, workload: { type: 'uniform', writesPerSecond: 10, workingSetMiB: 32 } },
    { durationSeconds: 1, workload: { type: 'uniform', writesPerSecond: 10, workingSetMiB: 32, offsetMiB: 64 } },
    { durationSeconds: 1, workload: { type: 'sweep', writesPerSecond: 10, bufferMiB: 16 } },
  ] }), (256 - 10 - 64) / 256);
  assert.is(zero({ footprintMiB: 250 }, { type: 'sweep', writesPerSecond: 1000, bufferMiB: 64 }), 0, 'never below 0');
});

test('an explicit fraction overrides; without either it is 0; a trace counts its distinct pages; nonsense is refused', () => {
  assert.is(zero({ footprintMiB: 69, zeroPageFraction: 0.3 }, { type: 'sweep', writesPerSecond: 1000, bufferMiB: 64 }), 0.3);
  assert.is(zero({}, { type: 'sweep', writesPerSecond: 1000, bufferMiB: 64 }), 0);
  const t = loadScenario('scenarios/precopy-xen-trace.json', ['vm.footprintMiB=1']).scenario;
  assert.ok(t.vm.zeroPageFraction > 0 && t.vm.zeroPageFraction < 0.75, `trace: ${t.vm.zeroPageFraction}`);
  assert.throws(() => zero({ footprintMiB: 300 }, { type: 'idle' }), /vm\.footprintMiB: expected at most vm\.memoryMiB \(256\)/);
  assert.throws(() => zero({ footprintMiB: -1 }, { type: 'idle' }), /vm\.footprintMiB: expected a number >= 0/);
});

test.run();
