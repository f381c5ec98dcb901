import { stopAndCopyPhase } from '../phases/stopAndCopy.ts';
import { livePolicy } from '../policies/registry.ts';
import type { MigrationSettings } from '../settings.ts';
import type { Composition } from '../types.ts';

/**
 * The founding paper's checkpoint-assisted migration ("cow-checkpoint"): the destination, the DR
 * site, already holds the last complete COW checkpoint (models/checkpoint), so the live rounds of
 * the policy start from the pages written since that checkpoint's instant, not from all of memory;
 * then stop-and-copy.
 */
export function cowCheckpoint(m: MigrationSettings): Composition {
  return { startsFrom: 'last-checkpoint', live: livePolicy(m), final: stopAndCopyPhase(m.resumeSeconds, m.firstTouchSecondsPerPage), cutoff: null };
}
