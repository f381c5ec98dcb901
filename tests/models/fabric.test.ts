import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Simulator } from '../../sim/simulator.ts';
import { Fabric, type FabricTransfer } from '../../models/network/fabric.ts';
import { RandomStream } from '../../sim/random.ts';

/** Max-min rates from scratch (progressive filling, one transfer or one link at a time): the reference. */
function maxMin(capacity: number[], flows: { route: number[]; cap: number }[]): number[] {
  const left = capacity.slice(), rate = flows.map(() => NaN);
  let open = flows.map((_, i) => i);
  while (open.length) {
    const n = capacity.map(() => 0);
    for (const i of open) for (const l of flows[i].route) n[l]++;
    let share = Infinity, at = -1;
    for (let l = 0; l < capacity.length; l++) if (n[l] > 0 && left[l] / n[l] < share) { share = left[l] / n[l]; at = l; }
    const minCap = open.reduce((a, i) => Math.min(a, flows[i].cap), Infinity);
    const fix = minCap <= share ? open.filter((i) => flows[i].cap === minCap).slice(0, 1) : open.filter((i) => flows[i].route.includes(at));
    const r = minCap <= share ? minCap : share;
    for (const i of fix) { rate[i] = r; for (const l of flows[i].route) left[l] -= r; }
    open = open.filter((i) => !fix.includes(i));
  }
  return rate;
}

test('incremental max-min equals max-min from scratch after every change (random topologies, routes, caps, starts and aborts)', () => {
  let checks = 0, local = 0, all = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const rng = new RandomStream(seed, 'fabric');
    const sim = new Simulator();
    const fab = new Fabric(sim);
    const nLinks = 2 + rng.integer(7);
    const capacity = Array.from({ length: nLinks }, (_, i) => { const bps = 8 * (1 + rng.integer(20)) * 1e6; fab.addLink({ name: `l${i}`, bandwidthBitsPerSecond: bps, latencySeconds: 0 }); return bps / 8; });
    const live: { t: FabricTransfer; route: number[]; cap: number }[] = [];
    const check = (): void => {
      const want = maxMin(capacity, live.map((f) => ({ route: f.route, cap: f.cap })));
      const got = fab.rates();
      live.forEach((f, i) => { assert.ok(Math.abs(got.get(f.t.id)! - want[i]) <= 1e-9 * Math.max(1, want[i]), `seed ${seed}: transfer ${f.t.id} at ${got.get(f.t.id)}, max-min ${want[i]}`); });
      checks++;
    };
    for (let step = 0; step < 60; step++) {
      sim.at(step, () => {
        // A few changes in one instant: starts on random routes (some capped), aborts of random live transfers.
        for (let c = 1 + rng.integer(3); c > 0; c--) {
          if (live.length > 0 && rng.uniform() < 0.4) {
            const k = rng.integer(live.length);
            fab.abort(live[k].t);
            live.splice(k, 1);
          } else {
            const route = [...new Set(Array.from({ length: 1 + rng.integer(3) }, () => rng.integer(nLinks)))];
            const cap = rng.uniform() < 0.3 ? (1 + rng.integer(10)) * 1e5 : Infinity;
            live.push({ t: fab.path(route).send(1e15, cap, () => {}), route, cap });
          }
        }
        sim.schedule(0, check);
      });
    }
    sim.run(60);
    local += fab.reallocations - fab.globalReallocations; all += fab.globalReallocations;
  }
  assert.ok(checks >= 2000, `${checks} checks`);
  assert.ok(local > 0 && all > 0, `both paths taken: ${local} local, ${all} global`);
});

test.run();
