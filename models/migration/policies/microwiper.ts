import type { StopReason } from '../recorder.ts';
import type { LivePolicy, MigrationContext } from '../types.ts';
import { newTakeResult } from '../../memory/tracker.ts';
import type { XenLegacyParameters } from './xenLegacy.ts';
import { XEN_BATCH_PAGES } from '../../network/wire/xen.ts';

/** Microwiper retrofits legacy Xen's pre-copy: its stop rules and their parameters (29 iterations, 50 pages, 3 × RAM). */
export type MicrowiperParameters = XenLegacyParameters;
export const MICROWIPER_PARAMETERS = ['maxIterations', 'dirtyThresholdPages', 'maxFactor'] as const;

/**
 * Microwiper (Du, Yu, Shi, Chen, Zheng; ICPP 2010): pre-copy with ordered propagation.
 *
 * "Ordered propagation to transfer dirty memory pages according to their rewriting rates", and "we
 * factor available network bandwidth in sending pages to throttle hot spot; after the accumulated
 * rewriting rate exceeds the estimated bandwidth, next iteration is started immediately"
 * (abstract). From the paper's body as paraphrased (secondary, ../shared/notes §5): memory is cut
 * into stripes of consecutive pages; after each iteration a stripe's rewriting rate is its pages
 * dirtied in that iteration over the iteration's duration; each iteration sends the dirty pages
 * stripe by stripe, the least rewritten first, adding up the rates of the stripes sent, and starts
 * the next iteration as soon as the sum passes the bandwidth — the hot stripes wait, and most of
 * them go only in the final stop-and-copy, once.
 *
 * Model: the first iteration sends all of memory (no rates yet); like legacy Xen's, every
 * iteration goes batch by batch (1,024 pages) and skips a page written again since the last read
 * (it would only be sent again); later iterations order the pending pages
 * by their memory segment's rewriting rate over the last iteration — miglab's segments are the
 * stripes, each uniform in rate, so the order within one does not matter (the expected rate, not a
 * per-stripe measurement: a page-level run does not add the measurement's noise); the bandwidth is
 * the link's rate for this migration in pages per second. The stop rules are legacy Xen's, which
 * Microwiper retrofits (xc_domain_save.c: 29 iterations, fewer than 50 pages to send, more than
 * 3 × RAM sent, counting pages sent and skipped as legacy Xen does); the final stop-and-copy sends
 * everything left, hot stripes included. A hot stripe not reached stays pending (not counted
 * towards the 50-page stop: only what an iteration scanned is).
 */
export function microwiperPolicy(p: MicrowiperParameters): LivePolicy {
  return {
    name: 'precopy/microwiper',
    start(ctx: MigrationContext): void {
      const { tracker, sim, wire, recorder } = ctx;
      if (!tracker.takeByRewriteRate) throw new Error('internal: the tracker cannot order pages by rewriting rate');
      const take = newTakeResult();
      let iter = 0, totalSent = 0, lastStart = sim.nowSeconds;
      tracker.startTracking(sim.nowSeconds);
      const iteration = (): void => {
        const start = sim.nowSeconds;
        const budget = ctx.link.soloRate() / ctx.migrationsOnLink / wire.bytesPerPage; // pages/s
        let used = 0, pages = 0, zero = 0, skipped = 0, bytes = 0;
        // Batch by batch (1,024 pages, as Xen's scan), peeking at the log before each.
        const batch = (): void => {
          if (iter === 0) tracker.take(XEN_BATCH_PAGES, true, sim.nowSeconds, take);
          else used += tracker.takeByRewriteRate!(XEN_BATCH_PAGES, budget - used, lastStart, start, true, sim.nowSeconds, take);
          const b = wire.bytes(take.pages, take.zeroPages);
          pages += take.pages; zero += take.zeroPages; skipped += take.skippedPages; bytes += b;
          const more = take.pages + take.skippedPages > 0 && tracker.pendingPages > 0 && (iter === 0 || used < budget);
          ctx.send(b, Infinity, () => (more ? batch() : done()));
        };
        const done = (): void => {
          recorder.addRound({ phase: 'precopy', startAbsoluteSeconds: start, durationSeconds: sim.nowSeconds - start, pagesSent: pages, zeroPagesSent: zero, pagesSkipped: skipped, pagesDirtied: 0, bytes });
          iter++;
          totalSent += pages;
          lastStart = start;
          let reason: StopReason | null = null;
          if (iter >= p.maxIterations) reason = 'iteration-cap';
          else if (pages + skipped < p.dirtyThresholdPages) reason = 'converged';
          else if (totalSent > tracker.totalPages * p.maxFactor) reason = 'traffic-cap';
          else if (ctx.mustStop) reason = 'timeout-forced';
          if (reason) { ctx.switchover(reason, { capBytesPerSecond: Infinity }); return; }
          recorder.setLastRoundDirtied(tracker.sync(sim.nowSeconds));
          iteration();
        };
        if (iter === 0) tracker.rewind();
        batch();
      };
      iteration();
    },
  };
}
