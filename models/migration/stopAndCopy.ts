import { stopAndCopy } from './rounds.ts';
import type { MigrationAlgorithm, MigrationContext } from './types.ts';

/** Non-live migration: suspend at once, send all of memory, resume. Downtime = total time − setup. */
export const stopAndCopyAlgorithm: MigrationAlgorithm = {
  name: 'stop-and-copy',
  start(ctx: MigrationContext): void {
    ctx.tracker.startTracking(ctx.sim.nowSeconds);
    // startTracking marks every page pending; the final read adds nothing since no time passes.
    stopAndCopy(ctx, 'non-live', ctx.params.maxBandwidthBytesPerSecond ?? Infinity);
  },
};
