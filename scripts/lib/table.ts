import type { RunResult } from '../../models/run/result.ts';

import { MIB_BYTES, PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
const MiB = MIB_BYTES;

/** A short human-readable table of one run's main metrics. */
export function formatRunTable(r: RunResult): string {
  const rows: [string, string][] = [
    ['scenario', `${r.scenarioName} (seed ${r.seed}, ${r.fidelity})`],
    ['algorithm', r.policy ? `${r.algorithm} / ${r.policy}` : r.algorithm],
    ['status', `${r.status}${r.converged ? ', converged' : ''} (${r.stopReason})`],
    ['total time', `${r.totalTimeSeconds.toFixed(3)} s`],
    ['downtime', `${(r.downtimeSeconds * 1000).toFixed(r.downtimeSeconds < 0.001 ? 3 : 1)} ms`],
    ['setup', `${r.setupTimeSeconds.toFixed(3)} s`],
    ['transferred', `${(r.bytesTransferred / MiB).toFixed(2)} MiB (pre-copy ${(r.bytesByPhase.precopy / MiB).toFixed(2)}, ${r.bytesByPhase.postcopy > 0 || r.postcopy ? `post-copy ${(r.bytesByPhase.postcopy / MiB).toFixed(2)}` : `stop-copy ${(r.bytesByPhase.stopCopy / MiB).toFixed(2)}`})`],
    ['rounds', `${r.rounds} (including the ${r.postcopy ? 'post-copy phase' : 'stop-and-copy round'})`],
  ];
  if (r.balloonedPages !== undefined) rows.push(['balloon', `${Math.round(r.balloonedPages).toLocaleString('en-US')} free pages (${((r.balloonedPages * PAGE_SIZE_BYTES) / MiB).toFixed(1)} MiB) held by the guest's balloon, not sent`]);
  if (r.autoConverge) {
    const a = r.autoConverge;
    rows.push(['throttle', `auto-converge reached ${a.throttleMaxPercent} % in ${a.throttleSteps} steps${a.timerSyncs !== undefined ? ` (${a.timerSyncs} syncs forced by its timer)` : ''}; the guest lost ${a.guestCpuSecondsLost.toFixed(2)} vCPU-s, its workload fell ${a.workloadSecondsLost.toFixed(2)} s behind`]);
  }
  if (r.xbzrle) {
    const x = r.xbzrle;
    rows.push(['XBZRLE', `${x.pages.toLocaleString('en-US')} pages encoded (${(x.bytes / MiB).toFixed(2)} MiB, encoding rate ${x.encodingRate.toFixed(1)}), ${x.cacheMisses.toLocaleString('en-US')} cache misses, ${x.overflows.toLocaleString('en-US')} overflows; cache ${(x.cacheBytes / MiB).toFixed(0)} MiB`]);
  }
  if (r.multifd) rows.push(['multifd', `${r.multifd.channels} channels${r.multifd.compression === 'none' ? '' : `, ${r.multifd.compression}`}: ${(r.multifd.bytesPerChannel / MiB).toFixed(2)} MiB each`]);
  if (r.postcopy) {
    const p = r.postcopy;
    rows.push(['post-copy', `switch at ${p.switchSeconds.toFixed(3)} s, ${p.pages.toFixed(0)} pages missing, ${p.durationSeconds.toFixed(3)} s to send them`]);
    rows.push(['faults', `${p.faults.toFixed(0)} network-bound page faults${p.faultsPerWorkingSetPage !== undefined && p.workingSetPages ? ` (${(p.faultsPerWorkingSetPage * 100).toFixed(1)} % of the ${p.workingSetPages.toLocaleString('en-US')}-page working set)` : ''}, ${p.pushedPages.toFixed(0)} pages pushed, guest blocked ${p.blockedSeconds.toFixed(3)} s, slowdown ${(p.appSlowdownFraction * 100).toFixed(1)} % of the post-copy phase`]);
  }
  if (r.checkpoint) {
    const c = r.checkpoint;
    rows.push(['checkpoints', `${c.count} complete, ${(c.bytes / MiB).toFixed(2)} MiB in the background; total with them ${(r.totalBytesIncludingCheckpoints! / MiB).toFixed(2)} MiB`]);
    rows.push(['COW cost', `${c.cowFaults.toFixed(0)} faults, guest slowdown ${(c.appSlowdownFraction * 100).toFixed(3)} %, peak buffer ${(c.peakBufferBytes / MiB).toFixed(2)} MiB, migration waited ${c.migrationWaitSeconds.toFixed(2)} s`]);
  }
  if (r.failover) {
    const f = r.failover;
    rows.push(['failover', `fail at ${f.failedAtSeconds} s: RPO ${f.rpoSeconds.toFixed(2)} s, RTO ${f.rtoSeconds.toFixed(2)} s (${f.recovery === 'cold-restart' ? 'no complete checkpoint yet: cold restart' : `restore the checkpoint of ${f.checkpointInstantSeconds} s`})${f.jobCompletionWithCheckpointsSeconds !== null ? `; job done at ${f.jobCompletionWithCheckpointsSeconds.toFixed(0)} s (restart from scratch: ${f.jobCompletionRestartSeconds!.toFixed(0)} s)` : ''}`]);
  }
  if (r.migrations) rows.push(['migrations', `${r.migrations.length} concurrent (times: max, bytes: sum)`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}
