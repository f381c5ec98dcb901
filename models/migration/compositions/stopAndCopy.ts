import { stopAndCopyPhase } from '../phases/stopAndCopy.ts';
import { noLiveRounds } from '../policies/none.ts';
import { pick, type MigrationSettings } from '../settings.ts';
import { capOrInfinity, type Composition } from '../types.ts';

/** Non-live migration: suspend at once, send all of memory (at the optional cap), resume. Downtime = total time − setup. */
export function stopAndCopy(m: MigrationSettings): Composition {
  const { maxBandwidthBytesPerSecond } = pick(m, 'stop-and-copy', ['maxBandwidthBytesPerSecond']);
  return { startsFrom: 'nothing', live: noLiveRounds('non-live', capOrInfinity(maxBandwidthBytesPerSecond)), final: stopAndCopyPhase(m.resumeSeconds, m.firstTouchSecondsPerPage), cutoff: null };
}
