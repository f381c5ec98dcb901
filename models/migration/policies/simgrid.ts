import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import { sendRound } from '../rounds.ts';
import { SteadyStateSkipper } from '../steadyState.ts';
import { capOrInfinity, type LivePolicy, type MigrationContext, type SwitchoverHints } from '../types.ts';

/** max_downtime (default 0.03 s) and mig_speed (default: none), scenario.schema.json. */
export interface SimgridParameters { downtimeLimitSeconds: number; maxBandwidthBytesPerSecond: number | null }
export const SIMGRID_PARAMETERS = ['downtimeLimitSeconds', 'maxBandwidthBytesPerSecond'] as const;

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
 * wire format is `raw`; with both, this policy reproduces SimGrid's results exactly (checked against SimGrid 3.32's own recurrence in tests/models/policies.test.ts).
 */
export function simgridPolicy(p: SimgridParameters): LivePolicy {
  const cap = capOrInfinity(p.maxBandwidthBytesPerSecond);
  // SimGrid's stage 3 runs at mig_speed too, counts integer bytes, and waits for a 0-byte ack.
  const final: SwitchoverHints = { capBytesPerSecond: cap, floorBytes: true, ackLatency: true };
  return {
  name: 'precopy/simgrid',
  start(ctx: MigrationContext): void {
    const tracker = ctx.tracker;
    tracker.startTracking(ctx.sim.nowSeconds);
    const steady = new SteadyStateSkipper(ctx);
    const round = (): void => {
      sendRound(ctx, { phase: 'precopy', maxPages: Infinity, skipRedirtied: false, capBytesPerSecond: cap, batchPages: Infinity, floorBytes: true }, (r) => {
        const bandwidth = r.durationSeconds > 0 ? r.bytes / r.durationSeconds : Infinity;
        const threshold = Math.floor(bandwidth * p.downtimeLimitSeconds);
        const dirtiedBytes = Math.floor(tracker.dirtySinceSync(ctx.sim.nowSeconds) * PAGE_SIZE_BYTES);
        if (ctx.mustStop) { ctx.switchover('timeout-forced', final); return; }
        if (!(threshold < dirtiedBytes)) { ctx.switchover('converged', final); return; }
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
}
