import { postcopyPhase } from '../phases/postcopy.ts';
import { stopAndCopyPhase } from '../phases/stopAndCopy.ts';
import { livePolicy } from '../policies/registry.ts';
import type { StopReason } from '../recorder.ts';
import { orNever, pick, type MigrationSettings } from '../settings.ts';
import type { Composition, FinalPhase, MigrationContext, SwitchoverHints } from '../types.ts';

/**
 * Hybrid migration ("hybrid"): live rounds of the policy, cut after `postcopyAfterRounds` rounds
 * or at the first round boundary `postcopyAfterSeconds` after the start; then post-copy, unless the
 * rounds converged first, in which case stop-and-copy completes it (as QEMU does with postcopy-ram:
 * a converged pre-copy still completes by stop-and-copy). Any other end of the live rounds (an
 * iteration cap, a forced timeout) also goes on in post-copy. The push ignores the policy's rate cap
 * (QEMU ignores max-bandwidth in post-copy).
 */
export function hybrid(m: MigrationSettings): Composition {
  const { postcopyPush } = pick(m, 'hybrid', ['postcopyPush']);
  const toPostcopy = postcopyPhase({ push: postcopyPush, capBytesPerSecond: Infinity, resumeSeconds: m.resumeSeconds });
  const toStopAndCopy = stopAndCopyPhase(m.resumeSeconds, m.firstTouchSecondsPerPage);
  const final: FinalPhase = {
    name: 'postcopy unless converged',
    run(ctx: MigrationContext, reason: StopReason, hints: SwitchoverHints): void {
      if (reason === 'converged') toStopAndCopy.run(ctx, reason, hints);
      else toPostcopy.run(ctx, ctx.cutoffDue ? 'postcopy-switch' : reason, hints);
    },
  };
  return {
    startsFrom: 'nothing', live: livePolicy(m), final,
    // The schema defaults postcopyAfterRounds to 1 when postcopyAfterSeconds is not given.
    cutoff: { afterRounds: orNever(m.postcopyAfterRounds), afterSeconds: orNever(m.postcopyAfterSeconds) },
  };
}
