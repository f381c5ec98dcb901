import { XEN_BATCH_PAGES } from '../../network/wire/xen.ts';
import { sendRound } from '../rounds.ts';
import type { LivePolicy, MigrationContext, SwitchoverHints } from '../types.ts';

/** SPP_MAX_ITERATIONS and SPP_TARGET_DIRTY_COUNT by default (scenario.schema.json). */
export interface XenParameters { maxIterations: number; dirtyThresholdPages: number }
export const XEN_PARAMETERS = ['maxIterations', 'dirtyThresholdPages'] as const;

/** Xen sends the last round as fast as it can. */
const FINAL: SwitchoverHints = { capBytesPerSecond: Infinity };

/**
 * Pre-copy as Xen ≥ 4.6 does it (migration stream v2, tools/libs/guest/xg_sr_save.c,
 * send_memory_live() with the default simple_precopy_policy):
 *
 *   stats = {iteration 0, dirty_count = all pages}
 *   loop:
 *     decision = policy(stats)            -- stop if 0 ≤ dirty_count < 50 or iteration ≥ 5
 *     x++
 *     if dirty_count > 0: send the pages in the bitmap while the guest runs   (even if stopping)
 *     if decision = stop: break
 *     stats.iteration = x; dirty_count = −1
 *     if policy(stats) = stop: break      -- the round cap fires before the next read
 *     dirty_count = CLEAN (read and clear the log-dirty bitmap)
 *   suspend; final CLEAN; send those pages; resume.
 *
 * Net effect: at most 5 live rounds counting the full first one; once fewer than 50 pages are
 * dirty, one more live round of those pages, then the suspend. No rate limit, no traffic cap.
 */
export function xenPolicy(p: XenParameters): LivePolicy {
  return {
  name: 'precopy/xen',
  start(ctx: MigrationContext): void {
    const tracker = ctx.tracker;
    tracker.startTracking(ctx.sim.nowSeconds);
    let iteration = 0;
    let dirtyCount = tracker.pendingPages; // all pages, or those changed since a checkpoint baseline
    let x = 0;
    const policy = (): boolean => (dirtyCount >= 0 && dirtyCount < p.dirtyThresholdPages) || iteration >= p.maxIterations;
    const loop = (): void => {
      const stop = policy();
      const forced = ctx.mustStop;
      x++;
      const afterSend = (): void => {
        if (stop) { ctx.switchover(dirtyCount >= 0 && dirtyCount < p.dirtyThresholdPages ? 'converged' : 'iteration-cap', FINAL); return; }
        iteration = x;
        dirtyCount = -1;
        if (policy()) { ctx.switchover('iteration-cap', FINAL); return; }
        if (ctx.mustStop) { ctx.switchover('timeout-forced', FINAL); return; }
        dirtyCount = tracker.sync(ctx.sim.nowSeconds);
        ctx.recorder.setLastRoundDirtied(dirtyCount);
        loop();
      };
      if (forced && !stop) { ctx.switchover('timeout-forced', FINAL); return; }
      if (dirtyCount > 0) {
        tracker.rewind();
        sendRound(ctx, { phase: 'precopy', maxPages: Infinity, skipRedirtied: false, capBytesPerSecond: Infinity, batchPages: XEN_BATCH_PAGES }, afterSend);
      } else afterSend();
    };
    loop();
  },
};
}
