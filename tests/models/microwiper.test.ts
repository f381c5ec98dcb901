import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FluidTracker } from '../../models/memory/fluidTracker.ts';
import { PageTracker } from '../../models/memory/pageTracker.ts';
import { newTakeResult } from '../../models/memory/tracker.ts';
import { compileWorkload } from '../../models/workload/build.ts';
import type { SegmentedWorkload } from '../../models/workload/segments.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { RandomStreams } from '../../sim/random.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

// 64 MiB = 16,384 pages; 90 % of 10,000 writes/s into a 4 MiB hot set (1,024 pages), the rest over the other 15,360.
const w = compileWorkload({ type: 'hotcold', writesPerSecond: 10000, hotSetMiB: 4, hotWriteFraction: 0.9 }, 16384) as SegmentedWorkload;

test('ordered propagation, hand-worked: the least rewritten pages first, until their rates add up to the bandwidth', () => {
  // Over [0, 0.1 s): a hot page is written with probability 1 − e^(−9000/1024 × 0.1) = 0.585, a cold
  // one 1 − e^(−1000/15360 × 0.1) = 0.0065; per second: 5.85 and 0.065 pages/s per page.
  const hot = (1 - Math.exp(-0.9 * 10000 / 1024 * 0.1)) / 0.1, cold = (1 - Math.exp(-0.1 * 10000 / 15360 * 0.1)) / 0.1;
  const out = newTakeResult();
  const f = new FluidTracker(w, 0);
  f.startTracking(0);
  // A budget of 1,500 pages/s: every cold page (15,360 × 0.065 = 1,000 pages/s), then hot pages for the other ≈ 500.
  const used = f.takeByRewriteRate(Infinity, 1500, 0, 0.1, false, 0, out);
  assert.ok(relErr(used, 1500) < 1e-9);
  assert.ok(relErr(out.pages, 15360 + (1500 - 15360 * cold) / hot) < 1e-9, `${out.pages}`);
  assert.ok(relErr(f.pendingPages, 1024 - (1500 - 15360 * cold) / hot) < 1e-9, 'the hot rest waits');
  // Page level: the same order, whole pages; skipping pages written again since the last read.
  const streams = new RandomStreams(7);
  const p = new PageTracker(w, 0, streams.get('w'), streams.get('m'));
  p.startTracking(0);
  const outP = newTakeResult();
  p.takeByRewriteRate(Infinity, 1500, 0, 0.1, false, 0, outP);
  assert.is(outP.pages, 15360 + Math.ceil((1500 - 15360 * cold) / hot));
  const q = new PageTracker(w, 0, streams.get('w2'), streams.get('m2'));
  q.startTracking(0);
  const outQ = newTakeResult();
  q.takeByRewriteRate(Infinity, Infinity, 0, 0.1, true, 1, outQ);
  assert.ok(outQ.skippedPages > 0.9 * 1024 && outQ.pages + outQ.skippedPages === 16384, `written since the read, skipped: ${outQ.skippedPages}`);
});

test('Microwiper against Xen: hot pages wait for the final round; less downtime than Xen ≥ 4.6, no more pages than legacy Xen', () => {
  const base = { vm: { memoryMiB: 1024, zeroPageFraction: 0.3 }, workload: { type: 'hotcold', writesPerSecond: 24000, hotSetMiB: 128, hotWriteFraction: 0.8 }, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0.0001 } };
  for (const fidelity of ['fluid', 'page']) {
    const run = (policy: string) => runScenario(scenario({ ...base, fidelity, migration: { algorithm: 'precopy', policy } }));
    const mw = run('microwiper'), xen = run('xen'), legacy = run('xen-legacy');
    assert.ok(mw.downtimeSeconds < 0.1 * xen.downtimeSeconds, `${fidelity}: ${mw.downtimeSeconds} vs xen ${xen.downtimeSeconds}`);
    assert.ok(mw.pagesTransferred < legacy.pagesTransferred, `${fidelity}: ${mw.pagesTransferred} vs legacy ${legacy.pagesTransferred}`);
    assert.is(mw.roundRows.filter((r) => r.phase === 'precopy').length + 1, mw.rounds);
  }
  assert.throws(() => scenario({ fidelity: 'page', vm: { memoryMiB: 4 }, workload: { type: 'trace', file: 'scenarios/traces/desktop-4mib.trace' }, migration: { algorithm: 'precopy', policy: 'microwiper' } }), /migration\.policy: "microwiper" orders pages by the workload's rates: expected a workload other than a trace/);
});

test.run();
