import { PAGE_SIZE_BYTES } from '../memory/pageSize.ts';
import { sendRound, stopAndCopy } from './rounds.ts';
import { SteadyStateSkipper } from './steadyState.ts';
import type { MigrationAlgorithm, MigrationContext } from './types.ts';

/**
 * Pre-copy as SimGrid 3.32's VM live-migration plugin models it (src/plugins/vm/VmLiveMigration.cpp):
 *
 *   stage 1: send all of RAM (one flow, capped at mig_speed); bandwidth = bytes / duration (latency
 *            included); threshold = floor(bandwidth × max_downtime), max_downtime = 0.03 s.
 *   stage 2: while threshold < bytes dirtied during the previous send: send them, re-measure the
 *            bandwidth on that send, recompute the threshold. No iteration cap.
 *   stage 3: suspend, send the rest, resume at the destination; a 0-byte ack then takes one latency.
 *
 * Byte counts are integers (floored) as in SimGrid. Its dirty model (bytes = rate × elapsed, capped
 * at the working set, 90 % of RAM by default) is miglab's `sweep` workload over that buffer, and its
 * wire format is `raw`; with both, this policy reproduces SimGrid's results exactly (see peers.md §3.3).
 */
export const precopySimgrid: MigrationAlgorithm = {
  name: 'precopy/simgrid',
  start(ctx: MigrationContext): void {
    const p = ctx.params;
    const tracker = ctx.tracker;
    const cap = p.maxBandwidthBytesPerSecond ?? Infinity;
    tracker.startTracking(ctx.sim.nowSeconds);
    const steady = new SteadyStateSkipper(ctx);
    const round = (): void => {
      sendRound(ctx, { phase: 'precopy', maxPages: Infinity, skipRedirtied: false, capBytesPerSecond: cap, batchPages: Infinity, floorBytes: true }, (r) => {
        const bandwidth = r.durationSeconds > 0 ? r.bytes / r.durationSeconds : Infinity;
        const threshold = Math.floor(bandwidth * p.downtimeLimitSeconds);
        const dirtiedBytes = Math.floor(tracker.dirtySinceSync(ctx.sim.nowSeconds) * PAGE_SIZE_BYTES);
        if (ctx.mustStop) { stopAndCopy(ctx, 'timeout-forced', cap, { floorBytes: true, ackLatency: true }); return; }
        if (!(threshold < dirtiedBytes)) { stopAndCopy(ctx, 'converged', cap, { floorBytes: true, ackLatency: true }); return; }
        const dirtied = tracker.sync(ctx.sim.nowSeconds);
        ctx.recorder.setLastRoundDirtied(dirtied);
        // A non-converging steady state: jump over identical rounds.
        const skippedSeconds = steady.observe(r.durationSeconds, [threshold, dirtiedBytes]);
        if (skippedSeconds > 0) ctx.sim.schedule(skippedSeconds, round);
        else round();
      });
    };
    round();
  },
};
