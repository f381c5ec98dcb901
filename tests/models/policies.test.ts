import { test } from 'uvu';
import { FLUSH_BATCH_PAGES, WINDOW_SECONDS, windowBatchPages } from '../../models/migration/policies/qemu.ts';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

const GiB_MiB = 1024;
const M = 1073741824; // bytes in 1 GiB

// ---------- closed-form geometric model (Liu et al. HPDC'11 base model) ----------
test('xen pre-copy matches the closed-form geometric model where its assumptions hold', () => {
  // Assumptions: constant link rate R, no latency, dirty volume = D × round time (no saturation:
  // a sweep over all memory), no framing. Xen sends 5 live rounds then stop-and-copy (n = 5).
  const R = 125e6; // 1 Gbit/s
  for (const lambda of [0.3, 0.6]) {
    for (const fidelity of ['fluid', 'page']) {
      const D = lambda * R;
      const s = scenario({
        fidelity, vm: { memoryMiB: GiB_MiB },
        workload: { type: 'sweep', writesPerSecond: D / 4096 },
        network: { bandwidthBitsPerSecond: 8 * R, wireFormat: 'raw' },
        migration: { algorithm: 'precopy', policy: 'xen' },
      });
      const r = runScenario(s);
      const n = 5;
      const V = (M * (1 - lambda ** (n + 1))) / (1 - lambda);
      assert.is(r.rounds, n + 1);
      assert.ok(relErr(r.bytesTransferred, V) < 0.01, `${fidelity} λ=${lambda}: bytes ${r.bytesTransferred} vs ${V}`);
      assert.ok(relErr(r.totalTimeSeconds, V / R) < 0.01, `time ${r.totalTimeSeconds} vs ${V / R}`);
      assert.ok(relErr(r.downtimeSeconds, (M * lambda ** n) / R) < 0.01, `downtime ${r.downtimeSeconds} vs ${(M * lambda ** n) / R}`);
    }
  }
});

// ---------- Xen ≥ 4.6 ----------
test('xen: an idle guest stops after the full round (0 < 50 dirty), sending nothing more', () => {
  const r = runScenario(scenario({ workload: { type: 'idle' } }));
  assert.is(r.rounds, 2);
  assert.is(r.roundRows[1].phase, 'stopCopy');
  assert.is(r.roundRows[1].pagesSent, 0);
  assert.is(r.stopReason, 'converged');
});

test('xen: under 50 dirty pages gives one more live round of them before the suspend', () => {
  // 256 MiB at 1 Gbit/s: the full round takes ≈ 2.16 s; 10 pages/s dirties ≈ 21 pages (< 50).
  const r = runScenario(scenario({ fidelity: 'page', workload: { type: 'sweep', writesPerSecond: 10 } }));
  assert.equal(r.roundRows.map((x) => x.phase), ['precopy', 'precopy', 'stopCopy']);
  assert.is(r.roundRows[1].pagesSent, r.roundRows[0].pagesDirtied);
  assert.ok(r.roundRows[1].pagesSent > 0 && r.roundRows[1].pagesSent < 50);
  assert.is(r.stopReason, 'converged');
});

test('xen: a busy guest is cut at 5 live rounds counting the first, whatever its dirty count', () => {
  const r = runScenario(scenario({ workload: { type: 'uniform', writesPerSecond: 100000 } }));
  assert.equal(r.roundRows.map((x) => x.phase), ['precopy', 'precopy', 'precopy', 'precopy', 'precopy', 'stopCopy']);
  assert.is(r.stopReason, 'iteration-cap');
  assert.is(r.converged, false);
  assert.ok(r.roundRows[5].pagesSent > 50);
  // Each live round sends exactly what the previous read found.
  for (let i = 1; i < 6; i++) assert.ok(relErr(r.roundRows[i].pagesSent, r.roundRows[i - 1].pagesDirtied) < 1e-12);
  // Xen frames pages in 1024-page PAGE_DATA records: 4104 B a page + 16 B a batch.
  assert.is(r.roundRows[0].bytes, 65536 * 4104 + 64 * 16);
});

// ---------- legacy Xen and Clark'05 ----------
test('xen-legacy: 29-round cap, 3×RAM traffic cap and re-dirtied pages skipped', () => {
  const busy = runScenario(scenario({ fidelity: 'page', workload: { type: 'hotcold', writesPerSecond: 60000, hotSetMiB: 4, hotWriteFraction: 0.5 }, migration: { algorithm: 'precopy', policy: 'xen-legacy' } }));
  assert.ok(busy.roundRows.some((r) => r.pagesSkipped > 0), 'some pages skipped');
  assert.ok(['iteration-cap', 'traffic-cap'].includes(busy.stopReason));
  if (busy.stopReason === 'iteration-cap') assert.is(busy.rounds, 30);
  const capped = runScenario(scenario({ workload: { type: 'uniform', writesPerSecond: 200000 }, migration: { algorithm: 'precopy', policy: 'xen-legacy' } }));
  assert.is(capped.stopReason, 'traffic-cap');
  const livePages = capped.roundRows.filter((r) => r.phase === 'precopy').reduce((a, r) => a + r.pagesSent, 0);
  assert.ok(livePages > 3 * 65536);
  assert.ok(livePages - capped.roundRows.at(-2)!.pagesSent <= 3 * 65536);
  const few = runScenario(scenario({ migration: { algorithm: 'precopy', policy: 'xen-legacy', maxIterations: 4 }, workload: { type: 'uniform', writesPerSecond: 100000 } }));
  assert.is(few.rounds, 5);
  assert.is(few.stopReason, 'iteration-cap');
});

test('clark05: first round at 100 Mbit/s, then last dirtying rate + 50 Mbit/s, at most 500', () => {
  const r = runScenario(scenario({ workload: { type: 'uniform', writesPerSecond: 3000 }, network: { bandwidthBitsPerSecond: 1e10 }, migration: { algorithm: 'precopy', policy: 'clark05' } }));
  const rows = r.roundRows;
  assert.ok(relErr(rows[0].durationSeconds, rows[0].bytes / 12.5e6) < 1e-9, 'round 1 at 100 Mbit/s');
  for (let i = 1; i < rows.length - 1; i++) {
    const prev = rows[i - 1];
    const rate = Math.min(500e6 / 8, (prev.pagesDirtied * 4096) / prev.durationSeconds + 50e6 / 8);
    assert.ok(relErr(rows[i].durationSeconds, rows[i].bytes / rate) < 1e-9, `round ${i + 1}`);
  }
  assert.ok(relErr(rows.at(-1)!.durationSeconds, rows.at(-1)!.bytes / (500e6 / 8)) < 1e-9, 'final round at the maximum');
});

// ---------- QEMU ----------
test('qemu: switchover only when pending < measured bandwidth × downtime-limit; cap held, lifted at switchover', () => {
  const cap = 32 * 1024 * 1024;
  for (const fidelity of ['fluid', 'page']) {
    const r = runScenario(scenario({ fidelity, workload: { type: 'uniform', writesPerSecond: 2000, workingSetMiB: 64 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: cap } }));
    assert.is(r.stopReason, 'converged');
    const last = r.roundRows.at(-1)!;
    assert.is(last.phase, 'stopCopy');
    // QEMU's windows send their budget up to the end of a flush batch (832 pages): the bandwidth it measures.
    const rate = (windowBatchPages(cap, 4104) * 4104) / WINDOW_SECONDS;
    assert.ok(last.pagesSent * 4096 < rate * 0.3, `${fidelity}: stop-copy ${last.pagesSent * 4096} B under threshold ${rate * 0.3}`);
    // Before the switchover the previous passes each ended above the threshold.
    const passes = r.roundRows.filter((x) => x.phase === 'precopy');
    assert.ok(passes.length >= 2);
    // Round 1 (all 65536 pages at 4104 B) runs at the 32 MiB/s cap, not the 1 Gbit/s link.
    const bulk = passes[0];
    assert.ok(bulk.bytes / bulk.durationSeconds < rate * 1.02 && bulk.bytes / bulk.durationSeconds > cap, `capped, a little above the cap: ${bulk.bytes / bulk.durationSeconds} B/s`);
    assert.ok(relErr(last.durationSeconds, last.bytes / 125e6) < 1e-9, 'stop-copy at link speed');
  }
  // A longer downtime limit switches over with more left to copy: longer downtime, within the limit.
  const tight = runScenario(scenario({ workload: { type: 'uniform', writesPerSecond: 5000 }, migration: { algorithm: 'precopy', policy: 'qemu', downtimeLimitSeconds: 0.05 } }));
  const loose = runScenario(scenario({ workload: { type: 'uniform', writesPerSecond: 5000 }, migration: { algorithm: 'precopy', policy: 'qemu', downtimeLimitSeconds: 1 } }));
  assert.ok(loose.bytesByPhase.stopCopy > tight.bytesByPhase.stopCopy);
  assert.ok(tight.downtimeSeconds < 0.05 && loose.downtimeSeconds < 1 && loose.downtimeSeconds > 10 * tight.downtimeSeconds);
});

test('qemu near saturation: both fidelities shrink the passes slowly, by whole windows, as QEMU does', () => {
  // The testbed point (results/validation/qemu-validation-repeats, runs 15-17): a 256 MiB guest
  // sweeping 64 MiB at 7,800 pages/s against 32 MiB/s (8,320 pages/s): QEMU made 55, 56 and 65
  // passes in 24.2-28.9 s, each 832 pages (one window) shorter than the last only every few passes.
  const s = { vm: { memoryMiB: 256, zeroPageFraction: 0.5 }, network: { bandwidthBitsPerSecond: 1e10 }, workload: { type: 'sweep', writesPerSecond: 7800, bufferMiB: 64 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 32 * 1048576 }, limits: { maxTimeSeconds: 120 } };
  const page = runScenario(scenario({ ...s, fidelity: 'page' })), fluid = runScenario(scenario({ ...s, fidelity: 'fluid' }));
  for (const r of [page, fluid]) {
    assert.is(r.stopReason, 'converged', r.fidelity);
    assert.ok(r.rounds >= 40 && r.rounds <= 70, `${r.fidelity}: ${r.rounds} passes`);
    // The testbed's 24.2-28.9 s, ± 10 %.
    assert.ok(r.totalTimeSeconds > 21.8 && r.totalTimeSeconds < 31.8, `${r.fidelity}: ${r.totalTimeSeconds} s`);
    // Late passes are whole windows of 832-833 pages, several passes at each length.
    const late = r.roundRows.filter((x) => x.phase === 'precopy').slice(10).map((x) => Math.round(x.pagesSent / 832));
    assert.ok(late.every((k, i) => i === 0 || k <= late[i - 1] + 1), `${r.fidelity}: passes shrink, never grow: ${late.join(' ')}`);
    assert.ok(late.length > 2 * new Set(late).size, `${r.fidelity}: each length held for several passes: ${late.join(' ')}`);
  }
  // About the testbed's own spread at this point (24.2-28.9 s: 19 %) apart; before the fluid
  // tracker knew a sweep's dirt does not overlap the pending arc, fluid said 13.5 s and 20 passes.
  assert.ok(relErr(fluid.totalTimeSeconds, page.totalTimeSeconds) < 0.25, `fluid ${fluid.totalTimeSeconds} s vs page ${page.totalTimeSeconds} s`);
});

test('qemu: with the cap binding, a pass ends only at a window start (the check after the sleep), never part-way through a window', () => {
  // QEMU checks convergence once per migration_iteration_run(); with the cap binding, each
  // iteration sends until migration_rate_exceeded() and sleeps to the window's end. A window's
  // budget (33.55 MB / 10) is 817.6 pages of 4104 B: at page level its fraction must not end the
  // iteration early — that checked and synced 1.6 ms into the window, ~100 ms before QEMU.
  // No zero pages: at 9 B each they would let a window hold more pages than its budget's full ones.
  // Each window that used its budget lasts 100 ms + the host's overrun (migration.windowOverrunSeconds).
  const overrun = 0.0005, W = WINDOW_SECONDS + overrun;
  const s = { vm: { memoryMiB: 256, zeroPageFraction: 0 }, network: { bandwidthBitsPerSecond: 1e10 }, workload: { type: 'sweep', writesPerSecond: 2000, bufferMiB: 64 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 32 * 1048576, windowOverrunSeconds: overrun } };
  for (const fidelity of ['page', 'fluid']) {
    const r = runScenario(scenario({ ...s, fidelity }));
    const passes = r.roundRows.filter((x) => x.phase === 'precopy');
    assert.ok(passes.length >= 3, `${fidelity}: ${passes.length} passes`);
    const starts = passes.slice(1).map((x) => x.startSeconds);
    // After the first pass the windows run back to back, W apart: every later pass starts a whole number of windows after the second.
    for (const t of starts) {
      const windows = (t - starts[0]) / W;
      assert.ok(Math.abs(windows - Math.round(windows)) < 1e-6, `${fidelity}: a pass starts ${((windows - Math.floor(windows)) * W * 1000).toFixed(2)} ms into a window (${starts.map((x) => x.toFixed(4)).join(' ')})`);
    }
    // Every whole window of a later pass sends its budget (817.6 pages) rounded up to whole flush
    // batches of FLUSH_BATCH_PAGES: 26 × 32 = 832, as the testbed's windows near saturation.
    for (const x of passes.slice(1, -1)) {
      const windows = Math.round(x.durationSeconds / W);
      if (fidelity === 'page') assert.is(x.pagesSent - x.zeroPagesSent, windows * 832, `${x.pagesSent} pages in ${windows} windows`);
    }
  }
});


test('qemu fluid: whole windows sent at once keep the 100 ms grid, so the passes end where page level ends them', () => {
  // QEMU's defaults on a 2 GiB guest with 10 % zero pages (scenarios/precopy-qemu.json, no latency,
  // which would shift every window's end by its transfer's latency): fluid
  // sends the bulk pass many windows at a time, stopping one window's pages short of the threshold.
  // With zero pages costing 9 bytes, the pages run out before the windows' bytes: the last window
  // is part-sent. It must go on to its budget and its end, as QEMU's iteration does; restarting the
  // windows there put every later check 35 ms off page level's, and the switchover a pass early.
  const overrun = 0.0005, W = WINDOW_SECONDS + overrun; // each window, its budget used, lasts 100 ms + the overrun
  const s = { vm: { memoryMiB: 2048, zeroPageFraction: 0.1 }, workload: { type: 'uniform', writesPerSecond: 8000, workingSetMiB: 256 }, network: { bandwidthBitsPerSecond: 1e10 }, migration: { algorithm: 'precopy', policy: 'qemu', windowOverrunSeconds: overrun } };
  const fluid = runScenario(scenario({ ...s, fidelity: 'fluid' }));
  const page = runScenario(scenario({ ...s, fidelity: 'page' }));
  const starts = (r: typeof fluid): string => r.roundRows.map((x) => x.startSeconds.toFixed(3)).join(' ');
  for (const x of fluid.roundRows) {
    const windows = x.startSeconds / W;
    assert.ok(Math.abs(windows - Math.round(windows)) < 1e-6, `fluid: a pass starts ${x.startSeconds} s, off the window grid (${starts(fluid)})`);
  }
  assert.is(fluid.rounds, page.rounds, `fluid ${starts(fluid)} / page ${starts(page)}`);
  assert.ok(relErr(fluid.downtimeSeconds, page.downtimeSeconds) < 0.1, `downtime fluid ${fluid.downtimeSeconds} vs page ${page.downtimeSeconds}`);
});
test('qemu: a cancelled migration counts every byte it sent, the unfinished pass\'s too (not as a pass: QEMU counts one at its sync)', () => {
  // 256 MiB, a random writer QEMU cannot keep up with at 16 MiB/s: cancelled at 40 s (the testbed's
  // qemu-features-0 sent 684.6 MB). At page level every window sends its budget (408.8 pages)
  // rounded up to whole flush batches, 13 × 32 = 416 pages: 682.9 MB in 40 s, at both fidelities.
  const s = { vm: { memoryMiB: 256, zeroPageFraction: 0 }, network: { bandwidthBitsPerSecond: 1e10 }, workload: { type: 'uniform', writesPerSecond: 6000, workingSetMiB: 128 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 16 * 1048576 }, limits: { maxTimeSeconds: 40, onTimeout: 'cancel' } };
  for (const fidelity of ['page', 'fluid']) {
    const r = runScenario(scenario({ ...s, fidelity }));
    assert.is(r.status, 'cancelled');
    const budgetPages = (16 * 1048576 * WINDOW_SECONDS) / 4104;
    const windowPages = windowBatchPages(16 * 1048576, 4104);
    assert.is(windowPages, 416);
    assert.ok(windowPages > budgetPages && windowPages - budgetPages < FLUSH_BATCH_PAGES);
    const rate = (windowPages * 4104) / WINDOW_SECONDS;
    assert.ok(relErr(r.bytesTransferred, rate * 40) < 0.005, `${fidelity}: ${r.bytesTransferred} B in 40 s, ${rate * 40} at the capped rate`);
    const passes = r.roundRows.reduce((a, x) => a + x.bytes, 0);
    assert.ok(r.bytesTransferred > passes, `${fidelity}: the unfinished pass's bytes count (${r.bytesTransferred} > ${passes} in the passes)`);
    assert.ok(r.roundRows.at(-1)!.startSeconds + r.roundRows.at(-1)!.durationSeconds < 40 - 0.1, `${fidelity}: no row for the unfinished pass`);
  }
});

test('qemu: zero pages cost 9 bytes on the wire', () => {
  const r = runScenario(scenario({ vm: { memoryMiB: 256, zeroPageFraction: 0.5 }, workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'qemu' } }));
  assert.ok(relErr(r.bytesTransferred, 32768 * 4104 + 32768 * 9) < 1e-9);
});

// ---------- SimGrid ----------
/** SimGrid 3.32's recurrence (src/plugins/vm/VmLiveMigration.cpp in simgrid/simgrid at v3.32), CM02, one flow: the oracle. */
function simgridRecurrence(Mb: number, B: number, L: number, D: number, cap: number, maxDowntime: number) {
  let d = L + Mb / B, T = d, sent = Mb, rounds = 0;
  let thr = Math.floor((Mb / d) * maxDowntime);
  let V = Math.min(cap, Math.floor(D * d));
  while (thr < V) {
    d = L + V / B; T += d; sent += V; rounds++;
    thr = Math.floor((V / d) * maxDowntime);
    V = Math.min(cap, Math.floor(D * d));
  }
  const d3 = L + V / B;
  T += d3 + L; sent += V;
  return { T, sent, rounds, downtime: d3 };
}

test('simgrid: hand-worked case (1 GiB, 1 Gbit/s, 10 % dirty rate, no latency)', () => {
  const r = runScenario(scenario({ vm: { memoryMiB: 1024 }, workload: { type: 'sweep', writesPerSecond: 12.5e6 / 4096, bufferMiB: 0.9 * 1024 }, migration: { algorithm: 'precopy', policy: 'simgrid' } }));
  // d1 = 1073741824 / 125e6 = 8.589934592 s; thr = 3,750,000 B; V = floor(12.5e6 × 8.589934592) = 107,374,182
  // d2 = 0.858993456 s; V = 10,737,418;  d3 = 0.085899344 s; V = 1,073,741 < thr → stop-copy 0.008589928 s.
  assert.equal(r.roundRows.map((x) => x.bytes), [1073741824, 107374182, 10737418, 1073741]);
  assert.ok(Math.abs(r.totalTimeSeconds - 9.54341732) < 1e-9);
  assert.ok(Math.abs(r.downtimeSeconds - 0.008589928) < 1e-12);
  assert.is(r.bytesTransferred, 1192927165);
});

test('simgrid: reproduces the exact recurrence on a grid (latency, rate caps, working-set cap)', () => {
  for (const memoryMiB of [256, 1024]) for (const pct of [0.1, 0.5, 0.9]) for (const lat of [0, 1e-4, 2e-3]) {
    const B = 125e6;
    const Mb = memoryMiB * 1024 * 1024;
    const D = pct * B;
    const cap = Math.round(0.9 * memoryMiB * 256) * 4096;
    const o = simgridRecurrence(Mb, B, lat, D, cap, 0.03);
    const r = runScenario(scenario({ vm: { memoryMiB }, workload: { type: 'sweep', writesPerSecond: D / 4096, bufferMiB: 0.9 * memoryMiB }, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: lat }, migration: { algorithm: 'precopy', policy: 'simgrid' } }));
    const tag = `${memoryMiB} MiB, ${pct}, ${lat} s`;
    // Floors of D × d can flip by one byte when d comes from clock differences (SimGrid's own
    // clock has the same property), so allow one byte per round.
    assert.ok(relErr(r.totalTimeSeconds, o.T) < 1e-7, `${tag}: T ${r.totalTimeSeconds} vs ${o.T}`);
    assert.ok(Math.abs(r.bytesTransferred - o.sent) <= r.rounds, `${tag}: bytes ${r.bytesTransferred} vs ${o.sent}`);
    assert.is(r.rounds, o.rounds + 2, tag); // + stage 1 + stage 3
    assert.ok(relErr(r.downtimeSeconds, o.downtime) < 1e-6, tag);
  }
});

// ---------- non-convergence ----------
test('non-converging migrations end: cancelled at max time, or a forced stop-and-copy', () => {
  for (const policy of ['qemu', 'simgrid', 'xen-legacy']) {
    const base = { workload: { type: 'uniform', writesPerSecond: 100000 }, network: { bandwidthBitsPerSecond: 1e8 }, migration: { algorithm: 'precopy', policy } };
    const c = runScenario(scenario({ ...base, limits: { maxTimeSeconds: 120 } }));
    if (policy === 'xen-legacy') { assert.is(c.status, 'completed'); continue; } // its caps end it
    assert.is(c.status, 'cancelled', policy);
    assert.is(c.converged, false);
    assert.is(c.downtimeSeconds, 0);
    assert.ok(Math.abs(c.totalTimeSeconds - 120) < 1e-9, `${policy}: ${c.totalTimeSeconds}`);
    assert.ok(c.bytesTransferred > 0.99 * 120 * 12.5e6 * (policy === 'qemu' ? 1 : 1) * 0.99);
    const f = runScenario(scenario({ ...base, limits: { maxTimeSeconds: 120, onTimeout: 'stop-and-copy' } }));
    assert.is(f.status, 'completed');
    assert.is(f.stopReason, 'timeout-forced');
    assert.ok(f.downtimeSeconds > 1, 'forced stop-copy of a large dirty set takes seconds');
  }
});

test('qemu: a forced stop-and-copy comes at the deadline even in the middle of a long pass', () => {
  // 256 MiB at QEMU's capped 10 MiB/s: the first pass alone takes ≈ 25 s; the deadline is at 10 s.
  const r = runScenario(scenario({
    vm: { memoryMiB: 256 }, workload: { type: 'sweep', writesPerSecond: 8000, bufferMiB: 64 }, network: { bandwidthBitsPerSecond: 1e10 },
    migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 10485760 }, limits: { maxTimeSeconds: 10, onTimeout: 'stop-and-copy' },
  }));
  assert.is(r.stopReason, 'timeout-forced');
  const suspendAt = r.totalTimeSeconds - r.downtimeSeconds;
  assert.ok(suspendAt >= 10 - 1e-9 && suspendAt < 10.1, `suspended at ${suspendAt} s`);
});

// ---------- sharing and determinism ----------
test('concurrent migrations share the link fairly', () => {
  const one = runScenario(scenario({ workload: { type: 'idle' }, migration: { algorithm: 'stop-and-copy' } }));
  const two = runScenario(scenario({ concurrentMigrations: 2, workload: { type: 'idle' }, migration: { algorithm: 'stop-and-copy' } }));
  assert.ok(relErr(two.totalTimeSeconds, 2 * one.totalTimeSeconds) < 1e-9);
  assert.is(two.migrations!.length, 2);
  assert.is(two.bytesTransferred, 2 * one.bytesTransferred);
});

test('same scenario and seed → identical results; another seed differs at page level', () => {
  const mk = (seed: number) => runScenario(scenario({ seed, fidelity: 'page', workload: { type: 'hotcold', writesPerSecond: 20000, hotSetMiB: 16, hotWriteFraction: 0.8 }, migration: { algorithm: 'precopy', policy: 'qemu' } }));
  assert.equal(JSON.stringify(mk(3)), JSON.stringify(mk(3)));
  assert.not.equal(JSON.stringify(mk(3).roundRows), JSON.stringify(mk(4).roundRows));
});


test('qemu: a window that used its budget lasts 100 ms + the host\'s overrun, its budget unchanged; near saturation that slows the passes', () => {
  // migration_rate_limit() sleeps to the window's end in whole ms and wakes late (migration.windowOverrunSeconds).
  // A 64 MiB guest of non-zero pages, no writes, a 1 ms limit: one pass of all 16,384 pages, 832 a window at 32 MiB/s.
  const idle = (windowOverrunSeconds: number) => runScenario(scenario({ fidelity: 'page', vm: { memoryMiB: 64, zeroPageFraction: 0 }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e10 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 32 * 1048576, downtimeLimitSeconds: 0.001, windowOverrunSeconds } }));
  const a = idle(0), b = idle(0.001);
  assert.is(b.bytesTransferred, a.bytesTransferred, 'the same bytes: the budget per window is max-bandwidth / 10 whatever the window lasts');
  const sleptWindows = Math.floor(16384 / 832); // the windows that used their budget and slept (the last one ran out of pages)
  assert.ok(Math.abs(b.totalTimeSeconds - a.totalTimeSeconds - sleptWindows * 0.001) < 1e-9, `${a.totalTimeSeconds} → ${b.totalTimeSeconds} s`);
  // Near saturation (the validation sets' 7,800 pages/s against 832 pages a window) each window
  // shrinks the backlog by the small difference, and 0.5 ms more of writes a window slows it.
  const nearSat = (windowOverrunSeconds: number, fidelity: string) => runScenario(scenario({ fidelity, vm: { memoryMiB: 256, zeroPageFraction: 0.5 }, workload: { type: 'sweep', writesPerSecond: 7800, bufferMiB: 64 }, network: { bandwidthBitsPerSecond: 1e10 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 32 * 1048576, windowOverrunSeconds }, limits: { maxTimeSeconds: 120 } }));
  for (const fidelity of ['page', 'fluid']) {
    const x = nearSat(0, fidelity), y = nearSat(0.0005, fidelity);
    assert.ok(x.converged && y.converged, fidelity);
    assert.ok(y.totalTimeSeconds > 1.03 * x.totalTimeSeconds, `${fidelity}: ${x.totalTimeSeconds} → ${y.totalTimeSeconds} s`);
  }
});

test.run();
