import type { RunResult } from '../../models/run/result.ts';

const MB = 1e6;

/** A short human-readable table of one run's main metrics. */
export function formatRunTable(r: RunResult): string {
  const rows: [string, string][] = [
    ['scenario', `${r.scenarioName} (seed ${r.seed}, ${r.fidelity})`],
    ['algorithm', r.policy ? `${r.algorithm} / ${r.policy}` : r.algorithm],
    ['status', `${r.status}${r.converged ? ', converged' : ''} (${r.stopReason})`],
    ['total time', `${r.totalTimeSeconds.toFixed(3)} s`],
    ['downtime', `${(r.downtimeSeconds * 1000).toFixed(1)} ms`],
    ['setup', `${r.setupTimeSeconds.toFixed(3)} s`],
    ['transferred', `${(r.bytesTransferred / MB).toFixed(2)} MB (pre-copy ${(r.bytesByPhase.precopy / MB).toFixed(2)}, stop-copy ${(r.bytesByPhase.stopCopy / MB).toFixed(2)}${r.bytesByPhase.checkpoint ? `, checkpoint ${(r.bytesByPhase.checkpoint / MB).toFixed(2)}` : ''})`],
    ['rounds', String(r.rounds)],
  ];
  if (r.migrations) rows.push(['migrations', `${r.migrations.length} concurrent (times: max, bytes: sum)`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}
