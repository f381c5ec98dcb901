/**
 * Figures for the algorithms of the literature the founding paper cites (issue 17), each with the
 * paper's reported figure marked beside the simulated one. Data only (no rendering), like data.ts.
 */
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { summarize } from '../lib/stats.ts';
import type { Row } from './data.ts';

/**
 * Hines & Gopalan, VEE 2009: post-copy with adaptive pre-paging ("bubbling" around the last fault)
 * keeps network-bound page faults "within 21 % of the VM's working set for large workloads"
 * (abstract; the per-workload tables are not reachable). Their testbed: Xen on a Gigabit LAN.
 * Stated workload (assumption): a 1 GiB guest writing 20,000 pages/s uniformly over its working
 * set, which lies above the first 256 MiB (the kernel and page cache below it are not written);
 * pure post-copy, 0.1 ms latency. The working set is the pages the workload ever writes.
 */
export const PREPAGING_SETUP = {
  memoryMiB: 1024, writesPerSecond: 20000, offsetMiB: 256, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0.0001 },
  workingSetsMiB: [32, 64, 128, 256, 512], seeds: 10,
  pushes: [['address-order', 'post-copy, address order'], ['from-last-fault', 'post-copy, QEMU order (from last fault)'], ['bubbling', 'post-copy, bubbling (Hines)']] as const,
  reportedFaultsPercentOfWorkingSet: 21,
};

export function prepagingData(): Row[] {
  const S = PREPAGING_SETUP;
  const rows: Row[] = [];
  for (const workingSetMiB of S.workingSetsMiB) {
    for (const [push, series] of S.pushes) {
      const shares: number[] = [];
      for (let seed = 1; seed <= S.seeds; seed++) {
        const s = validateScenario({
          name: `prepaging-${push}-${workingSetMiB}`, seed, fidelity: 'page', vm: { memoryMiB: S.memoryMiB },
          workload: { type: 'uniform', writesPerSecond: S.writesPerSecond, workingSetMiB, offsetMiB: S.offsetMiB }, network: S.network,
          migration: { algorithm: 'postcopy', postcopyPush: push },
        }, 'paper/literature', (p) => p);
        shares.push(runScenario(s, { keepRounds: false }).postcopy!.faultsPerWorkingSetPage! * 100);
      }
      const st = summarize(shares);
      rows.push({ workingSetMiB, series, mean: st.mean, ciLow: st.ciLow, ciHigh: st.ciHigh, std: st.std, n: st.n });
    }
  }
  return rows;
}

/**
 * Liu et al., CR/TR-Motion, HPDC 2009: against pre-copy, "up to 72.4 % on application observed
 * downtime, up to 31.5 % on total migration time and up to 95.9 % on the data to synchronize the
 * VM state" (abstract; workloads, log rates and links not reachable). Stated setup (assumption): a
 * 1 GiB hot/cold guest (64 MiB hot set, 90 % of writes) on a Gigabit LAN, Xen ≥ 4.6 pre-copy as the
 * baseline; the execution log grows at 1 MB/s whatever the page-write rate (it records
 * non-deterministic events, not memory writes) and replays 10× faster than recorded. Data to
 * synchronize: everything after the first full copy (pre-copy: the later rounds and the final one;
 * CR/TR: the logs). Reductions are of the means over seeds.
 */
export const TRACE_REPLAY_SETUP = {
  memoryMiB: 1024, zeroPageFraction: 0.3, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0.0001 },
  hot: { hotSetMiB: 64, hotWriteFraction: 0.9 }, writesPerSecond: [2000, 4000, 8000, 16000, 32000, 64000],
  traceLogBytesPerSecond: 1e6, replaySpeedup: 10, seeds: 10,
  reported: { downtime: 72.4, 'total migration time': 31.5, 'data to synchronize': 95.9 } as Record<string, number>,
};

export function traceReplayData(): Row[] {
  const S = TRACE_REPLAY_SETUP;
  const rows: Row[] = [];
  const run = (algorithm: string, writesPerSecond: number, seed: number) => runScenario(validateScenario({
    name: `crtr-${algorithm}-${writesPerSecond}`, seed, fidelity: 'page', vm: { memoryMiB: S.memoryMiB, zeroPageFraction: S.zeroPageFraction },
    workload: { type: 'hotcold', writesPerSecond, ...S.hot }, network: S.network,
    migration: algorithm === 'precopy' ? { algorithm, policy: 'xen' } : { algorithm, traceLogBytesPerSecond: S.traceLogBytesPerSecond, replaySpeedup: S.replaySpeedup },
  }, 'paper/literature', (p) => p), { keepRounds: true });
  for (const writesPerSecond of S.writesPerSecond) {
    const metrics = { downtime: [[], []], 'total migration time': [[], []], 'data to synchronize': [[], []] } as Record<string, [number[], number[]]>;
    for (let seed = 1; seed <= S.seeds; seed++) {
      ['precopy', 'trace-replay'].forEach((algorithm, k) => {
        const r = run(algorithm, writesPerSecond, seed);
        metrics.downtime[k].push(r.downtimeSeconds);
        metrics['total migration time'][k].push(r.totalTimeSeconds);
        metrics['data to synchronize'][k].push(r.bytesTransferred - r.roundRows[0].bytes);
      });
    }
    for (const [series, [pre, crtr]] of Object.entries(metrics)) {
      // The reduction of the mean, with a band from the per-seed reductions (paired by seed).
      const paired = summarize(pre.map((p, i) => (1 - crtr[i] / p) * 100));
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      rows.push({ writesPerSecond, series, mean: (1 - mean(crtr) / mean(pre)) * 100, ciLow: paired.ciLow, ciHigh: paired.ciHigh, std: paired.std, n: paired.n });
    }
  }
  return rows;
}
