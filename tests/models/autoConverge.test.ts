import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AutoConverge, type AutoConvergeParameters } from '../../models/migration/policies/qemuAutoConverge.ts';
import { ThrottledTracker } from '../../models/memory/throttledTracker.ts';
import { FluidTracker } from '../../models/memory/fluidTracker.ts';
import { compileWorkload } from '../../models/workload/build.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { scenario } from '../helpers/scenario.ts';

const QEMU_DEFAULTS: AutoConvergeParameters = { initialPercent: 20, incrementPercent: 10, maxPercent: 99, triggerThresholdPercent: 50, tailslow: false, dirtySyncTimerSeconds: 5 };
const PAGE = 4096;

test('the trigger: a period is judged only > 1 s after the last; the second too-fast period steps the throttle (ram.c)', () => {
  const ac = new AutoConverge(QEMU_DEFAULTS, 0);
  // Setup sync at t = 0 (dirty-sync-count 1): within the first second, not judged.
  assert.is(ac.onSync(0, 0, 0), false);
  // t = 0.8: still within the period; its 100 dirty pages carry over to the next judgement.
  assert.is(ac.onSync(0.8, 100, 100 * PAGE), false);
  // t = 1.5: period [0, 1.5]: 100 + 60 = 160 pages dirtied vs 50 % of 200 pages sent → too fast (1st).
  assert.is(ac.onSync(1.5, 60, 200 * PAGE), false);
  assert.is(ac.throttlePercent, 0);
  // t = 2.6: 101 dirtied vs 50 % of 200 sent (bytes 200..400 pages) → too fast (2nd): throttle 20 %.
  assert.is(ac.onSync(2.6, 101, 400 * PAGE), true);
  assert.is(ac.throttlePercent, 20);
  // t = 3.7: exactly 50 % is not above the threshold; t = 4.8, 5.9: two more too-fast periods → 30 %.
  assert.is(ac.onSync(3.7, 100, 600 * PAGE), false);
  assert.is(ac.onSync(4.8, 150, 800 * PAGE), false);
  assert.is(ac.onSync(5.9, 150, 1000 * PAGE), true);
  assert.is(ac.throttlePercent, 30);
  assert.equal(ac.stats, { throttleMaxPercent: 30, throttleSteps: 2, timerSyncs: 0 });
});

test('steps: +10 up to max-cpu-throttle; tailslow steps to the CPU share matching the threshold; 1..99 % always', () => {
  const run = (p: Partial<AutoConvergeParameters>, dirtyPages: number, periods: number): number[] => {
    const ac = new AutoConverge({ ...QEMU_DEFAULTS, ...p }, 0);
    const seen: number[] = [];
    for (let i = 1; i <= periods; i++) if (ac.onSync(1.01 * i, dirtyPages, i * 100 * PAGE)) seen.push(ac.throttlePercent);
    return seen;
  };
  assert.equal(run({}, 1000, 40), [20, 30, 40, 50, 60, 70, 80, 90, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99]);
  assert.equal(run({ maxPercent: 45 }, 1000, 8), [20, 30, 40, 45]);
  assert.equal(run({ initialPercent: 60, maxPercent: 45 }, 1000, 4), [60, 45]); // the first step ignores max-cpu-throttle
  // tailslow, 60 dirty pages against a threshold of 50 (100 sent): cpu_now = 80, cpu_ideal = ⌊80 × 50 / 60⌋ = 66 → +10 capped;
  // then cpu_now 70, ideal ⌊58.3⌋ = 58 → +10; then 60 → ⌊50⌋ = 50 → +10; 50 → ⌊41.6⌋ = 41 → +9 → 59; 41 → ⌊34.1⌋ = 34 → +7 → 66.
  assert.equal(run({ tailslow: true }, 60, 12), [20, 30, 40, 50, 59, 66]);
});

test('the dirty-sync timer forces a sync only when none happened since its last tick, after the first pass', () => {
  const ac = new AutoConverge(QEMU_DEFAULTS, 10);
  assert.is(ac.nextTimerSeconds, 15);
  ac.onSync(10, 0, 0); // setup sync (count 1)
  assert.is(ac.tick(), false); // t = 15: still the first pass (one sync so far)
  ac.onSync(17, 0, 0); // end of the first pass (count 2)
  assert.is(ac.tick(), false); // t = 20: a sync since the last tick
  assert.is(ac.tick(), true); // t = 25: none since → forced (the caller syncs: count 3)
  ac.onSync(25, 0, 0);
  assert.is(ac.tick(), true); // t = 30: none since the forced one → forced again
  assert.is(ac.nextTimerSeconds, 35);
  assert.is(ac.stats.timerSyncs, 2);
  assert.is(new AutoConverge({ ...QEMU_DEFAULTS, dirtySyncTimerSeconds: null }, 0).nextTimerSeconds, Infinity);
});

test('a throttled guest writes on its own clock: speed min(1, (1 − p) / cpu share); lost CPU ∫ p dt', () => {
  const workload = compileWorkload({ type: 'sweep', writesPerSecond: 1000, bufferMiB: 64 }, 65536);
  if (workload.kind !== 'segments') throw new Error('expected segments');
  const inner = new FluidTracker(workload, 0, 'unwritten-first', 0, false);
  const t = new ThrottledTracker(inner, 0.5);
  t.startTracking(0);
  t.sync(10); // 10 s unthrottled: 10,000 pages swept
  assert.ok(Math.abs(t.pendingPages - 65536) < 1e-9);
  t.setThrottle(0.3, 10); // 0.7 of the CPU ≥ the 0.5 it needs: full speed
  assert.ok(Math.abs(t.dirtySinceSync(14) - 4000) < 1e-6, `${t.dirtySinceSync(14)}`);
  t.setThrottle(0.8, 14); // 0.2 of the CPU: 0.2 / 0.5 = 40 % speed
  assert.ok(Math.abs(t.dirtySinceSync(24) - (4000 + 4000)) < 1e-6, `${t.dirtySinceSync(24)}`);
  assert.ok(Math.abs(t.cpuSecondsLost(24) - (4 * 0.3 + 10 * 0.8)) < 1e-12);
  assert.ok(Math.abs(t.workloadSecondsLost(24) - 10 * 0.6) < 1e-12);
  t.setThrottle(0, 24);
  assert.ok(Math.abs(t.guestSeconds(30) - (30 - 6)) < 1e-12);
});

// A guest dirtying 6,000 random pages/s over 128 MiB against a 16 MiB/s cap never converges plainly;
// auto-converge throttles a workload that needs half a vCPU until it does.
const guest = (fidelity: string, migration: Record<string, unknown>, workloadCpuFraction?: number) => scenario({
  fidelity, seed: 3, vm: { memoryMiB: 256, zeroPageFraction: 0.4, ...(workloadCpuFraction !== undefined ? { workloadCpuFraction } : {}) },
  workload: { type: 'uniform', writesPerSecond: 6000, workingSetMiB: 128 }, network: { bandwidthBitsPerSecond: 1e10 },
  migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 16777216, ...migration }, limits: { maxTimeSeconds: 120, onTimeout: 'cancel' },
});

test('auto-converge makes a guest converge that plain pre-copy cannot; its price is reported', () => {
  for (const fidelity of ['fluid', 'page']) {
    const plain = runScenario(guest(fidelity, {}));
    assert.is(plain.status, 'cancelled', fidelity);
    assert.is(plain.autoConverge, undefined);
    const ac = runScenario(guest(fidelity, { autoConverge: {} }, 0.5));
    assert.is(ac.status, 'completed', fidelity);
    assert.ok(ac.converged);
    const s = ac.autoConverge!;
    // 6,000 pages/s must fall below the ~4,000 pages/s the cap carries: a speed under 2/3, i.e. a throttle over 1 − 0.5 × 2/3 ≈ 67 %.
    assert.ok(s.throttleMaxPercent >= 70 && s.throttleMaxPercent <= 99, `${fidelity}: ${s.throttleMaxPercent}`);
    assert.is(s.throttleSteps, 1 + (s.throttleMaxPercent - 20) / 10);
    assert.ok(s.guestCpuSecondsLost > 0 && s.workloadSecondsLost > 0 && s.workloadSecondsLost < s.guestCpuSecondsLost, `${fidelity}: ${JSON.stringify(s)}`);
    // A CPU-bound workload slows from the first step: it converges sooner, at a lower throttle.
    const bound = runScenario(guest(fidelity, { autoConverge: {} }, 1));
    assert.ok(bound.autoConverge!.throttleMaxPercent < s.throttleMaxPercent && bound.totalTimeSeconds < ac.totalTimeSeconds, `${fidelity}: ${bound.autoConverge!.throttleMaxPercent} / ${bound.totalTimeSeconds}`);
  }
});

test('the dirty-sync timer matters when passes are long: without it the throttle steps once per long pass', () => {
  // 1 GiB, 768 MiB written at random: plain passes of 25-37 s at 16 MiB/s.
  const big = (timer: number | null) => runScenario(scenario({
    seed: 3, vm: { memoryMiB: 1024, zeroPageFraction: 0.4, workloadCpuFraction: 0.5 }, workload: { type: 'uniform', writesPerSecond: 6000, workingSetMiB: 768 },
    network: { bandwidthBitsPerSecond: 1e10 }, limits: { maxTimeSeconds: 900, onTimeout: 'cancel' },
    migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 16777216, autoConverge: { dirtySyncTimerSeconds: timer } },
  }));
  const timer = big(5), none = big(null);
  assert.is(none.autoConverge!.timerSyncs, 0);
  assert.ok(timer.autoConverge!.timerSyncs! >= 10, `${timer.autoConverge!.timerSyncs}`);
  // After the first pass no pass outlasts the timer by more than a window.
  for (const r of timer.roundRows.slice(2)) assert.ok(r.durationSeconds <= 5 + 0.1 + 1e-9, `${r.durationSeconds}`);
  assert.ok(timer.totalTimeSeconds < 0.5 * none.totalTimeSeconds, `${timer.totalTimeSeconds} vs ${none.totalTimeSeconds}`);
  assert.ok(timer.autoConverge!.guestCpuSecondsLost < 0.5 * none.autoConverge!.guestCpuSecondsLost);
});

test('auto-converge is QEMU\'s: refused with other policies; declared once (not in real.qemu.capabilities)', () => {
  assert.throws(() => scenario({ workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'xen', autoConverge: {} } }), /migration\.autoConverge: not used by policy xen/);
  assert.throws(() => scenario({ workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'qemu' }, real: { qemu: { capabilities: ['auto-converge'] } } }), /real\.qemu\.capabilities: "auto-converge" is declared as migration\.autoConverge/);
  const s = guest('fluid', { autoConverge: { initialPercent: 30 } }, 0.25);
  assert.equal(s.migration.autoConverge, { initialPercent: 30, incrementPercent: 10, maxPercent: 99, triggerThresholdPercent: 50, tailslow: false, dirtySyncTimerSeconds: 5 });
  assert.is(s.vm.workloadCpuFraction, 0.25);
  assert.is(guest('fluid', {}).vm.workloadCpuFraction, 1); // the default: CPU-bound
});

test.run();
