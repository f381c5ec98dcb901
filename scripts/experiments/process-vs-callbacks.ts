// Design measurement (ARCHITECTURE.md, "callbacks, chosen by measurement"): Xen's pre-copy policy
// written as a generator process (yielding on each round's send, resumed inline: no extra kernel
// event, so results are identical) against the callback policy, 10,000 fluid runs, best of 8.
// Run compiled: npm run build && node dist/scripts/experiments/process-vs-callbacks.js
import { COMPOSITIONS } from '../../models/migration/compositions/registry.ts';
import { precopy } from '../../models/migration/compositions/precopy.ts';
import { stopAndCopyPhase } from '../../models/migration/phases/stopAndCopy.ts';
import { sendRound, type RoundSummary } from '../../models/migration/rounds.ts';
import { XEN_BATCH_PAGES } from '../../models/network/wire/xen.ts';
import type { LivePolicy, MigrationContext, SwitchoverHints } from '../../models/migration/types.ts';
import type { StopReason } from '../../models/migration/recorder.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { createHash } from 'node:crypto';

type Wait<T> = (resume: (v: T) => void) => void;
/** Runs a generator whose yields are "call me back" functions: resumes inline, no kernel event. */
function spawn(g: Generator<Wait<any>, void, any>): void {
  const step = (v?: unknown): void => { const n = g.next(v); if (!n.done) n.value(step); };
  step();
}
const FINAL: SwitchoverHints = { capBytesPerSecond: Infinity };
function xenProcess(p: { maxIterations: number; dirtyThresholdPages: number }): LivePolicy {
  return {
    name: 'precopy/xen',
    start(ctx: MigrationContext): void {
      spawn((function* (): Generator<Wait<any>, void, any> {
        const tracker = ctx.tracker;
        tracker.startTracking(ctx.sim.nowSeconds);
        let iteration = 0, x = 0;
        let dirtyCount = tracker.pendingPages;
        const policy = (): boolean => (dirtyCount >= 0 && dirtyCount < p.dirtyThresholdPages) || iteration >= p.maxIterations;
        for (;;) {
          const stop = policy();
          x++;
          if (ctx.mustStop && !stop) return ctx.switchover('timeout-forced', FINAL);
          if (dirtyCount > 0) {
            tracker.rewind();
            yield (resume: (r: RoundSummary) => void) => sendRound(ctx, { phase: 'precopy', maxPages: Infinity, skipRedirtied: false, capBytesPerSecond: Infinity, batchPages: XEN_BATCH_PAGES }, resume);
          }
          if (stop) return ctx.switchover((dirtyCount >= 0 && dirtyCount < p.dirtyThresholdPages ? 'converged' : 'iteration-cap') as StopReason, FINAL);
          iteration = x;
          dirtyCount = -1;
          if (policy()) return ctx.switchover('iteration-cap', FINAL);
          if (ctx.mustStop) return ctx.switchover('timeout-forced', FINAL);
          dirtyCount = tracker.sync(ctx.sim.nowSeconds);
          ctx.recorder.setLastRoundDirtied(dirtyCount);
        }
      })());
    },
  };
}
const scenarios = Array.from({ length: 10000 }, (_, i) => {
  const memoryMiB = 256 * 2 ** (i % 9);
  const ratio = [0.05, 0.2, 0.5, 0.8, 1.2][i % 5];
  const bw = 1e9;
  return validateScenario({ name: 'x', seed: i, vm: { memoryMiB }, network: { bandwidthBitsPerSecond: bw, latencySeconds: 1e-4 },
    workload: { type: 'hotcold', writesPerSecond: Math.max(1, (ratio * bw) / 8 / 4096), hotSetMiB: Math.max(1, memoryMiB / 16), hotWriteFraction: 0.8 },
    migration: { algorithm: 'precopy', policy: 'xen' }, limits: { maxTimeSeconds: 600 } }, 'x', (p) => p);
});
const processPrecopy = (m: any) => ({ ...precopy(m), live: xenProcess({ maxIterations: m.maxIterations, dirtyThresholdPages: m.dirtyThresholdPages }) });
const variants: Record<string, any> = { callbacks: precopy, process: processPrecopy };
const hash: Record<string, string> = {};
const best: Record<string, number> = { callbacks: Infinity, process: Infinity };
for (let rep = 0; rep < 8; rep++) for (const [name, build] of (rep % 2 ? Object.entries(variants).reverse() : Object.entries(variants))) {
  (COMPOSITIONS as any).precopy = build;
  const h = createHash('sha256');
  const t0 = performance.now();
  for (const s of scenarios) { const r = runScenario(s, { keepRounds: false }); h.update(`${r.totalTimeSeconds},${r.bytesTransferred},${r.rounds};`); }
  best[name] = Math.min(best[name], performance.now() - t0);
  hash[name] = h.digest('hex').slice(0, 12);
}
console.log(`xen fluid, 10,000 runs, best of 8: callbacks ${(best.callbacks / 10).toFixed(2)} µs/run, process ${(best.process / 10).toFixed(2)} µs/run → process/callbacks ${(best.process / best.callbacks).toFixed(3)}; results ${hash.callbacks === hash.process ? 'identical' : 'DIFFER'}`);
