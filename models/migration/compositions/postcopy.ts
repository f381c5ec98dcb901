import { postcopyPhase } from '../phases/postcopy.ts';
import { noLiveRounds } from '../policies/none.ts';
import { pick, type MigrationSettings } from '../settings.ts';
import { capOrInfinity, type Composition } from '../types.ts';

/** Pure post-copy: the guest moves at once and every page of memory follows (push + faults, at the optional cap). */
export function postcopy(m: MigrationSettings): Composition {
  const p = pick(m, 'postcopy', ['maxBandwidthBytesPerSecond', 'postcopyPush']);
  const cap = capOrInfinity(p.maxBandwidthBytesPerSecond);
  return {
    startsFrom: 'nothing',
    live: noLiveRounds('postcopy-switch', cap),
    final: postcopyPhase({ push: p.postcopyPush, capBytesPerSecond: cap, resumeSeconds: m.resumeSeconds }),
    cutoff: null,
  };
}
