import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scenario } from '../helpers/scenario.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { loadScenario } from '../../models/scenario/load.ts';
import { OS_HOT_PAGE_WRITES_PER_SECOND } from '../../models/workload/build.ts';

/**
 * vm.osHotPages: pages the guest's OS rewrites all the time. Hand-worked on Xen's policy: an idle
 * 64 MiB guest (16,384 pages) with 100 hot OS pages on Fast Ethernet (12.5 MB/s). Pass 1 sends every
 * page (16,384 × 4,104 B ≈ 5.4 s); each later pass of 100 pages takes 33 ms, and a hot page is dirty
 * again after d seconds with probability 1 − e^(−250 d) = 0.9997, so a pass never falls below Xen's
 * 50-page threshold: 5 live passes (the cap), then the stop-and-copy of ~100 pages. On a gigabit
 * link the passes shrink to ms and the same guest converges (100, 58, 41 pages at page level).
 */
const run = (osHotPages: number, fidelity: 'page' | 'fluid') => runScenario(scenario({
  fidelity, vm: { memoryMiB: 64, osHotPages }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e8 },
  migration: { algorithm: 'precopy', policy: 'xen' },
}));

test('an idle guest with hot OS pages never falls under Xen\'s 50-page threshold; without them it converges', () => {
  for (const fidelity of ['page', 'fluid'] as const) {
    const hot = run(100, fidelity);
    assert.is(hot.rounds, 6, fidelity);
    assert.is(hot.stopReason, 'iteration-cap', fidelity);
    for (const r of hot.roundRows.slice(1)) assert.ok(r.pagesSent > 95 && r.pagesSent <= 100, `${fidelity}: round ${r.round} sent ${r.pagesSent}`);
    assert.is(hot.workloadWritesPerSecond, 0, 'the OS\'s writes are not the workload\'s');
    const fast = runScenario(scenario({ fidelity, vm: { memoryMiB: 64, osHotPages: 100 }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'xen' } }));
    assert.is(fast.stopReason, 'converged', `${fidelity}: ms passes leave hot pages clean`);
    const none = run(0, fidelity);
    assert.is(none.stopReason, 'converged', fidelity);
    assert.ok(none.rounds <= 2, `${fidelity}: ${none.rounds}`);
  }
  assert.is(OS_HOT_PAGE_WRITES_PER_SECOND, 250);
});

test('refused with a trace (it already holds every write), and below 0', () => {
  assert.throws(() => loadScenario('scenarios/precopy-xen-trace.json', ['vm.osHotPages=10']), /vm\.osHotPages: expected 0 with a trace workload/);
  assert.throws(() => loadScenario('scenarios/xen-replay-testbed.json', ['vm.osHotPages=-1']), /vm\.osHotPages/);
});

test.run();
