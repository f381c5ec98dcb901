import { runScenario } from '../models/run/runScenario.ts';
import type { RunResult } from '../models/run/result.ts';
import type { Scenario } from '../models/scenario/types.ts';
import { validateScenario } from '../models/scenario/validate.ts';

/**
 * Prediction vs measurement. The simulation is run twice: from the scenario's nominal inputs, and
 * from the inputs the real run actually achieved (the dirtier's measured write rate, the measured
 * zero-page fraction of the guest, the measured setup time, and the speed of the unthrottled
 * stop-and-copy — or post-copy phase — as the link rate, and the bulk rate when QEMU fell short of its cap), so model error
 * can be told apart from input error.
 */
export interface ValidationRow {
  scenario: string;
  metric: 'totalTimeSeconds' | 'downtimeSeconds' | 'bytesTransferred' | 'rounds' | 'converged'
    | 'checkpointPauseSeconds' | 'firstCheckpointSeconds' | 'firstCheckpointBytes' | 'postcopyFaults';
  measured: number;
  predictedNominal: number;
  errorNominalPercent: number | null;
  predictedAchieved: number;
  errorAchievedPercent: number | null;
}

export function achievedScenario(s: Scenario, measured: RunResult, resolvePath: (p: string) => string = (p) => p): Scenario {
  const a = (measured.measurement?.achieved ?? {}) as Record<string, number | null>;
  const raw = structuredClone(s) as unknown as Record<string, any>;
  raw.vm.zeroPageFraction = Math.max(0, Math.min(1, a.zeroPageFraction ?? raw.vm.zeroPageFraction));
  if ('writesPerSecond' in raw.workload && typeof a.writesPerSecond === 'number') raw.workload.writesPerSecond = a.writesPerSecond;
  if (raw.workload.type === 'sweep' && typeof a.sweepStartPage === 'number') raw.workload.startPage = a.sweepStartPage;
  if (typeof a.stopCopyBytesPerSecond === 'number' && a.stopCopyBytesPerSecond > 0) raw.network.bandwidthBitsPerSecond = a.stopCopyBytesPerSecond * 8;
  // A post-copy phase runs uncapped on the link too, and for far longer than the switch's stop: its rate is the link's.
  if (typeof a.postcopyBytesPerSecond === 'number' && a.postcopyBytesPerSecond > 0) raw.network.bandwidthBitsPerSecond = a.postcopyBytesPerSecond * 8;
  // Xen's whole stream goes through the meter: the rate the first pass achieved is the link's.
  if (measured.source === 'xen' && typeof a.bulkBytesPerSecond === 'number' && a.bulkBytesPerSecond > 0) raw.network.bandwidthBitsPerSecond = a.bulkBytesPerSecond * 8;
  raw.migration.setupSeconds = measured.setupTimeSeconds;
  // Under emulation QEMU may not reach its cap: then the rate it did reach is the input.
  const cap = raw.migration.maxBandwidthBytesPerSecond;
  if (typeof a.bulkBytesPerSecond === 'number' && typeof cap === 'number' && a.bulkBytesPerSecond < 0.9 * cap) raw.migration.maxBandwidthBytesPerSecond = a.bulkBytesPerSecond;
  raw.fidelity = 'page';
  delete raw.real;
  if (raw.vm.footprint?.mapFile !== undefined) delete raw.vm.zeroPagePlacement; // the map places the zero pages
  return validateScenario(raw, `${s.name} (achieved inputs)`, resolvePath);
}

const pct = (pred: number, meas: number): number | null => (meas === 0 ? (pred === 0 ? 0 : null) : ((pred - meas) / meas) * 100);

export function compare(s: Scenario, measured: RunResult, resolvePath: (p: string) => string = (p) => p): { rows: ValidationRow[]; nominal: RunResult; achieved: RunResult } {
  const nominal = runScenario(s, { keepRounds: false, resolvePath });
  const achieved = runScenario(achievedScenario(s, measured, resolvePath), { keepRounds: false, resolvePath });
  const row = (metric: ValidationRow['metric'], measuredValue: number, n: number, a: number): ValidationRow => ({
    scenario: s.name, metric, measured: measuredValue, predictedNominal: n, errorNominalPercent: pct(n, measuredValue), predictedAchieved: a, errorAchievedPercent: pct(a, measuredValue),
  });
  const metrics = ['totalTimeSeconds', 'downtimeSeconds', 'bytesTransferred', 'rounds'] as const;
  const rows: ValidationRow[] = metrics.map((m) => row(m, measured[m], nominal[m], achieved[m]));
  // Converged or not: the error is 0 % when the prediction agrees, 100 % when it does not.
  const c = (r: RunResult): number => (r.converged ? 1 : 0);
  rows.push({ ...row('converged', c(measured), c(nominal), c(achieved)), errorNominalPercent: c(nominal) === c(measured) ? 0 : 100, errorAchievedPercent: c(achieved) === c(measured) ? 0 : 100 });
  // Post-copy: QEMU's postcopy-requests are the network-bound faults.
  const requests = measured.measurement?.postcopyRequests;
  if (typeof requests === 'number' && measured.measurement?.postcopyStarted === true && nominal.postcopy && achieved.postcopy) {
    rows.push(row('postcopyFaults', requests, nominal.postcopy.faults, achieved.postcopy.faults));
  }
  // Checkpoints (QEMU background snapshots): the mean pause, and the first (full) checkpoint's duration and bytes.
  const measuredCps = (measured.measurement?.checkpoints ?? null) as { pauseSeconds: number; durationSeconds: number; bytes: number }[] | null;
  if (measuredCps && measuredCps.length > 0 && nominal.checkpointRows?.length && achieved.checkpointRows?.length) {
    const mean = (xs: number[]): number => xs.reduce((acc, x) => acc + x, 0) / xs.length;
    const sim = (r: RunResult): Record<string, number> => {
      const cps = r.checkpointRows!;
      return { checkpointPauseSeconds: mean(cps.map((cp) => cp.pauseSeconds)), firstCheckpointSeconds: cps[0].pauseSeconds + cps[0].streamSeconds, firstCheckpointBytes: cps[0].bytes };
    };
    const meas: Record<string, number> = { checkpointPauseSeconds: mean(measuredCps.map((cp) => cp.pauseSeconds)), firstCheckpointSeconds: measuredCps[0].durationSeconds, firstCheckpointBytes: measuredCps[0].bytes };
    const n = sim(nominal), a = sim(achieved);
    for (const m of ['checkpointPauseSeconds', 'firstCheckpointSeconds', 'firstCheckpointBytes'] as const) rows.push(row(m, meas[m], n[m], a[m]));
  }
  return { rows, nominal, achieved };
}
