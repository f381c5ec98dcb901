import { sendRound } from '../rounds.ts';
import type { StopReason } from '../recorder.ts';
import type { FinalPhase, MigrationContext, SwitchoverHints } from '../types.ts';

/**
 * The stop-and-copy phase: suspend the guest, read the log a last time, send everything pending
 * (at the policy's final rate), resume at the destination after `resumeSeconds`, and finish.
 * The destination also backs, as it first writes them, the pages whose content it receives for the
 * first time in this pass (`firstTouchSecondsPerPage` each, after the last byte: it writes them as
 * they arrive, and the stream waits for it).
 */
export function stopAndCopyPhase(resumeSeconds: number, firstTouchSecondsPerPage: number): FinalPhase {
  return {
    name: 'stop-and-copy',
    run(ctx: MigrationContext, reason: StopReason, hints: SwitchoverHints): void {
      const rec = ctx.recorder;
      rec.stopReason = reason;
      rec.suspendSeconds = ctx.sim.nowSeconds;
      const dirtied = ctx.tracker.dirtySinceSync(ctx.sim.nowSeconds);
      ctx.tracker.sync(ctx.sim.nowSeconds);
      if (hints.recordDirtied !== false) rec.setLastRoundDirtied(dirtied);
      const firstContentBefore = ctx.tracker.firstContentPages;
      sendRound(ctx, { phase: 'stopCopy', maxPages: Infinity, skipRedirtied: false, capBytesPerSecond: hints.capBytesPerSecond, batchPages: Infinity, floorBytes: hints.floorBytes }, () => {
        const resume = (): void => {
          rec.resumeSeconds = ctx.sim.nowSeconds;
          if (hints.ackLatency && ctx.link.latencySeconds > 0) ctx.sim.schedule(ctx.link.latencySeconds, () => ctx.finish());
          else ctx.finish();
        };
        const waitSeconds = resumeSeconds + (ctx.tracker.firstContentPages - firstContentBefore) * firstTouchSecondsPerPage;
        if (waitSeconds > 0) ctx.sim.schedule(waitSeconds, resume);
        else resume();
      });
    },
  };
}
