/**
 * Figures for the algorithms of the literature the founding paper cites (issue 17), each with the
 * paper's reported figure marked beside the simulated one. Data only (no rendering), like data.ts.
 */
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { summarize } from '../lib/stats.ts';
import type { RunResult } from '../../models/run/result.ts';
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
  pushes: [['address-order', 'post-copy, address order'], ['from-last-fault', 'post-copy, QEMU order (from last fault)'], ['backward', 'post-copy, backward (Hines)'], ['bubbling', 'post-copy, bubbling (Hines)']] as const,
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
/**
 * The reduction (%) of `alt`'s mean against `base`'s, with a band from the per-seed reductions
 * (the two lists paired by seed).
 */
function reduction(base: number[], alt: number[]): Row {
  const paired = summarize(base.map((b, i) => (1 - alt[i] / b) * 100));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: (1 - mean(alt) / mean(base)) * 100, ciLow: paired.ciLow, ciHigh: paired.ciHigh, std: paired.std, n: paired.n };
}

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
      rows.push({ writesPerSecond, series, ...reduction(pre, crtr) });
    }
  }
  return rows;
}

/**
 * The grand comparison: every algorithm miglab has, on the same three workloads (stated
 * assumptions): an idle desktop (500 page writes/s, 90 % into a 32 MiB hot set), a hot/cold server
 * (8,000/s, 90 % into 64 MiB) and a write-heavy guest (40,000/s uniformly over 512 MiB); a 1 GiB
 * guest on a Gigabit LAN (0.1 ms), page level. COW checkpointing: a checkpoint every 60 s, the
 * migration requested at 300 s. CR/TR-Motion: log 1 MB/s, replay 10× faster. MECOM: legacy Xen's
 * policy on the mecom wire with the compression section's defaults. Guest slowdown: the
 * share of the migration the guest could not run (its downtime, and post-copy's fault waits;
 * COW's pauses and faults over the checkpoint horizon are in its own summary, not here).
 */
export const GRAND = {
  seeds: 5,
  workloads: {
    'idle desktop': { type: 'hotcold', writesPerSecond: 500, hotSetMiB: 32, hotWriteFraction: 0.9 },
    'hot/cold server': { type: 'hotcold', writesPerSecond: 8000, hotSetMiB: 64, hotWriteFraction: 0.9 },
    'write-heavy': { type: 'uniform', writesPerSecond: 40000, workingSetMiB: 512 },
  } as Record<string, Record<string, unknown>>,
  algorithms: {
    'stop-and-copy': { algorithm: 'stop-and-copy' },
    'pre-copy (Xen)': { algorithm: 'precopy', policy: 'xen' },
    'pre-copy (QEMU)': { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: null },
    'Microwiper': { algorithm: 'precopy', policy: 'microwiper' },
    'MECOM (legacy Xen)': { algorithm: 'precopy', policy: 'xen-legacy', wireFormat: 'mecom' },
    'post-copy (bubbling)': { algorithm: 'postcopy', postcopyPush: 'bubbling' },
    'hybrid (QEMU, 1 round)': { algorithm: 'hybrid', policy: 'qemu', maxBandwidthBytesPerSecond: null },
    'COW checkpointing': { algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: 300 },
    'CR/TR-Motion': { algorithm: 'trace-replay', traceLogBytesPerSecond: 1e6, replaySpeedup: 10 },
  } as Record<string, Record<string, unknown>>,
};

export function grandComparisonData(): Row[] {
  const rows: Row[] = [];
  for (const [algoName, { wireFormat, ...migration }] of Object.entries(GRAND.algorithms)) {
    for (const [series, workload] of Object.entries(GRAND.workloads)) {
      const m: Record<string, number[]> = { 'total migration time (s)': [], 'downtime (ms)': [], 'data transferred (MiB)': [], 'guest slowdown (% of the migration)': [] };
      for (let seed = 1; seed <= GRAND.seeds; seed++) {
        const r = runScenario(validateScenario({
          name: `grand-${algoName}-${series}`.replace(/[^A-Za-z0-9._-]+/g, "-"), seed, fidelity: 'page', vm: { memoryMiB: 1024, zeroPageFraction: 0.3 }, workload,
          network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0.0001, ...(wireFormat ? { wireFormat } : {}) }, migration,
          ...(migration.algorithm === 'cow-checkpoint' ? { checkpoint: { intervalSeconds: 60 } } : {}), limits: { maxTimeSeconds: 600, onTimeout: 'stop-and-copy' },
        }, 'paper/literature', (p) => p), { keepRounds: false });
        m['total migration time (s)'].push(r.totalTimeSeconds);
        m['downtime (ms)'].push(r.downtimeSeconds * 1000);
        m['data transferred (MiB)'].push(r.bytesTransferred / 1048576);
        m['guest slowdown (% of the migration)'].push(((r.downtimeSeconds + (r.postcopy?.blockedSeconds ?? 0)) / r.totalTimeSeconds) * 100);
      }
      for (const [metric, xs] of Object.entries(m)) { const st = summarize(xs); rows.push({ algorithm: algoName, metric, series, mean: st.mean, ciLow: st.ciLow, ciHigh: st.ciHigh, std: st.std, n: st.n }); }
    }
  }
  return rows;
}

/**
 * Du et al., Microwiper, ICPP 2010: ordered propagation "can significantly reduce downtime and
 * transferred pages by more than 50 %" against Xen's pre-copy (abstract; workloads not reachable).
 * Stated setup (assumption): a 1 GiB guest writing 80 % of its pages into a 128 MiB hot set, the
 * rest over all memory, on a Gigabit LAN; baselines Xen ≥ 4.6 (`xen`) and legacy Xen (`xen-legacy`,
 * the pre-copy Microwiper retrofits, with its skipping of re-dirtied pages). Reductions of the means.
 */
export const MICROWIPER_SETUP = {
  memoryMiB: 1024, zeroPageFraction: 0.3, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0.0001 },
  hot: { hotSetMiB: 128, hotWriteFraction: 0.8 }, writesPerSecond: [4000, 8000, 16000, 24000, 32000, 48000], seeds: 5,
  reportedReductionPercent: 50,
};

export function microwiperData(): Row[] {
  const S = MICROWIPER_SETUP;
  const rows: Row[] = [];
  const run = (policy: string, writesPerSecond: number, seed: number) => runScenario(validateScenario({
    name: `microwiper-${policy}-${writesPerSecond}`, seed, fidelity: 'page', vm: { memoryMiB: S.memoryMiB, zeroPageFraction: S.zeroPageFraction },
    workload: { type: 'hotcold', writesPerSecond, ...S.hot }, network: S.network, migration: { algorithm: 'precopy', policy },
  }, 'paper/literature', (p) => p), { keepRounds: false });
  for (const writesPerSecond of S.writesPerSecond) {
    const by = (policy: string) => Array.from({ length: S.seeds }, (_, i) => run(policy, writesPerSecond, i + 1));
    const mw = by('microwiper');
    for (const [baseline, label] of [['xen', 'Xen ≥ 4.6'], ['xen-legacy', 'legacy Xen']] as const) {
      const base = by(baseline);
      for (const [metric, f] of [['downtime', (r: RunResult) => r.downtimeSeconds], ['pages sent', (r: RunResult) => r.pagesTransferred]] as const) {
        rows.push({ writesPerSecond, series: `${metric}, vs ${label}`, ...reduction(base.map(f), mw.map(f)) });
      }
    }
  }
  return rows;
}

/**
 * Hines & Gopalan, VEE 2009, dynamic self-ballooning (DSB): a balloon driver hands the guest's free
 * pages back to the hypervisor before the migration, which "significantly speeds up migration with
 * negligible performance impact" for pre-copy and post-copy (abstract; no figure reachable, so no
 * reported value is marked). Stated setup (assumption): a 1 GiB guest on a Gigabit LAN whose memory
 * in use is its idle footprint (128 MiB of OS and page cache, all of it reused by nothing) plus the
 * working set its workload writes uniformly at 8,000 pages/s; the rest of memory is free (zero
 * pages). Pre-copy: Xen ≥ 4.6, which sends zero pages in full; post-copy: the push from page 0.
 */
export const BALLOONING_SETUP = {
  memoryMiB: 1024, idleMiB: 128, writesPerSecond: 8000, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0.0001 },
  workingSetsMiB: [32, 64, 128, 256, 512], seeds: 5,
  variants: [
    ['pre-copy (Xen)', { algorithm: 'precopy', policy: 'xen' }], ['pre-copy (Xen) + self-ballooning', { algorithm: 'precopy', policy: 'xen', selfBallooning: true }],
    ['post-copy', { algorithm: 'postcopy' }], ['post-copy + self-ballooning', { algorithm: 'postcopy', selfBallooning: true }],
  ] as [string, Record<string, unknown>][],
};

export function selfBallooningData(): Row[] {
  const S = BALLOONING_SETUP;
  const rows: Row[] = [];
  for (const workingSetMiB of S.workingSetsMiB) {
    for (const [series, migration] of S.variants) {
      const times: number[] = [];
      for (let seed = 1; seed <= S.seeds; seed++) {
        const r = runScenario(validateScenario({
          name: `dsb-${workingSetMiB}`, seed, fidelity: 'page', vm: { memoryMiB: S.memoryMiB, footprint: { idleMiB: S.idleMiB, reusableMiB: 0 } },
          workload: { type: 'uniform', writesPerSecond: S.writesPerSecond, workingSetMiB, offsetMiB: S.idleMiB }, network: S.network, migration,
        }, 'paper/literature', (p) => p), { keepRounds: false });
        times.push(r.totalTimeSeconds);
      }
      const st = summarize(times);
      rows.push({ workingSetMiB, series, mean: st.mean, ciLow: st.ciLow, ciHigh: st.ciHigh, std: st.std, n: st.n });
    }
  }
  return rows;
}

/**
 * Jin et al., MECOM, IEEE Cluster 2009: adaptive zero-aware compression against stock Xen reduces
 * "downtime by 27.1 %, total migration time by 32 % and total transferred data by 68.8 % on
 * average" (abstract; the workloads and per-class ratios are not reachable). Stated setup
 * (assumption): stock Xen of 2009 is legacy Xen's pre-copy (`xen-legacy`, both with and without
 * MECOM); a 1 GiB guest with 30 % zero pages writing 90 % of its pages into a 64 MiB hot set, on a
 * Gigabit LAN; the compression section's defaults (half the non-zero pages word-similar, WKdm and
 * LZO sizes and speeds from published benchmarks, one thread). The fourth series repeats the total
 * time on a 10 Gbit/s link, where the one compressing core, not the link, sets the pace.
 */
export const MECOM_SETUP = {
  memoryMiB: 1024, zeroPageFraction: 0.3, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 0.0001 }, fastBitsPerSecond: 1e10,
  hot: { hotSetMiB: 64, hotWriteFraction: 0.9 }, writesPerSecond: [2000, 4000, 8000, 16000, 32000, 64000], seeds: 5,
  reported: [
    { series: 'downtime', value: 27.1, label: 'paper: downtime −27.1 % on average', labelAt: 'left', below: true },
    { series: 'total migration time (under the data line)', value: 32, label: 'paper: total migration time −32 % on average' },
    { series: 'data transferred', value: 68.8, label: 'paper: data −68.8 % on average', labelAt: 'left' },
  ] as const,
};

export function mecomData(): Row[] {
  const S = MECOM_SETUP;
  const rows: Row[] = [];
  const run = (wireFormat: string, writesPerSecond: number, seed: number, bandwidthBitsPerSecond = S.network.bandwidthBitsPerSecond) => runScenario(validateScenario({
    name: `mecom-${wireFormat}-${writesPerSecond}`, seed, fidelity: 'page', vm: { memoryMiB: S.memoryMiB, zeroPageFraction: S.zeroPageFraction },
    workload: { type: 'hotcold', writesPerSecond, ...S.hot }, network: { ...S.network, bandwidthBitsPerSecond, wireFormat }, migration: { algorithm: 'precopy', policy: 'xen-legacy' },
  }, 'paper/literature', (p) => p), { keepRounds: false });
  for (const writesPerSecond of S.writesPerSecond) {
    const seeds = Array.from({ length: S.seeds }, (_, i) => i + 1);
    const xen = seeds.map((seed) => run('xen', writesPerSecond, seed)), mecom = seeds.map((seed) => run('mecom', writesPerSecond, seed));
    // On the Gigabit link time follows the data (the link is the bottleneck): the legend says where its line is.
    for (const [series, f] of [['downtime', (r: RunResult) => r.downtimeSeconds], ['total migration time (under the data line)', (r: RunResult) => r.totalTimeSeconds], ['data transferred', (r: RunResult) => r.bytesTransferred]] as const) {
      rows.push({ writesPerSecond, series, ...reduction(xen.map(f), mecom.map(f)) });
    }
    const fastXen = seeds.map((seed) => run('xen', writesPerSecond, seed, S.fastBitsPerSecond).totalTimeSeconds);
    const fastMecom = seeds.map((seed) => run('mecom', writesPerSecond, seed, S.fastBitsPerSecond).totalTimeSeconds);
    rows.push({ writesPerSecond, series: 'total migration time, 10 Gbit/s', ...reduction(fastXen, fastMecom) });
  }
  return rows;
}
