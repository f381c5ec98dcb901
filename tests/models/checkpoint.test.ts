import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import { analyseFailover } from '../../models/checkpoint/failover.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

const desktop = { type: 'hotcold', writesPerSecond: 2000, hotSetMiB: 32, hotWriteFraction: 0.9 };
const fastEthernet = { bandwidthBitsPerSecond: 1e8, latencySeconds: 0.0002 };

test('COW-CP sends no more than pre-copy when a recent checkpoint exists (both fidelities)', () => {
  for (const fidelity of ['fluid', 'page']) for (const start of [400, 430, 455]) {
    const pre = runScenario(scenario({ fidelity, vm: { memoryMiB: 512 }, workload: desktop, network: fastEthernet, migration: { algorithm: 'precopy', policy: 'xen', startSeconds: start } }));
    const cow = runScenario(scenario({ fidelity, vm: { memoryMiB: 512 }, workload: desktop, network: fastEthernet, migration: { algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: start }, checkpoint: { intervalSeconds: 60 } }));
    assert.ok(cow.checkpoint!.count >= 2);
    assert.ok(cow.bytesTransferred <= pre.bytesTransferred, `${fidelity} @${start}: ${cow.bytesTransferred} > ${pre.bytesTransferred}`);
    // Honest totals: the background stream is reported and counted in the total.
    assert.ok(cow.totalBytesIncludingCheckpoints! > pre.bytesTransferred);
    assert.is(cow.totalBytesIncludingCheckpoints, cow.bytesTransferred + cow.bytesByPhase.checkpoint);
  }
});

test('with no complete checkpoint yet, COW-CP equals plain pre-copy', () => {
  for (const policy of ['xen', 'qemu']) {
    const base = { vm: { memoryMiB: 1024 }, workload: desktop, network: { bandwidthBitsPerSecond: 1e9 } };
    const pre = runScenario(scenario({ ...base, migration: { algorithm: 'precopy', policy, startSeconds: 5 } }));
    // First checkpoint not yet taken:
    const notYet = runScenario(scenario({ ...base, migration: { algorithm: 'cow-checkpoint', policy, startSeconds: 5 }, checkpoint: { intervalSeconds: 60, firstAtSeconds: 10 } }));
    // First (full) checkpoint still streaming at the request: it is abandoned.
    const inFlight = runScenario(scenario({ ...base, migration: { algorithm: 'cow-checkpoint', policy, startSeconds: 5 }, checkpoint: { intervalSeconds: 60 } }));
    for (const r of [notYet, inFlight]) {
      assert.ok(relErr(r.bytesTransferred, pre.bytesTransferred) < 1e-9, `${policy}: ${r.bytesTransferred} vs ${pre.bytesTransferred}`);
      assert.ok(relErr(r.totalTimeSeconds, pre.totalTimeSeconds) < 1e-9);
      assert.is(r.checkpoint!.count, 0);
    }
    assert.ok(inFlight.checkpoint!.abortedBytes > 0);
  }
});

test('RPO ≤ interval + checkpoint duration, whenever the failure happens', () => {
  for (const interval of [20, 60]) for (let t = 200; t < 320; t += 7) {
    const r = runScenario(scenario({ vm: { memoryMiB: 256 }, workload: desktop, network: fastEthernet, migration: { algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: 320 }, checkpoint: { intervalSeconds: interval }, failure: { atSeconds: t } }));
    const f = r.failover!;
    assert.ok(f.rpoSeconds <= interval + r.checkpoint!.maxDurationSeconds + 1e-9, `interval ${interval}, t ${t}: RPO ${f.rpoSeconds}`);
    assert.ok(f.rpoSeconds > 0);
  }
});

test('an idle guest: zero COW faults, no slowdown beyond pauses, nothing left to migrate', () => {
  const r = runScenario(scenario({ fidelity: 'page', vm: { memoryMiB: 256 }, workload: { type: 'idle' }, network: fastEthernet, migration: { algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: 100 }, checkpoint: { intervalSeconds: 10 } }));
  assert.is(r.checkpoint!.cowFaults, 0);
  assert.is(r.checkpoint!.peakBufferBytes, 0);
  assert.is(r.pagesTransferred, 0);
  assert.ok(relErr(r.checkpoint!.stolenCpuSeconds, r.checkpoint!.count * 0.002 + 65536 * 1e-7) < 1e-9);
});

test('page level: the DR image equals the guest as of every checkpoint instant', () => {
  const r = runScenario(scenario({ fidelity: 'page', vm: { memoryMiB: 256 }, workload: { type: 'zipf', writesPerSecond: 20000 }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'cow-checkpoint', policy: 'qemu', startSeconds: 60 }, checkpoint: { intervalSeconds: 5 } }));
  assert.ok(r.checkpoint!.count >= 10);
  assert.is(r.checkpoint!.consistencyChecks, r.checkpoint!.count);
});

test('overrunning checkpoints are delayed or skipped by the stated rule, never overlapped', () => {
  const mk = (onOverrun: string) => runScenario(scenario({ vm: { memoryMiB: 256 }, workload: { type: 'uniform', writesPerSecond: 20000 }, network: fastEthernet, migration: { algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: 120 }, checkpoint: { intervalSeconds: 2, onOverrun } }));
  const delay = mk('delay').checkpointRows!, skip = mk('skip').checkpointRows!;
  assert.ok(delay.length >= 3 && skip.length >= 3);
  for (const rows of [delay, skip]) for (let k = 1; k < rows.length; k++) {
    assert.ok(rows[k - 1].completeSeconds - rows[k - 1].instantSeconds > 2, 'each overruns its 2 s interval');
    assert.ok(rows[k].instantSeconds >= rows[k - 1].completeSeconds - 1e-9, 'no overlap');
  }
  // delay: the next starts when the previous ends; skip: at the next 2 s slot after it ends.
  for (let k = 1; k < delay.length; k++) assert.ok(Math.abs(delay[k].instantSeconds - delay[k - 1].completeSeconds) < 1e-9);
  for (let k = 1; k < skip.length; k++) {
    assert.ok(Math.abs(skip[k].instantSeconds / 2 - Math.round(skip[k].instantSeconds / 2)) < 1e-9, 'on a slot');
    assert.ok(skip[k].instantSeconds - skip[k - 1].completeSeconds < 2);
  }
});

test('the paper\'s qualitative claims hold, and the price is reported', () => {
  const common = { fidelity: 'page', vm: { memoryMiB: 1024 }, workload: desktop, network: fastEthernet };
  const pre = runScenario(scenario({ ...common, migration: { algorithm: 'precopy', policy: 'xen', startSeconds: 900 } }));
  const cow = runScenario(scenario({ ...common, migration: { algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: 900 }, checkpoint: { intervalSeconds: 60 } }));
  assert.ok(cow.bytesTransferred < 0.5 * pre.bytesTransferred, 'less data');
  assert.ok(cow.downtimeSeconds < pre.downtimeSeconds, 'lower downtime');
  assert.ok(cow.totalTimeSeconds < pre.totalTimeSeconds, 'lower total time');
  assert.ok(cow.checkpoint!.appSlowdownFraction > 0 && cow.checkpoint!.cowFaults > 0, 'guest slowdown reported');
  assert.ok(cow.totalBytesIncludingCheckpoints! > pre.bytesTransferred, 'background traffic reported');
});

test('failover arithmetic: detection by missed heartbeats, RTO, job completion', () => {
  const records = [{ index: 1, instantSeconds: 100, full: true, pages: 1, bytes: 1, pauseSeconds: 0, streamSeconds: 5, completeSeconds: 105, cowFaults: 0, peakBufferBytes: 0, stolenCpuSeconds: 0 },
    { index: 2, instantSeconds: 160, full: false, pages: 1, bytes: 1, pauseSeconds: 0, streamSeconds: 5, completeSeconds: 165, cowFaults: 0, peakBufferBytes: 0, stolenCpuSeconds: 0 }];
  // The schema's failure defaults (1 s heartbeats, 3 missed, 1e9 B/s restore, 0.5 s resume, 30 s boot).
  const failure = scenario({ migration: { algorithm: 'precopy', policy: 'xen', startSeconds: 200 }, checkpoint: { intervalSeconds: 60 }, failure: { atSeconds: 162.5, jobLengthSeconds: 1000 } }).failure!;
  const f = analyseFailover(failure, records, 1e9, 0.01);
  assert.is(f.checkpointInstantSeconds, 100); // the t=160 checkpoint was not complete yet
  assert.is(f.detectedAtSeconds, 165);
  assert.ok(Math.abs(f.rpoSeconds - 62.5) < 1e-12);
  assert.ok(Math.abs(f.rtoSeconds - (2.5 + 1 + 0.5)) < 1e-12);
  assert.ok(Math.abs(f.jobCompletionWithCheckpointsSeconds! - (162.5 + 4 + (1000 - 100 / 1.01) * 1.01)) < 1e-9);
  assert.is(f.jobCompletionRestartSeconds, 165 + 30 + 1000);
  assert.is(f.recovery, 'restore-checkpoint');
});

test('a failure before the first checkpoint completes: a cold restart, not a restore of a checkpoint that does not exist', () => {
  const records = [{ index: 1, instantSeconds: 100, full: true, pages: 1, bytes: 1, pauseSeconds: 0, streamSeconds: 5, completeSeconds: 105, cowFaults: 0, peakBufferBytes: 0, stolenCpuSeconds: 0 }];
  const failure = scenario({ migration: { algorithm: 'precopy', policy: 'xen', startSeconds: 200 }, checkpoint: { intervalSeconds: 60, firstAtSeconds: 100 }, failure: { atSeconds: 102.5, jobLengthSeconds: 1000 } }).failure!;
  const f = analyseFailover(failure, records, 1e9, 0.01);
  assert.is(f.checkpointInstantSeconds, null);
  assert.is(f.recovery, 'cold-restart');
  assert.is(f.detectedAtSeconds, 105);
  assert.ok(Math.abs(f.rtoSeconds - (2.5 + 30)) < 1e-12, `RTO = detection delay + boot, got ${f.rtoSeconds}`);
  assert.is(f.rpoSeconds, 102.5);
  assert.is(f.jobCompletionWithCheckpointsSeconds, 105 + 30 + 1000);
  // And end to end: the run's summary says the same.
  const r = runScenario(scenario({ vm: { memoryMiB: 64 }, workload: { type: 'uniform', writesPerSecond: 100 }, network: { bandwidthBitsPerSecond: 1e8 }, migration: { algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: 30 }, checkpoint: { intervalSeconds: 10, firstAtSeconds: 20 }, failure: { atSeconds: 15 } }));
  assert.is(r.failover!.recovery, 'cold-restart');
  assert.is(r.failover!.checkpointInstantSeconds, null);
});

test.run();
