import type { StopReason } from '../recorder.ts';
import type { LivePolicy, MigrationContext } from '../types.ts';

/**
 * No live rounds: the log starts with every page pending (or those changed since a checkpoint
 * baseline) and the final phase begins at once, for `reason` (`non-live` for stop-and-copy,
 * `postcopy-switch` for pure post-copy), at `capBytesPerSecond`.
 */
export function noLiveRounds(reason: StopReason, capBytesPerSecond: number): LivePolicy {
  return {
    name: 'none',
    start(ctx: MigrationContext): void {
      ctx.tracker.startTracking(ctx.sim.nowSeconds);
      // startTracking marks every page pending; the final read adds nothing since no time passes.
      ctx.switchover(reason, { capBytesPerSecond });
    },
  };
}
