import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Simulator } from '../../sim/simulator.ts';
import { Fabric } from '../../models/network/fabric.ts';
import { validateFleet } from '../../models/fleet/load.ts';
import { runFleet } from '../../models/fleet/runFleet.ts';
import { buildTopology } from '../../models/fleet/topology.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';

const fleet = (o: Record<string, unknown>) => validateFleet({ name: 'f', ...o }, 'f.json', (p) => p);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

test('max-min on three links, hand-worked: the narrowest link first, its capacity and flows taken off the others', () => {
  // Links (bytes/s): A 10, B 10, C 4. Flows: f1 A+B (100 B), f2 B+C (10 B), f3 C (10 B), f4 A (20 B).
  // Filling: C's share 4/2 = 2 is the smallest: f2 = f3 = 2; then A's 10/2 = 5 < B's (10 − 2)/1: f1 = f4 = 5.
  // t = 4: f4 ends (20/5). Then f1 = min(A 10, B 10 − 2) = 8. t = 5: f2, f3 end (10 − 8 = 2 at 2/s).
  // Then f1 alone at 10: 100 − 20 − 8 = 72 left at t = 5 → ends at 12.2.
  const sim = new Simulator();
  const fab = new Fabric(sim);
  const A = fab.addLink({ name: 'A', bandwidthBitsPerSecond: 80, latencySeconds: 0 });
  const B = fab.addLink({ name: 'B', bandwidthBitsPerSecond: 80, latencySeconds: 0 });
  const C = fab.addLink({ name: 'C', bandwidthBitsPerSecond: 32, latencySeconds: 0 });
  const ends: Record<string, number> = {};
  const go = (name: string, route: number[], bytes: number) => fab.path(route).send(bytes, Infinity, () => { ends[name] = sim.nowSeconds; });
  go('f1', [A, B], 100); go('f2', [B, C], 10); go('f3', [C], 10); go('f4', [A], 20);
  sim.run();
  for (const [k, v] of Object.entries({ f1: 12.2, f2: 5, f3: 5, f4: 4 })) assert.ok(rel(ends[k], v) < 1e-12, `${k} ended at ${ends[k]}, expected ${v}`);
  const stats = Object.fromEntries(fab.linkStats().map((l) => [l.name, l]));
  assert.ok(rel(stats.A.bytes, 120) < 1e-12 && rel(stats.B.bytes, 110) < 1e-12 && rel(stats.C.bytes, 20) < 1e-12, JSON.stringify(stats));
  assert.is(stats.C.peakUtilisation, 1);
});

test('a cap below the fair share keeps to it; background traffic is capacity taken off the link; latency is the route\'s sum', () => {
  const sim = new Simulator();
  const fab = new Fabric(sim);
  const l1 = fab.addLink({ name: 'a', bandwidthBitsPerSecond: 800, latencySeconds: 0.5, backgroundBitsPerSecond: 400 }); // 50 B/s left
  const l2 = fab.addLink({ name: 'b', bandwidthBitsPerSecond: 8000, latencySeconds: 0.25 });
  const ends: number[] = [];
  fab.path([l1, l2]).send(100, 10, () => ends.push(sim.nowSeconds)); // capped at 10 B/s
  fab.path([l1]).send(100, Infinity, () => ends.push(sim.nowSeconds)); // gets 40 B/s, then 50
  sim.run();
  // Second: 40 B/s until 2.5 s (100 B) + 0.5 s latency = 3 s. First: 10 B/s → 10 s of data + 0.75 s.
  assert.ok(rel(ends[0], 3) < 1e-12 && rel(ends[1], 10.75) < 1e-12, JSON.stringify(ends));
});

test('a fleet of identical guests on one link gives the per-guest results of concurrentMigrations, both fidelities', () => {
  for (const fidelity of ['fluid', 'page']) {
    const template = { vm: { memoryMiB: 256 }, workload: { type: 'zipf', writesPerSecond: 20000, exponent: 1.1 }, migration: { algorithm: 'precopy', policy: 'xen' } };
    const fr = runFleet(fleet({ seed: 3, fidelity, topology: { type: 'shared-link', bandwidthBitsPerSecond: 1e9, latencySeconds: 1e-4 }, guests: [{ count: 4, template }], plan: { evacuate: ['h0'] } }));
    const cr = runScenario(validateScenario({ name: 'c', seed: 3, fidelity, concurrentMigrations: 4, ...template, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 1e-4 } }, 'c.json', (p) => p));
    for (let i = 0; i < 4; i++) {
      const a = fr.migrations[i], b = cr.migrations![i];
      assert.equal([a.totalTimeSeconds, a.downtimeSeconds, a.bytesTransferred, a.rounds, a.status], [b.totalTimeSeconds, b.downtimeSeconds, b.bytesTransferred, b.rounds, b.status], `${fidelity} guest ${i}`);
    }
  }
});

test('the plan: limits per host and in all, orders, explicit starts and dependencies', () => {
  const guests = [
    { name: 'a', count: 6, hosts: ['h0'], template: { vm: { memoryMiB: 512 }, workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'xen' } }, vary: { 'vm.memoryMiB': { choice: [256, 512, 1024, 2048] } } },
  ];
  const topology = { type: 'star', hosts: 3, nicBitsPerSecond: 1e9 };
  const overlap = (rows: { startSeconds: number; endSeconds: number; from: string; to: string }[], host: string): number => {
    let max = 0;
    for (const r of rows) max = Math.max(max, rows.filter((q) => (q.from === host || q.to === host) && q.startSeconds <= r.startSeconds + 1e-12 && q.endSeconds > r.startSeconds + 1e-12).length);
    return max;
  };
  const two = runFleet(fleet({ topology, guests, plan: { evacuate: ['h0'], maxConcurrent: { perHost: 2 } } }));
  assert.is(two.summary.peakConcurrentMigrations, 2);
  assert.ok(overlap(two.migrations, 'h0') <= 2);
  const one = runFleet(fleet({ topology, guests, plan: { evacuate: ['h0'], order: 'smallest-memory-first', maxConcurrent: { global: 1 } } }));
  const byStart = [...one.migrations].sort((a, b) => a.startSeconds - b.startSeconds);
  for (let i = 1; i < byStart.length; i++) {
    assert.ok(byStart[i].memoryMiB >= byStart[i - 1].memoryMiB, 'smallest first');
    assert.ok(byStart[i].startSeconds >= byStart[i - 1].endSeconds - 1e-9, 'one at a time');
  }
  assert.equal(new Set(one.migrations.map((m) => m.to)), new Set(['h1', 'h2']), 'spread over the targets');
  const explicit = runFleet(fleet({ topology, guests, plan: { migrations: [{ guest: 'a-0', to: 'h1', startSeconds: 5 }, { guest: 'a-1', to: 'h2', after: ['a-0'] }] } }));
  const [m0, m1] = explicit.migrations;
  assert.ok(rel(m0.startSeconds, 5) < 1e-12 && m1.startSeconds >= m0.endSeconds - 1e-9, JSON.stringify(explicit.migrations));
  assert.is(explicit.migrations.length, 2);
});

test('a migration that cannot converge follows its own onTimeout rule and frees its place for the rest', () => {
  const ok = { vm: { memoryMiB: 256 }, workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'xen' } };
  const stuck = { vm: { memoryMiB: 1024 }, workload: { type: 'uniform', writesPerSecond: 200000, workingSetMiB: 1024 }, migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: null }, limits: { maxTimeSeconds: 5, onTimeout: 'cancel' } };
  const r = runFleet(fleet({ topology: { type: 'star', hosts: 2, nicBitsPerSecond: 1e9 }, guests: [{ name: 'stuck', count: 1, template: stuck }, { name: 'ok', count: 3, template: ok }], plan: { evacuate: ['h0'], maxConcurrent: { global: 1 } } }));
  const [s0, ...rest] = r.migrations;
  assert.is(s0.guest, 'stuck-0');
  assert.is(s0.status, 'cancelled');
  assert.ok(rel(s0.endSeconds, 5) < 1e-9, `cancelled at its 5 s limit: ${s0.endSeconds}`);
  for (const m of rest) { assert.is(m.status, 'completed'); assert.ok(m.startSeconds >= s0.endSeconds - 1e-9); }
  assert.equal([r.summary.cancelled, r.summary.completed], [1, 3]);
});

test('energy, hand-worked for one migration; refusals name the field', () => {
  const energy = { hostIdleWatts: 100, hostPeakWatts: 300, cpuSharePerMigration: 0.1, nicJoulesPerByte: 1e-8, switchJoulesPerByte: 2e-8 };
  const r = runFleet(fleet({ topology: { type: 'star', hosts: 2, nicBitsPerSecond: 1e9, nicLatencySeconds: 0 }, guests: [{ count: 1, template: { vm: { memoryMiB: 256 }, workload: { type: 'idle' }, migration: { algorithm: 'stop-and-copy' } } }], plan: { evacuate: ['h0'] }, energy }));
  const m = r.migrations[0], T = m.totalTimeSeconds, B = m.bytesTransferred;
  assert.ok(rel(T, B / 125e6) < 1e-12);
  assert.ok(rel(m.energyJoules!, 2 * 200 * 0.1 * T + B * (2e-8 + 2e-8)) < 1e-12, `${m.energyJoules}`);
  assert.ok(rel(r.energy!.totalJoules, 2 * 100 * T + 2 * 200 * 0.1 * T + B * 4e-8) < 1e-12, JSON.stringify(r.energy));
  const bad = (o: Record<string, unknown>, re: RegExp) => assert.throws(() => runFleet(fleet({ topology: { type: 'star', hosts: 2, nicBitsPerSecond: 1e9 }, guests: [{ count: 1, template: { vm: { memoryMiB: 256 }, workload: { type: 'idle' }, migration: { algorithm: 'stop-and-copy' } } }], plan: { evacuate: ['h0'] }, ...o })), re);
  bad({ plan: { evacuate: ['h9'] } }, /f\.json: plan\.evacuate\[0\]: expected one of the topology's hosts, got "h9"/);
  bad({ guests: [{ count: 1, template: { network: {} } }] }, /guests\[0\]\.template\.network: expected no network in a guest template \(the topology is the network\)/);
  bad({ guests: [{ count: 1, template: { vm: { memoryMiB: -1 }, workload: { type: 'idle' }, migration: { algorithm: 'stop-and-copy' } } }] }, /guests\[0\]\.template \(guest g1-0\): vm\.memoryMiB: expected a number > 0/);
  bad({ plan: { migrations: [{ guest: 'g1-0', to: 'h1', after: ['g1-0'] }] } }, /plan\.migrations: the after lists form a cycle/);
  bad({ background: [{ link: 'nope', bitsPerSecond: 1 }] }, /background: expected the name of one of the topology's links \(e\.g\. h0-up\), got "nope"/);
  bad({ topology: { type: 'fat-tree', k: 4, hosts: 17, linkBitsPerSecond: 1e9 } }, /topology\.hosts: expected at most k³\/4 = 16 hosts for k = 4/);
  bad({ topology: { type: 'racks', racks: 10000, hostsPerRack: 1000, nicBitsPerSecond: 1e9, uplinkBitsPerSecond: 1e10 } }, /f\.json: topology: 10,000,000 hosts; miglab's bound .*fleetHosts/);
});

test('fat-tree routes: 2 links under one edge switch, 4 within a pod, 6 across pods; every host pair routed', () => {
  const t = buildTopology(new Fabric(new Simulator()), { type: 'fat-tree', k: 4, linkBitsPerSecond: 1e9, linkLatencySeconds: 1e-5 }, [], 'f.json');
  assert.is(t.hosts.length, 16);
  assert.is(t.route(0, 1).length, 2);
  assert.is(t.route(0, 2).length, 4);
  assert.is(t.route(0, 4).length, 6);
  assert.equal([t.switches(0, 1), t.switches(0, 2), t.switches(0, 4)], [1, 3, 5]);
  for (let a = 0; a < 16; a++) for (let b = 0; b < 16; b++) if (a !== b) assert.ok(t.route(a, b).every((l) => l >= 0 && l < t.fabric.linkCount));
});

test('racks: an oversubscribed uplink is what limits moving a rack away, not the NICs', () => {
  const guests = [{ count: 4, hosts: ['h0', 'h1', 'h2', 'h3'], template: { vm: { memoryMiB: 256 }, workload: { type: 'idle' }, migration: { algorithm: 'stop-and-copy' } } }];
  // Rack 0 (h0-h3) to rack 1 (h4-h7): four 1 Gbit/s NICs behind a 2 Gbit/s uplink; each guest 256 MiB.
  const r = runFleet(fleet({ topology: { type: 'racks', racks: 2, hostsPerRack: 4, nicBitsPerSecond: 1e9, uplinkBitsPerSecond: 2e9, nicLatencySeconds: 0, uplinkLatencySeconds: 0 }, guests, plan: { evacuate: ['h0', 'h1', 'h2', 'h3'] } }));
  const bytes = r.migrations[0].bytesTransferred;
  for (const m of r.migrations) assert.ok(rel(m.totalTimeSeconds, bytes / (2e9 / 8 / 4)) < 1e-9, `${m.guest}: ${m.totalTimeSeconds}`); // a quarter of the uplink each
  const link = Object.fromEntries(r.links.map((l) => [l.name, l]));
  assert.ok(rel(link['rack0-up'].bytes, 4 * bytes) < 1e-9 && link['rack0-up'].peakUtilisation === 1);
  assert.ok(link['h0-up'].peakUtilisation < 0.51, 'the NICs were half used');
  const t = buildTopology(new Fabric(new Simulator()), { type: 'racks', racks: 2, hostsPerRack: 4, nicBitsPerSecond: 1e9, uplinkBitsPerSecond: 2e9, nicLatencySeconds: 0, uplinkLatencySeconds: 0 }, [], 'f.json');
  assert.equal([t.route(0, 1).length, t.route(0, 4).length, t.switches(0, 1), t.switches(0, 4)], [2, 4, 1, 3]);
});

test.run();
