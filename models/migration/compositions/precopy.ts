import { stopAndCopyPhase } from '../phases/stopAndCopy.ts';
import { livePolicy } from '../policies/registry.ts';
import type { MigrationSettings } from '../settings.ts';
import type { Composition } from '../types.ts';

/** Pre-copy: all of memory in live rounds of the policy, then stop-and-copy. */
export function precopy(m: MigrationSettings): Composition {
  return { startsFrom: 'nothing', live: livePolicy(m), final: stopAndCopyPhase(m.resumeSeconds, m.firstTouchSecondsPerPage), cutoff: null };
}
