import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import { XEN_BATCH_PAGES } from '../../network/wire/xen.ts';
import type { StopReason } from '../recorder.ts';
import { sendRound } from '../rounds.ts';
import type { LivePolicy, MigrationContext } from '../types.ts';

/** max_iters, the 50-page threshold and max_factor (DEF_MAX_ITERS 29, DEF_MAX_FACTOR 3 by default, scenario.schema.json). */
export interface XenLegacyParameters { maxIterations: number; dirtyThresholdPages: number; maxFactor: number }
export const XEN_LEGACY_PARAMETERS = ['maxIterations', 'dirtyThresholdPages', 'maxFactor'] as const;
/** Clark'05's rate limiting on top (100 Mbit/s start, +50 Mbit/s, 500 Mbit/s maximum by default). */
export interface Clark05Parameters extends XenLegacyParameters { startBitsPerSecond: number; incrementBitsPerSecond: number; maxBitsPerSecond: number }
export const CLARK05_PARAMETERS = [...XEN_LEGACY_PARAMETERS, 'startBitsPerSecond', 'incrementBitsPerSecond', 'maxBitsPerSecond'] as const;

/**
 * Pre-copy as legacy Xen (≤ 4.5) does it (tools/libxc/xc_domain_save.c), optionally with the
 * NSDI'05 adaptive rate limiting (Clark et al.; xc_linux_save.c of 2004–2005).
 *
 * Each round sends the pages of the last bitmap read, batch by batch (1024 pages); before each
 * batch the log is peeked and pages written again since the read are skipped (they will be sent
 * next round). After a live round the migration stops (suspends) when
 *   iter ≥ max_iters (29)  or  sent_this_iter + skip_this_iter < 50  or  total_sent > 3 × RAM pages
 *   or, with rate limiting, the rate is at its maximum and this round sent more than the last;
 * then the log is read (CLEAN) and the final round sends everything, suspended, without skipping.
 *
 * Clark'05 rate limiting: round 1 runs at the start rate (100 Mbit/s), each later round at the
 * previous round's dirtying rate + 50 Mbit/s, at most 500 Mbit/s; the final round at the maximum.
 */
export function xenLegacyPolicy(p: XenLegacyParameters): LivePolicy {
  return legacyPrecopy(p, null);
}

export function clark05Policy(p: Clark05Parameters): LivePolicy {
  return legacyPrecopy(p, p);
}

function legacyPrecopy(p: XenLegacyParameters, adaptive: Clark05Parameters | null): LivePolicy {
  const adaptiveRate = adaptive !== null;
  return {
    name: adaptiveRate ? 'precopy/clark05' : 'precopy/xen-legacy',
    start(ctx: MigrationContext): void {
      const tracker = ctx.tracker;
      const maxRate = adaptive ? adaptive.maxBitsPerSecond / 8 : Infinity;
      let rate = adaptive ? Math.min(maxRate, adaptive.startBitsPerSecond / 8) : Infinity;
      let iter = 1;
      let totalSent = 0;
      let sentLast = Infinity;
      tracker.startTracking(ctx.sim.nowSeconds);
      const finalRate = adaptiveRate ? maxRate : Infinity;
      const round = (): void => {
        tracker.rewind();
        sendRound(ctx, { phase: 'precopy', maxPages: Infinity, skipRedirtied: true, capBytesPerSecond: rate, batchPages: XEN_BATCH_PAGES }, (r) => {
          totalSent += r.pages;
          const rateIsMax = adaptiveRate && rate >= maxRate;
          let reason: StopReason | null = null;
          if (rateIsMax && r.pages > sentLast) reason = 'rate-saturated';
          else if (iter >= p.maxIterations) reason = 'iteration-cap';
          else if (r.pages + r.skippedPages < p.dirtyThresholdPages) reason = 'converged';
          else if (totalSent > tracker.totalPages * p.maxFactor) reason = 'traffic-cap';
          else if (ctx.mustStop) reason = 'timeout-forced';
          if (reason) { ctx.switchover(reason, { capBytesPerSecond: finalRate }); return; }
          const dirtied = tracker.sync(ctx.sim.nowSeconds);
          ctx.recorder.setLastRoundDirtied(dirtied);
          if (adaptive && r.durationSeconds > 0) {
            // mbit_rate = dirtied Mbit/s of the last round + 50, capped at the maximum.
            rate = Math.min(maxRate, (dirtied * PAGE_SIZE_BYTES) / r.durationSeconds + adaptive.incrementBitsPerSecond / 8);
          }
          sentLast = r.pages;
          iter++;
          round();
        });
      };
      round();
    },
  };
}
