import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
import { scenario, relErr } from '../helpers/scenario.ts';
import { PageTracker } from '../../models/memory/pageTracker.ts';
import { parseDirtyTrace } from '../../models/workload/trace.ts';
import { newTakeResult } from '../../models/memory/tracker.ts';
import { RandomStreams } from '../../sim/random.ts';

const gigabit = { bandwidthBitsPerSecond: 1e9, latencySeconds: 1e-4 };
const post = (fidelity: string, writesPerSecond: number, extra: Record<string, unknown> = {}) => scenario({
  fidelity, seed: 11, vm: { memoryMiB: 512 }, workload: writesPerSecond > 0 ? { type: 'uniform', writesPerSecond } : { type: 'idle' },
  network: gigabit, migration: { algorithm: 'postcopy' }, ...extra,
});

/**
 * Reference for a uniform workload, solved independently of the simulator: N missing pages, each
 * written at w per guest second; the link carries R bytes/s of b-byte pages, pushed in address order;
 * a page written before the push reaches it is faulted (costing the guest c seconds) and is on the
 * link before the push. Wall time t, guest time τ, push position x:
 *   link:  b·[x + (N − x)(1 − e^{−wτ})] = R·t        (pages passed, and faulted ahead)
 *   guest: dτ/dt = 1 / (1 + c·w·(N − x)·e^{−wτ})      (faults per guest second ahead of the push)
 *   pushed pages: d(pushed) = e^{−wτ} dx;  faults = N − pushed at the end (x = N, t = N·b/R).
 */
function uniformReference(N: number, w: number, R: number, b: number, c: number): number {
  const T = (N * b) / R, steps = 200000, dt = T / steps;
  let tau = 0, x = 0, pushed = 0;
  const xAt = (t: number, g: number) => Math.min(N, Math.max(0, ((R * t) / b - N * (1 - Math.exp(-w * g))) / Math.exp(-w * g)));
  for (let i = 1; i <= steps; i++) {
    const t = i * dt;
    const rate = (g: number, xx: number) => 1 / (1 + c * w * (N - xx) * Math.exp(-w * g));
    const k1 = rate(tau, x);
    const k2 = rate(tau + dt * k1, xAt(t, tau + dt * k1));
    const next = tau + (dt * (k1 + k2)) / 2;
    const nx = xAt(t, next);
    pushed += Math.exp(-w * (tau + next) / 2) * Math.max(0, nx - x);
    tau = next; x = nx;
  }
  return N - pushed;
}

test('pure post-copy sends every page once, with a downtime of a bitmap and a latency', () => {
  for (const fidelity of ['fluid', 'page']) {
    const r = runScenario(post(fidelity, 20000));
    const N = (512 * 1048576) / PAGE_SIZE_BYTES;
    assert.is(r.status, 'completed');
    assert.is(r.stopReason, 'postcopy-switch');
    assert.ok(r.postcopy, fidelity);
    assert.ok(relErr(r.bytesTransferred, N * PAGE_SIZE_BYTES) < 1e-12, `${fidelity}: ${r.bytesTransferred}`);
    assert.ok(relErr(r.postcopy!.pushedPages + r.postcopy!.faults, N) < 1e-9);
    assert.is(r.postcopy!.pages, N);
    const R = 1e9 / 8;
    const bitmap = N / 8;
    assert.ok(relErr(r.downtimeSeconds, bitmap / R + 1e-4) < 1e-9, `downtime ${r.downtimeSeconds}`);
    assert.ok(relErr(r.totalTimeSeconds, bitmap / R + (N * PAGE_SIZE_BYTES) / R + 2e-4) < 1e-9, `total ${r.totalTimeSeconds}`);
    assert.is(r.bytesByPhase.postcopy, r.bytesTransferred);
  }
});

test('an idle guest never faults; faults grow with the write rate and shrink with bandwidth', () => {
  for (const fidelity of ['fluid', 'page']) {
    const idle = runScenario(post(fidelity, 0));
    assert.is(idle.postcopy!.faults, 0);
    assert.is(idle.postcopy!.appSlowdownFraction, 0);
  }
  const f = (rate: number, bw = 1e9) => runScenario(post('fluid', rate, { network: { ...gigabit, bandwidthBitsPerSecond: bw } })).postcopy!.faults;
  assert.ok(f(1000) < f(5000) && f(5000) < f(20000));
  assert.ok(f(5000, 1e10) < f(5000, 1e9));
});

test('fluid post-copy faults match an independent solution of the uniform model, with and without a slowed guest', () => {
  const N = (512 * 1048576) / PAGE_SIZE_BYTES, R = 1e9 / 8, b = PAGE_SIZE_BYTES;
  for (const [writes, latency] of [[2000, 0], [20000, 1e-4], [50000, 1e-3]] as const) {
    const r = runScenario(post('fluid', writes, { network: { bandwidthBitsPerSecond: 1e9, latencySeconds: latency } }));
    const c = 2 * latency + b / R;
    const ref = uniformReference(N, writes / N, R, b, c);
    const got = r.postcopy!.faults;
    assert.ok(relErr(got, ref) < 0.02, `${writes}/s, latency ${latency}: fluid ${got.toFixed(0)} vs reference ${ref.toFixed(0)}`);
    assert.ok(relErr(r.postcopy!.blockedSeconds, got * c) < 1e-9);
  }
});

test('page-level post-copy agrees with fluid (mean over seeds), uniform and hot/cold', () => {
  const hotcold = { type: 'hotcold', writesPerSecond: 20000, hotSetMiB: 64, hotWriteFraction: 0.9 };
  for (const workload of [{ type: 'uniform', writesPerSecond: 20000 }, hotcold]) {
    const base = { vm: { memoryMiB: 512 }, workload, network: gigabit, migration: { algorithm: 'postcopy' } };
    const fluid = runScenario(scenario({ ...base, fidelity: 'fluid' })).postcopy!.faults;
    let sum = 0;
    for (let seed = 1; seed <= 4; seed++) sum += runScenario(scenario({ ...base, fidelity: 'page', seed })).postcopy!.faults;
    assert.ok(relErr(sum / 4, fluid) < 0.04, `${workload.type}: page ${(sum / 4).toFixed(0)} vs fluid ${fluid.toFixed(0)}`);
  }
});

test('hybrid: a converging pre-copy ends as pre-copy; otherwise the switch comes after its rounds or its time', () => {
  const qemu = (writesPerSecond: number, migration: Record<string, unknown>) => scenario({
    vm: { memoryMiB: 256 }, workload: { type: 'sweep', writesPerSecond, bufferMiB: 64 }, network: { bandwidthBitsPerSecond: 1e10 },
    migration: { policy: 'qemu', maxBandwidthBytesPerSecond: 10485760, ...migration }, limits: { maxTimeSeconds: 120 },
  });
  // Converging: identical to plain pre-copy.
  const pre = runScenario(qemu(200, { algorithm: 'precopy' }));
  const hyb = runScenario(qemu(200, { algorithm: 'hybrid', postcopyAfterSeconds: 100 }));
  assert.is(pre.stopReason, 'converged');
  assert.equal({ ...hyb, scenario: null, algorithm: null }, { ...pre, scenario: null, algorithm: null });
  // Non-converging (8,000 writes/s into 64 MiB against a 10 MiB/s cap): QEMU alone never ends.
  const stuck = runScenario(qemu(8000, { algorithm: 'precopy' }));
  assert.is(stuck.status, 'cancelled');
  const after = runScenario(qemu(8000, { algorithm: 'hybrid', postcopyAfterSeconds: 3 }));
  assert.is(after.status, 'completed');
  assert.is(after.stopReason, 'postcopy-switch');
  const pc = after.postcopy!;
  assert.ok(pc.switchSeconds >= 3 && pc.switchSeconds < 3.2, `switch at ${pc.switchSeconds}`);
  assert.ok(after.downtimeSeconds < 0.005, `downtime ${after.downtimeSeconds}`);
  // Missing: the first pass's unsent part, and what the sweep wrote again of the part it sent (here all of it: the buffer lies low, sent first).
  assert.ok(pc.pages > 0 && pc.pages <= (256 * 1048576) / PAGE_SIZE_BYTES);
  assert.ok(relErr(after.bytesTransferred, after.bytesByPhase.precopy + after.bytesByPhase.postcopy) < 1e-12);
  // Post-copy ignores QEMU's max-bandwidth: the missing pages go at the link's 10 Gbit/s.
  assert.ok(pc.durationSeconds < (pc.pages * 4104) / 1e9 + 0.01, `post-copy took ${pc.durationSeconds} s`);
  // After one round (the default): the missing pages are those written during it.
  const xen = (algorithm: string) => scenario({ vm: { memoryMiB: 512 }, workload: { type: 'uniform', writesPerSecond: 30000 }, network: gigabit, migration: { algorithm, policy: 'xen' } });
  const one = runScenario(xen('hybrid'));
  assert.is(one.bytesByPhase.stopCopy, 0);
  assert.is(one.rounds, 2); // one live round, then the post-copy phase
  const plain = runScenario(xen('precopy'));
  assert.ok(relErr(one.postcopy!.pages, plain.roundRows[0].pagesDirtied) < 1e-9);
});

test("QEMU's push order (from the last fault): every page once; a sequential writer stops faulting, a random one hardly notices", () => {
  const N = (512 * 1048576) / PAGE_SIZE_BYTES;
  const run = (workload: Record<string, unknown>, postcopyPush: string) => runScenario(scenario({
    fidelity: 'page', seed: 5, vm: { memoryMiB: 512 }, workload, network: gigabit, migration: { algorithm: 'postcopy', postcopyPush },
  }));
  const sweep = { type: 'sweep', writesPerSecond: 5000, bufferMiB: 256, offsetMiB: 128 };
  const inOrder = run(sweep, 'address-order'), follow = run(sweep, 'from-last-fault');
  for (const r of [inOrder, follow]) {
    assert.ok(relErr(r.bytesTransferred, N * PAGE_SIZE_BYTES) < 1e-12);
    assert.is(r.postcopy!.pushedPages + r.postcopy!.faults, N);
  }
  // The writer sweeps its buffer far slower than the link: once the push has jumped to it, it stays ahead.
  assert.ok(follow.postcopy!.faults * 20 < inOrder.postcopy!.faults, `sweep: ${follow.postcopy!.faults} vs ${inOrder.postcopy!.faults}`);
  // Random writes: pages are alike wherever the push is, so the order barely matters.
  const uniform = { type: 'uniform', writesPerSecond: 20000 };
  const a = run(uniform, 'address-order').postcopy!.faults, b = run(uniform, 'from-last-fault').postcopy!.faults;
  assert.ok(relErr(b, a) < 0.1, `uniform: ${b} vs ${a}`);
});

test('two guests in post-copy on one link: each gets half of it, so each takes twice as long and faults more', () => {
  const one = runScenario(post('fluid', 20000));
  const two = runScenario(post('fluid', 20000, { concurrentMigrations: 2 }));
  const [a, b] = two.migrations!.map((m) => m.postcopy!);
  assert.ok(relErr(a.faults, b.faults) < 1e-9, `${a.faults} vs ${b.faults}`);
  assert.ok(relErr(two.totalTimeSeconds - two.downtimeSeconds, 2 * (one.totalTimeSeconds - one.downtimeSeconds)) < 0.01);
  assert.ok(a.faults > one.postcopy!.faults);
});

test('post-copy settings are checked against the algorithm', () => {
  const bad = (migration: Record<string, unknown>) => {
    try { validateScenario({ name: 'x', vm: { memoryMiB: 64 }, network: { bandwidthBitsPerSecond: 1e9 }, migration }, 'x.json', (p) => p); return ''; } catch (e) { return (e as Error).message; }
  };
  assert.match(bad({ algorithm: 'hybrid' }), /x\.json: migration\.policy: expected one of "xen", "xen-legacy", "qemu", "simgrid", "clark05", "microwiper" for hybrid, got nothing/);
  assert.match(bad({ algorithm: 'postcopy', policy: 'qemu' }), /migration\.policy: expected no policy for postcopy/);
  assert.match(bad({ algorithm: 'precopy', policy: 'xen', postcopyAfterRounds: 2 }), /migration\.postcopyAfterRounds: not used by precopy; expected it only with algorithm "hybrid"/);
  assert.match(bad({ algorithm: 'hybrid', policy: 'xen', postcopyAfterSeconds: 0 }), /migration\.postcopyAfterSeconds: expected a number > 0/);
  assert.is(bad({ algorithm: 'hybrid', policy: 'qemu', postcopyAfterRounds: 3, postcopyAfterSeconds: 2 }), '');
  assert.match(bad({ algorithm: 'postcopy', postcopyPush: 'from-last-fault' }), /migration\.postcopyPush: "from-last-fault" follows each fault's address: expected fidelity "page", got string "fluid"/);
  assert.match(bad({ algorithm: 'precopy', policy: 'xen', postcopyPush: 'address-order' }), /migration\.postcopyPush: not used by precopy; expected it only with algorithm "postcopy" or "hybrid"/);
});

test('bubbling (Hines\' pre-paging): the push goes out from the last fault, a word up, a word down, hand-worked', () => {
  // 256 pages = 8 words of 32; the guest writes page 130 (word 4) in the first 0.1 s: a fault, the pivot.
  const trace = parseDirtyTrace('# miglab-dirty-trace v1 interval_seconds=0.1 pages=256\n130\n', 't.trace', false);
  const streams = new RandomStreams(1);
  const t = new PageTracker(trace, 0, streams.get('w'), streams.get('m'));
  t.startTracking(0);
  t.serveFaults('bubble');
  t.advance(0.1);
  assert.is(t.faultsServed, 1);
  const out = newTakeResult();
  // One page at a time: the words in the order their pages leave.
  const order: number[] = [];
  let left = new Set(t.pendingList());
  while (t.pendingPages > 0) {
    t.take(1, false, 0.1, out);
    const now = new Set(t.pendingList());
    const gone = [...left].filter((p) => !now.has(p));
    assert.is(gone.length, 1);
    const w = Math.floor(gone[0] / 32);
    if (order[order.length - 1] !== w) order.push(w);
    left = now;
  }
  assert.equal(order, [4, 3, 5, 2, 6, 1, 7, 0]);
  assert.is(t.pendingPages, 0, 'every page once');
});

test('backward pre-paging: the push goes down from the last fault, wrapping to the top past page 0, hand-worked', () => {
  const trace = parseDirtyTrace('# miglab-dirty-trace v1 interval_seconds=0.1 pages=256\n130\n', 't.trace', false);
  const streams = new RandomStreams(1);
  const t = new PageTracker(trace, 0, streams.get('w'), streams.get('m'));
  t.startTracking(0);
  t.serveFaults('backward');
  t.advance(0.1);
  assert.is(t.faultsServed, 1);
  const out = newTakeResult();
  const order: number[] = [];
  while (t.pendingPages > 0) {
    const before = new Set(t.pendingList());
    t.take(1, false, 0.1, out);
    const gone = [...before].filter((p) => !t.pendingList().includes(p));
    assert.is(gone.length, 1);
    if (order[order.length - 1] !== Math.floor(gone[0] / 32)) order.push(Math.floor(gone[0] / 32));
  }
  assert.equal(order, [4, 3, 2, 1, 0, 7, 6, 5]);
});

test('pre-paging against the working set: faults shrink to a fraction of it, every page still sent once', () => {
  const run = (postcopyPush: string) => runScenario(scenario({
    fidelity: 'page', seed: 3, vm: { memoryMiB: 1024 }, workload: { type: 'uniform', writesPerSecond: 20000, workingSetMiB: 128, offsetMiB: 256 },
    network: gigabit, migration: { algorithm: 'postcopy', postcopyPush },
  }));
  const plain = run('address-order'), bubbling = run('bubbling'), backward = run('backward');
  assert.is(backward.postcopy!.pushedPages + backward.postcopy!.faults, backward.postcopy!.pages);
  assert.ok(backward.postcopy!.faultsPerWorkingSetPage! < plain.postcopy!.faultsPerWorkingSetPage!, `backward starts in the working set too: ${backward.postcopy!.faultsPerWorkingSetPage}`);
  for (const r of [plain, bubbling]) {
    assert.is(r.postcopy!.workingSetPages, 32768);
    assert.is(r.postcopy!.pushedPages + r.postcopy!.faults, r.postcopy!.pages, 'pushed or faulted, once');
  }
  // The push from page 0 reaches the working set (256-384 MiB) late; bubbling starts in it at the first fault.
  assert.ok(plain.postcopy!.faultsPerWorkingSetPage! > 0.21, `address order: ${plain.postcopy!.faultsPerWorkingSetPage}`);
  assert.ok(bubbling.postcopy!.faultsPerWorkingSetPage! < 0.21, `bubbling within Hines' 21 %: ${bubbling.postcopy!.faultsPerWorkingSetPage}`);
  assert.throws(() => scenario({ fidelity: 'fluid', workload: { type: 'idle' }, migration: { algorithm: 'postcopy', postcopyPush: 'bubbling' } }), /migration\.postcopyPush: "bubbling" follows each fault's address: expected fidelity "page"/);
});

test.run();
