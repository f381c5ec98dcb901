import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventQueue } from '../../sim/eventQueue.ts';
import { Simulator, Signal } from '../../sim/simulator.ts';
import { RandomStream, RandomStreams } from '../../sim/random.ts';

test('event queue pops in time order, equal times in scheduling order', () => {
  const q = new EventQueue();
  const rng = new RandomStream(7, 'heap');
  const pushed: [number, number][] = [];
  for (let i = 0; i < 5000; i++) {
    const t = Math.floor(rng.uniform() * 50); // many ties
    pushed.push([t, i]);
    q.push(t, () => {});
  }
  const expected = pushed.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const got: [number, number][] = [];
  for (let e = q.pop(); e; e = q.pop()) got.push([e.timeSeconds, e.sequence]);
  assert.equal(got, expected);
});

test('simulator runs callbacks and generator processes in order; cancel and until work', () => {
  const sim = new Simulator();
  const log: string[] = [];
  sim.schedule(2, () => log.push(`a@${sim.nowSeconds}`));
  sim.schedule(1, () => log.push(`b@${sim.nowSeconds}`));
  sim.schedule(1, () => log.push(`c@${sim.nowSeconds}`));
  const x = sim.schedule(1.5, () => log.push('cancelled'));
  sim.cancel(x);
  const sig = new Signal<string>(sim);
  sim.process((function* () {
    yield 0.5;
    log.push(`p@${sim.nowSeconds}`);
    const v = yield sig;
    log.push(`p got ${v as string}@${sim.nowSeconds}`);
  })());
  sim.schedule(3, () => sig.trigger('go'));
  sim.schedule(10, () => log.push('late'));
  const end = sim.run(5);
  assert.equal(log, ['p@0.5', 'b@1', 'c@1', 'a@2', 'p got go@3']);
  assert.is(end, 5);
  sim.run();
  assert.equal(log.at(-1), 'late');
  assert.throws(() => sim.schedule(-1, () => {}), /≥ 0/);
});

test('random streams: same seed and name → same draws; names are independent', () => {
  const a = new RandomStream(42, 'workload');
  const b = new RandomStream(42, 'workload');
  const c = new RandomStream(43, 'workload');
  const da = Array.from({ length: 20 }, () => a.uniform());
  assert.equal(da, Array.from({ length: 20 }, () => b.uniform()));
  assert.not.equal(da, Array.from({ length: 20 }, () => c.uniform()));
  // Drawing from another stream in between does not change this stream's draws.
  const s1 = new RandomStreams(5);
  const x1 = [s1.get('workload').uniform(), s1.get('workload').uniform()];
  const s2 = new RandomStreams(5);
  s2.get('network').uniform(); s2.get('new-model').uniform();
  const x2 = [s2.get('workload').uniform(), s2.get('network').uniform() * 0 + s2.get('workload').uniform()];
  assert.equal(x1, x2);
});

test('poisson draws have the right mean and variance (small and large means)', () => {
  const r = new RandomStream(1, 'poisson');
  for (const mean of [3, 200]) {
    const n = 20000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const k = r.poisson(mean); s += k; s2 += k * k; }
    const m = s / n, v = s2 / n - m * m;
    assert.ok(Math.abs(m - mean) < 4 * Math.sqrt(mean / n), `mean ${m} vs ${mean}`);
    assert.ok(Math.abs(v / mean - 1) < 0.05, `variance ${v} vs ${mean}`);
  }
});

test.run();
