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
