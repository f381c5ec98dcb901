import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import type { RunResult } from '../../models/run/result.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

// The fluid fast paths must not change what is simulated: each is checked against the slow path.

const busy = (policy: string, workload: Record<string, unknown>, onTimeout: string, extra: Record<string, unknown> = {}, latencySeconds = 1e-4) => scenario({
  vm: { memoryMiB: 1024 }, workload, network: { bandwidthBitsPerSecond: 1e10, latencySeconds },
  migration: { algorithm: 'precopy', policy, ...extra }, limits: { maxTimeSeconds: 600, onTimeout },
});

function assertSame(fast: RunResult, slow: RunResult, label: string): void {
  assert.is(fast.status, slow.status, `${label}: status`);
  assert.is(fast.rounds, slow.rounds, `${label}: rounds`);
  assert.is(fast.roundRows.length, slow.roundRows.length, `${label}: rows`);
  for (const k of ['bytesTransferred', 'totalTimeSeconds', 'downtimeSeconds', 'pagesTransferred'] as const) {
    assert.ok(relErr(fast[k], slow[k]) < 1e-9, `${label}: ${k} ${fast[k]} vs ${slow[k]}`);
  }
  const a = fast.roundRows[fast.roundRows.length - 2], b = slow.roundRows[slow.roundRows.length - 2];
  assert.ok(relErr(a.startSeconds, b.startSeconds) < 1e-9 && relErr(a.bytes, b.bytes) < 1e-9, `${label}: last rows agree`);
}

test('non-converging steady states are skipped, with the same results as pass by pass', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>?, number?][] = [
    ['qemu', { type: 'hotcold', writesPerSecond: 60000, hotSetMiB: 256, hotWriteFraction: 0.9 }],
    ['qemu', { type: 'zipf', writesPerSecond: 200000 }],
    ['qemu', { type: 'uniform', writesPerSecond: 600000 }, { maxBandwidthBytesPerSecond: null }],
    ['simgrid', { type: 'sweep', writesPerSecond: 400000, bufferMiB: 900 }],
    // constant only after its first phase: skipping must not start before
    ['qemu', { type: 'phases', phases: [{ durationSeconds: 100, workload: { type: 'hotcold', writesPerSecond: 60000, hotSetMiB: 256, hotWriteFraction: 0.9 } }, { durationSeconds: 1, workload: { type: 'uniform', writesPerSecond: 60000 } }] }],
    // cyclic: the pattern spans several passes (with no latency and 100 ms windows the passes stay
    // in step with the cycle; with latency, or windows that overrun, they drift through it, never
    // repeat exactly, and are not skipped)
    ['qemu', { type: 'phases', repeat: true, phases: [{ durationSeconds: 0.5, workload: { type: 'uniform', writesPerSecond: 60000 } }, { durationSeconds: 0.5, workload: { type: 'uniform', writesPerSecond: 20000 } }] }, { windowOverrunSeconds: 0 }, 0],
    ['qemu', { type: 'phases', repeat: true, phases: [{ durationSeconds: 0.5, workload: { type: 'uniform', writesPerSecond: 60000 } }, { durationSeconds: 0.5, workload: { type: 'uniform', writesPerSecond: 20000 } }] }, {}, 1e-4],
  ];
  let skippedSomething = 0;
  for (const [policy, workload, extra, latency] of cases) {
    for (const onTimeout of ['cancel', 'stop-and-copy']) {
      const s = busy(policy, workload, onTimeout, extra, latency);
      const fastStats = { eventsFired: 0 }, slowStats = { eventsFired: 0 };
      const fast = runScenario(s, { stats: fastStats });
      const slow = runScenario(s, { skipSteadyState: false, stats: slowStats });
      const label = `${policy} ${workload.type} ${onTimeout}`;
      assert.ok(slow.rounds > 100, `${label}: a long non-converging run (${slow.rounds} rounds)`);
      assertSame(fast, slow, label);
      if (slowStats.eventsFired > 5 * fastStats.eventsFired) skippedSomething++;
      const drifting = workload.type === 'phases' && latency === 1e-4 && (workload as { repeat?: boolean }).repeat === true;
      if (drifting) assert.is(fastStats.eventsFired, slowStats.eventsFired, `${label}: a drifting pattern is never skipped`);
      else assert.ok(fastStats.eventsFired < slowStats.eventsFired / 1.5, `${label}: skipped (${fastStats.eventsFired} vs ${slowStats.eventsFired} events)`);
    }
  }
  assert.ok(skippedSomething >= 8, `most cases skip most of their passes (${skippedSomething} of 14 fire < 1/5 of the events)`);
});

test('page level and shared links never skip', () => {
  const page = scenario({ seed: 3, fidelity: 'page', vm: { memoryMiB: 64 }, workload: { type: 'uniform', writesPerSecond: 40000 }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'qemu' }, limits: { maxTimeSeconds: 30 } });
  const a = runScenario(page), b = runScenario(page, { skipSteadyState: false });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  const shared = busy('qemu', { type: 'uniform', writesPerSecond: 60000 }, 'cancel');
  const two = { ...shared, concurrentMigrations: 2 };
  assert.equal(JSON.stringify(runScenario(two)), JSON.stringify(runScenario(two, { skipSteadyState: false })));
});

test('skip rounds: one stream when alone on the link agrees with batch-by-batch transfers', () => {
  // Zero latency: the batch-by-batch path then pays nothing per batch, so both must agree closely.
  for (const policy of ['xen-legacy', 'clark05']) {
    const s = scenario({ vm: { memoryMiB: 1024 }, workload: { type: 'hotcold', writesPerSecond: 40000, hotSetMiB: 64, hotWriteFraction: 0.9 }, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0 }, migration: { algorithm: 'precopy', policy } });
    const alone = runScenario(s);
    // Two migrations that start far apart never share the link in their live rounds... so instead
    // compare against the same guest on a link shared with an identical migration at twice the bandwidth.
    const shared = runScenario({ ...s, concurrentMigrations: 2, network: { ...s.network, bandwidthBitsPerSecond: 2e9 } });
    const one = shared.migrations![0];
    assert.is(one.rounds, alone.rounds, `${policy}: rounds`);
    assert.ok(relErr(one.bytesTransferred, alone.bytesTransferred) < 0.01, `${policy}: bytes ${one.bytesTransferred} vs ${alone.bytesTransferred}`);
    assert.ok(relErr(one.totalTimeSeconds, alone.totalTimeSeconds) < 0.01, `${policy}: time ${one.totalTimeSeconds} vs ${alone.totalTimeSeconds}`);
  }
});

test('fluid skip rounds agree with the page-level mean, the hot set scanned first as in address order', () => {
  // Legacy Xen scans memory in address order once per round; the hot set of hot/cold and the top
  // ranks of Zipf sit at low addresses, so they are scanned just after the bitmap read.
  const cases: [string, Record<string, unknown>, number][] = [
    ['xen-legacy', { type: 'uniform', writesPerSecond: 20000 }, 0.01],
    ['xen-legacy', { type: 'hotcold', writesPerSecond: 60000, hotSetMiB: 64, hotWriteFraction: 0.9 }, 0.05],
    ['xen-legacy', { type: 'uniform', writesPerSecond: 40000, workingSetMiB: 256 }, 0.04],
    ['clark05', { type: 'zipf', writesPerSecond: 30000 }, 0.03],
  ];
  for (const [policy, workload, tolerance] of cases) {
    const s = scenario({ vm: { memoryMiB: 1024 }, workload, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 1e-4 }, migration: { algorithm: 'precopy', policy } });
    const fluid = runScenario(s);
    let bytes = 0;
    const seeds = 4;
    for (let seed = 1; seed <= seeds; seed++) bytes += runScenario({ ...s, seed, fidelity: 'page' }).bytesTransferred / seeds;
    const skipped = fluid.roundRows.reduce((a, r) => a + r.pagesSkipped, 0);
    assert.ok(skipped > 10000, `${policy} ${workload.type}: pages are skipped (${skipped})`);
    assert.ok(relErr(fluid.bytesTransferred, bytes) < tolerance, `${policy} ${workload.type}: fluid ${fluid.bytesTransferred} vs page mean ${bytes} bytes`);
  }
});

test.run();
