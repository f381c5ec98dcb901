/**
 * `npm run bench`: simulator speed, quoted against baselines run in this same process.
 * Not a test: it prints numbers and never fails on them. Runs from compiled JS (npm run build), as
 * sweeps should: under tsx every closure pays for esbuild's keepNames wrapper.
 *
 *  1. fluid pre-copy: µs per migration over 10,000 mixed scenarios (all five policies, 256 MiB–64 GiB,
 *     uniform / hot-cold / sweep / Zipf / phases, 100 Mbit/s–10 Gbit/s); baseline: SimGrid's bare
 *     recurrence (SimGrid 3.32, src/plugins/vm/VmLiveMigration.cpp) on the same sizes — the least work any pre-copy model can do.
 *     The same guests by pure post-copy and by hybrid migration.
 *  2. page level: a 4 GiB and a 64 GiB guest with a hot/cold workload (Xen and QEMU policies); baseline:
 *     one pass over a bitmap of the guest's size.
 *  3. sweep throughput, each sweep in a fresh `miglab sweep` process: a 10,000-run fluid sweep end
 *     to end (start, validation, lanes, streamed CSV); the parallel speed-up from 1 to 2 lanes on
 *     960 page-level runs (milliseconds each) and on 10,000, 200,000 and 1,000,000 fluid runs
 *     (microseconds each); baseline: the same fluid rows computed by two uncoordinated threads, and
 *     by two processes.
 * Peak memory is the process's maximum resident set size.
 */
import { performance } from 'node:perf_hooks';
import { validateScenario } from '../models/scenario/validate.ts';
import { runScenario } from '../models/run/runScenario.ts';
import type { Scenario } from '../models/scenario/types.ts';
import { RandomStream } from '../sim/random.ts';
import { compileWorkload } from '../models/workload/build.ts';
import { pagesForMiB } from '../models/units/pageSize.ts';
import { validateFleet } from '../models/fleet/load.ts';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
const fmt = (x: number, d = 1): string => x.toFixed(d);

function mixedScenarios(n: number, ratios: number[], maxTimeSeconds: number, migrationOf: (policy: string) => Record<string, unknown> = (policy) => ({ algorithm: 'precopy', policy })): Scenario[] {
  const rng = new RandomStream(2026, 'bench');
  const pick = <T>(xs: T[]): T => xs[rng.integer(xs.length)];
  const out: Scenario[] = [];
  for (let i = 0; i < n; i++) {
    const memoryMiB = pick([256, 512, 1024, 2048, 4096, 16384, 65536]);
    const bw = pick([1e8, 1e9, 1e10]);
    const rate = (bw / 8 / 4096) * pick(ratios); // page writes/s relative to the link
    const workload = pick([
      { type: 'uniform', writesPerSecond: rate },
      { type: 'hotcold', writesPerSecond: rate, hotSetMiB: memoryMiB / 16, hotWriteFraction: 0.9 },
      { type: 'sweep', writesPerSecond: rate, bufferMiB: memoryMiB * 0.9 },
      { type: 'zipf', writesPerSecond: rate, exponent: 1 },
      { type: 'phases', repeat: true, phases: [{ durationSeconds: 5, workload: { type: 'uniform', writesPerSecond: rate } }, { durationSeconds: 5, workload: { type: 'idle' } }] },
    ]);
    const policy = pick(['xen', 'xen-legacy', 'qemu', 'simgrid', 'clark05']);
    out.push(validateScenario({ name: `b${i}`, seed: i, vm: { memoryMiB }, workload, network: { bandwidthBitsPerSecond: bw, latencySeconds: 1e-4 }, migration: migrationOf(policy), limits: { maxTimeSeconds } }, 'bench', (p) => p));
  }
  return out;
}

function benchPostcopy(): void {
  // The same mixed guests, moved by pure post-copy, and by hybrid (one live round of the policy, then post-copy).
  for (const [label, migrationOf] of [
    ['pure post-copy', () => ({ algorithm: 'postcopy' })],
    ['hybrid (one live round, then post-copy)', (policy: string) => ({ algorithm: 'hybrid', policy })],
  ] as const) {
    const scenarios = mixedScenarios(10000, [0.05, 0.2, 0.5, 0.8], 3600, migrationOf);
    for (const s of scenarios.slice(0, 500)) runScenario(s, { keepRounds: false });
    let best = Infinity, faults = 0;
    for (let pass = 0; pass < 2; pass++) {
      faults = 0;
      const t0 = performance.now();
      for (const s of scenarios) faults += runScenario(s, { keepRounds: false }).postcopy?.faults ?? 0;
      best = Math.min(best, performance.now() - t0);
    }
    console.log(`fluid ${label}, 10,000 mixed scenarios: ${fmt((best * 1000) / scenarios.length, 2)} µs per migration (${(faults / scenarios.length).toFixed(0)} faults on average)`);
  }
}

function simgridRecurrence(M: number, B: number, L: number, D: number, cap: number): number {
  let d = L + M / B, T = d;
  let thr = Math.floor((M / d) * 0.03);
  let V = Math.min(cap, Math.floor(D * d));
  let guard = 0;
  while (thr < V && guard++ < 100000 && T < 3600) { d = L + V / B; T += d; thr = Math.floor((V / d) * 0.03); V = Math.min(cap, Math.floor(D * d)); }
  return T + L + V / B;
}

function benchFluid(label: string, ratios: number[], maxTimeSeconds: number): void {
  const scenarios = mixedScenarios(10000, ratios, maxTimeSeconds);
  // Warm up the JIT on a slice, then time the whole set twice and keep the faster pass.
  for (const s of scenarios.slice(0, 500)) runScenario(s, { keepRounds: false });
  let best = Infinity, rounds = 0;
  for (let pass = 0; pass < 2; pass++) {
    rounds = 0;
    const t0 = performance.now();
    for (const s of scenarios) rounds += runScenario(s, { keepRounds: false }).rounds;
    best = Math.min(best, performance.now() - t0);
  }
  let sink = 0;
  const b0 = performance.now();
  for (let pass = 0; pass < 20; pass++) for (const s of scenarios) {
    const M = s.vm.memoryMiB * 1048576;
    const w = s.workload as { writesPerSecond?: number };
    sink += simgridRecurrence(M, s.network.bandwidthBitsPerSecond / 8, 1e-4, (w.writesPerSecond ?? 0) * 4096, 0.9 * M);
  }
  const base = (performance.now() - b0) / 20;
  const us = (best * 1000) / scenarios.length;
  console.log(`fluid pre-copy, 10,000 ${label}:`);
  console.log(`  ${fmt(us, 2)} µs per migration, ${fmt((best * 1000) / rounds, 2)} µs per round (${rounds} rounds in ${fmt(best)} ms)   target ≤ 10 µs`);
  // The same runs by policy (the faster of two passes each).
  const parts: string[] = [];
  for (const policy of ['xen', 'xen-legacy', 'qemu', 'simgrid', 'clark05']) {
    const group = scenarios.filter((s) => s.migration.policy === policy);
    let g = Infinity;
    for (let pass = 0; pass < 2; pass++) {
      const t0 = performance.now();
      for (const s of group) runScenario(s, { keepRounds: false });
      g = Math.min(g, performance.now() - t0);
    }
    parts.push(`${policy} ${fmt((g * 1000) / group.length, 1)}`);
  }
  console.log(`  by policy, µs per migration: ${parts.join(', ')}`);
  console.log(`  baseline, SimGrid's bare recurrence on the same sizes: ${fmt((base * 1000) / scenarios.length, 3)} µs per migration → miglab costs ${fmt(us / ((base * 1000) / scenarios.length), 0)}× the bare recurrence (checksum ${sink.toExponential(3)})`);
}

function benchPage(memoryMiB: number, policy: string, target: string): void {
  const s = validateScenario({
    name: `page-${memoryMiB}`, seed: 1, fidelity: 'page', vm: { memoryMiB, zeroPageFraction: 0.1 },
    workload: { type: 'hotcold', writesPerSecond: 20000, hotSetMiB: 16, hotWriteFraction: 0.9 },
    network: { bandwidthBitsPerSecond: 1e10, latencySeconds: 1e-4 }, migration: { algorithm: 'precopy', policy },
  }, 'bench', (p) => p);
  const workload = compileWorkload(s.workload, pagesForMiB(memoryMiB));
  const t0 = performance.now();
  const r = runScenario(s, { workload });
  const ms = performance.now() - t0;
  // Baseline: allocate and scan one bitmap of the guest's pages once.
  const b0 = performance.now();
  const bits = new Uint32Array(Math.ceil(pagesForMiB(memoryMiB) / 32)).fill(0xffffffff);
  let acc = 0;
  for (let i = 0; i < bits.length; i++) acc += bits[i] & 1;
  const base = performance.now() - b0;
  console.log(`page level, ${memoryMiB / 1024} GiB hot/cold guest, ${policy}: ${fmt(ms)} ms (${r.rounds} rounds, ${fmt(r.totalTimeSeconds, 2)} s simulated, ${(r.pagesTransferred / 1e6).toFixed(2)} M pages sent)   target ${target}`);
  console.log(`  baseline, one scan of a ${memoryMiB / 1024} GiB page bitmap: ${fmt(base, 2)} ms → ${fmt(ms / base, 0)}× (checksum ${acc})`);
}

console.log(`miglab bench — node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
benchFluid('mixed scenarios (5 policies, 256 MiB–64 GiB, dirty rate 5–80 % of the link)', [0.05, 0.2, 0.5, 0.8], 3600);
benchFluid('non-converging scenarios (dirty rate 120 % of the link, run to a 600 s limit)', [1.2], 600);
benchPostcopy();
console.log(`  peak RSS so far: ${fmt(peakRssMiB(), 0)} MiB\n`);
benchPage(4096, 'xen', '≤ 50 ms');
benchPage(4096, 'qemu', '≤ 50 ms');
console.log(`  peak RSS so far: ${fmt(peakRssMiB(), 0)} MiB\n`);
benchPage(65536, 'xen', '≤ 1 s, ≤ 1 GiB RSS');
benchPage(65536, 'qemu', '≤ 1 s, ≤ 1 GiB RSS');
console.log(`  peak RSS: ${fmt(peakRssMiB(), 0)} MiB`);

async function benchSweep(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'miglab-bench-'));
  try {
    const fluid = {
      name: 'bench', seed: 1,
      base: { name: 'bench', vm: { memoryMiB: 1024 }, workload: { type: 'hotcold', writesPerSecond: 1000, hotSetMiB: 32, hotWriteFraction: 0.9 }, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 1e-4 }, migration: { algorithm: 'precopy', policy: 'xen' } },
      axes: [
        { field: 'migration.policy', values: ['xen', 'xen-legacy', 'qemu', 'simgrid', 'clark05'] },
        { field: 'vm.memoryMiB', log: { from: 256, to: 16384, count: 10 } },
        { field: 'workload.writesPerSecond', log: { from: 100, to: 20000, count: 50 } },
        { field: 'network.bandwidthBitsPerSecond', values: [1e8, 1e9, 1e10, 4e10] },
      ],
    };
    // Runs that each take milliseconds (page level, 1 and 4 GiB guests): what lanes give when the
    // simulation, not a thread's start and warm-up, is the work.
    const page = {
      name: 'bench-page', seed: 1, replicates: 8,
      base: { ...fluid.base, fidelity: 'page' },
      axes: [
        { field: 'migration.policy', values: ['xen', 'xen-legacy', 'qemu', 'simgrid', 'clark05'] },
        { field: 'vm.memoryMiB', values: [1024, 4096] },
        { field: 'workload.writesPerSecond', log: { from: 500, to: 20000, count: 6 } },
        { field: 'network.bandwidthBitsPerSecond', values: [1e9, 1e10] },
      ],
    };
    const sweepFile = (name: string, spec: object): string => {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, JSON.stringify(spec));
      return f;
    };
    // Each sweep runs in a fresh `miglab sweep` process (this process's JIT has seen every other
    // benchmark, which would slow its lane and not a new thread's); the time is the process's, from
    // start to exit. --parallel-after 0 starts the threads at once, to measure what a second lane gives.
    const { execFile } = await import('node:child_process');
    const cli = new URL('./bench-cli.js', import.meta.url).pathname;
    let outs = 0;
    const time = (file: string, workers: number, extra: string[] = ['--parallel-after', '0']): Promise<{ ms: number; csv: Buffer }> => {
      const out = join(dir, `out${outs++}`);
      const args = [file, '--workers', String(workers), '--out', out, '--quiet', ...extra];
      const t0 = performance.now();
      return new Promise((resolve, reject) => {
        execFile(process.execPath, [cli, 'sweep', ...args], (e, _stdout, stderr) => {
          const ms = performance.now() - t0;
          if (e) { reject(new Error(`miglab sweep ${args.join(' ')}: ${stderr || e.message}`)); return; }
          const csv = readFileSync(join(out, 'runs.csv'));
          rmSync(out, { recursive: true });
          resolve({ ms, csv });
        });
      });
    };
    // 1 lane, 2 lanes, then (abba) 2 lanes and 1 lane again: timings on this VM drift by ±10 %
    // between identical runs, and the sum of an ABBA sequence cancels a steady drift.
    const speedUp = async (label: string, file: string, { abba = false, target = '' } = {}): Promise<void> => {
      const a = [await time(file, 1)], b = [await time(file, 2)];
      if (abba) { b.push(await time(file, 2)); a.push(await time(file, 1)); }
      const sum = (xs: { ms: number }[]): number => xs.reduce((t, x) => t + x.ms, 0);
      const list = (xs: { ms: number }[]): string => xs.map((x) => fmt(x.ms / 1000, 2)).join(' + ');
      const same = [...a, ...b].every((x) => x.csv.equals(a[0].csv));
      console.log(`  ${label}: 1 lane ${list(a)} s, 2 lanes ${list(b)} s → ${fmt(sum(a) / sum(b), 2)}×${target}   (CSV identical: ${same})`);
    };

    const file = sweepFile('fluid', fluid);
    const one = await time(file, 1);
    console.log('sweep, 10,000 fluid runs end to end (a fresh `miglab sweep` process: start, validate, simulate, stream the CSV):');
    console.log(`  1 lane: ${fmt(one.ms / 1000, 2)} s   target ≤ 10 s`);
    const auto = await time(file, 2, []);
    console.log(`  2 lanes allowed, default --parallel-after 2 (under 2 s of work projected, so no thread starts): ${fmt(auto.ms / 1000, 2)} s`);
    console.log('sweep speed-up 1 → 2 lanes (fresh processes, threads started at once):');
    await speedUp('960 page-level runs (1 and 4 GiB guests, ≈ 16 ms each; 1, 2, 2, 1 lanes)', sweepFile('page', page), { abba: true, target: '   target ≥ 1.7×' });
    await speedUp('10,000 fluid runs (≈ 12 µs each)', file);
    const longer = [20, 100].map((replicates) => ({ replicates, file: sweepFile(`fluid${replicates}`, { ...fluid, replicates }) }));
    for (const { replicates, file: f } of longer) {
      await speedUp(`${(10000 * replicates).toLocaleString('en')} fluid runs (the same design × ${replicates} replicates)`, f);
    }
    // Baselines for what two cores of this machine give fluid runs: the same 200,000 rows computed
    // alone, then twice at once with no coordination at all, by fresh threads and by fresh processes.
    const rowsFile = longer[0].file;
    const { Worker } = await import('node:worker_threads');
    const rowsScript = new URL('./bench-rows.js', import.meta.url);
    const inThread = () => new Promise<number>((resolve, reject) => {
      const w = new Worker(rowsScript, { workerData: { file: rowsFile, from: 0, to: 200000 } });
      w.once('message', (ms) => resolve(Number(ms)));
      w.once('error', reject);
    });
    const inProcess = () => new Promise<number>((resolve, reject) => {
      execFile(process.execPath, [rowsScript.pathname, rowsFile, '0', '200000'], (e, out) => (e ? reject(e) : resolve(Number(out))));
    });
    for (const [label, run] of [['threads', inThread], ['processes', inProcess]] as const) {
      const alone = await run();
      const w0 = performance.now();
      await Promise.all([run(), run()]);
      const together = performance.now() - w0;
      console.log(`  reference, two fresh ${label} computing the same 200,000 fluid rows each, no coordination: alone ${fmt(alone / 1000, 2)} s, two at once ${fmt(together / 1000, 2)} s wall → ${fmt((2 * alone) / together, 2)}×`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fleets (issue 15), each fleet in a fresh process (bench-fleet.ts): 1,000 identical 1 GiB guests
 * migrating at once across one shared link, as SimGrid's live-migration plugin models them (its
 * policy, a sequential writer over 90 % of RAM at half the migration speed), beside SimGrid 3.32
 * itself on the same fleet (scripts/bench/simgrid-fleet.cpp, compiled here against Debian's
 * libsimgrid-dev; skipped with a note when absent); a 10,000-guest evacuation on a 500-host
 * fat-tree; 1,000 mixed guests on one link.
 */
async function benchFleet(): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'miglab-bench-fleet-'));
  try {
    const helper = new URL('./bench-fleet.js', import.meta.url).pathname;
    let files = 0;
    const runFleetProcess = (spec: object, reps: number): { loadMs: number; firstMs: number; bestMs: number; rssMiB: number; wallMs: number; summary: Record<string, number> } => {
      const file = join(dir, `fleet-${files++}.json`);
      writeFileSync(file, JSON.stringify(spec));
      const t0 = performance.now();
      const out = execFileSync(process.execPath, [helper, file, String(reps)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      return { ...JSON.parse(out), wallMs: performance.now() - t0 };
    };
    // SimGrid's setting: migration speed 119 MiB/s per VM (its int MiB/s), dirty intensity 50 %,
    // 1,000 VMs on a link exactly 1,000 × that wide, 0.1 ms latency, CM02 (no latency/bandwidth factors).
    const N = 1000, speedBytes = 119 * 1048576;
    const identical = {
      name: 'bench-1000', seed: 1, topology: { type: 'shared-link', bandwidthBitsPerSecond: N * speedBytes * 8, latencySeconds: 1e-4 },
      guests: [{ count: N, template: { vm: { memoryMiB: 1024 }, workload: { type: 'sweep', writesPerSecond: (0.5 * speedBytes) / 4096, bufferMiB: 921.6 }, migration: { algorithm: 'precopy', policy: 'simgrid' } } }],
      plan: { evacuate: ['h0'] },
    };
    const ours = runFleetProcess(identical, 5);
    console.log(`fleet: ${N} identical 1 GiB guests at once on one shared link (SimGrid policy, fluid), each fleet in a fresh process:`);
    console.log(`  miglab: simulation first run ${fmt(ours.firstMs, 0)} ms, best of 5 ${fmt(ours.bestMs, 1)} ms in process; loading the file ${fmt(ours.loadMs, 0)} ms (process ${fmt(ours.wallMs / 1000, 2)} s, peak RSS ${fmt(ours.rssMiB, 0)} MiB); makespan ${fmt(ours.summary.makespanSeconds, 3)} s simulated, ${ours.summary.rateRecomputations} rate recomputations`);
    const header = '/usr/include/simgrid/plugins/live_migration.h';
    if (!existsSync(header)) {
      console.log('  SimGrid: not installed (Debian: apt-get install libsimgrid-dev) — no baseline in this run');
    } else {
      const exe = join(dir, 'simgrid-fleet');
      const src = new URL('../../scripts/bench/simgrid-fleet.cpp', import.meta.url).pathname;
      execFileSync('g++', ['-O2', '-o', exe, src, '-lsimgrid'], { stdio: ['ignore', 'ignore', 'inherit'] });
      let best = Infinity, wall = Infinity, makespan = NaN;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const out = execFileSync(exe, [String(N), '1024', '119', '50', String(N * speedBytes * 8), '1e-4'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        wall = Math.min(wall, performance.now() - t0);
        const r = JSON.parse(out.trim().split('\n').pop()!);
        best = Math.min(best, r.engineWallSeconds * 1000);
        makespan = r.makespanSeconds;
      }
      console.log(`  SimGrid 3.32 (its live-migration plugin, CM02), same fleet: engine ${fmt(best, 1)} ms (best of 3; process ${fmt(wall / 1000, 2)} s); makespan ${fmt(makespan, 3)} s simulated`);
      console.log(`  → simulation: miglab ${fmt(best / ours.bestMs, 1)}× faster than SimGrid's engine once warm, ${fmt(best / ours.firstMs, 1)}× on its first run (JIT compiling as it goes); whole processes ${fmt(wall / ours.wallMs, 2)}× (Node's start and module loading ≈ 0.3 s)   target ≥ 10×`);
      // The same with 1,000 different VMs (RAM 512 MiB–4 GiB, dirty intensity 10–80 % of the migration
      // speed) on a link half as wide as their caps together: transfers end one by one, and every end
      // re-shares the link among all the others, in both simulators.
      const groups = [512, 1024, 2048, 4096].map((memoryMiB) => ({
        name: `m${memoryMiB}`, count: N / 4, template: { vm: { memoryMiB }, workload: { type: 'sweep', writesPerSecond: 1000, bufferMiB: 0.9 * memoryMiB }, migration: { algorithm: 'precopy', policy: 'simgrid', maxBandwidthBytesPerSecond: speedBytes } },
        vary: { 'workload.writesPerSecond': { uniform: [(0.1 * speedBytes) / 4096, (0.8 * speedBytes) / 4096] } },
      }));
      const mixedSpec = { name: 'bench-1000-simgrid-mixed', seed: 1, topology: { type: 'shared-link', bandwidthBitsPerSecond: (N / 2) * speedBytes * 8, latencySeconds: 1e-4 }, guests: groups, plan: { evacuate: ['h0'] } };
      const vms = validateFleet(mixedSpec, 'bench', (p) => p).guests.map((g) => `${g.scenario.vm.memoryMiB} ${((g.scenario.workload as { writesPerSecond: number }).writesPerSecond * 4096) / speedBytes}`);
      const vmFile = join(dir, 'vms.txt');
      writeFileSync(vmFile, vms.join('\n') + '\n');
      const oursMixed = runFleetProcess(mixedSpec, 3);
      let bestMixed = Infinity, makespanMixed = NaN;
      for (let i = 0; i < 1; i++) { // ≈ 45 s each here: one run
        const out = execFileSync(exe, [String(N), '1024', '119', '50', String((N / 2) * speedBytes * 8), '1e-4', vmFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const r = JSON.parse(out.trim().split('\n').pop()!);
        bestMixed = Math.min(bestMixed, r.engineWallSeconds * 1000);
        makespanMixed = r.makespanSeconds;
      }
      console.log(`fleet: ${N} different VMs (512 MiB–4 GiB, dirty 10–80 % of their speed) on a link half as wide as their caps together, SimGrid's setting:`);
      console.log(`  miglab: first run ${fmt(oursMixed.firstMs, 0)} ms, best of 3 ${fmt(oursMixed.bestMs, 0)} ms, makespan ${fmt(oursMixed.summary.makespanSeconds, 3)} s, ${oursMixed.summary.rateRecomputations} rate recomputations; SimGrid 3.32: engine ${fmt(bestMixed, 0)} ms, makespan ${fmt(makespanMixed, 3)} s`);
      console.log(`  → miglab ${fmt(bestMixed / oursMixed.bestMs, 1)}× faster warm, ${fmt(bestMixed / oursMixed.firstMs, 1)}× on its first run`);
    }
    const hosts = Array.from({ length: 250 }, (_, i) => `h${2 * i}`);
    const evac = runFleetProcess({
      name: 'bench-10k', seed: 1, topology: { type: 'fat-tree', k: 14, hosts: 500, linkBitsPerSecond: 1e10, linkLatencySeconds: 1e-5 },
      guests: [{ name: 'vm', count: 10000, hosts, template: { vm: { memoryMiB: 2048, zeroPageFraction: 0.3 }, workload: { type: 'hotcold', writesPerSecond: 2000, hotSetMiB: 64, hotWriteFraction: 0.9 }, migration: { algorithm: 'precopy', policy: 'xen' } },
        vary: { 'vm.memoryMiB': { choice: [1024, 2048, 4096, 8192] }, 'workload.writesPerSecond': { logUniform: [200, 20000] } } }],
      plan: { evacuate: hosts, maxConcurrent: { perHost: 2 } },
    }, 1);
    console.log(`fleet: 10,000 mixed guests (1–8 GiB, 200–20,000 writes/s) evacuated from 250 of the 500 hosts of a k = 14 fat-tree (10 Gbit/s links), 2 migrations per host at a time, Xen ≥ 4.6:`);
    console.log(`  ${fmt(evac.firstMs / 1000, 2)} s simulation + ${fmt(evac.loadMs / 1000, 2)} s loading (10,000 guest scenarios) in process (process ${fmt(evac.wallMs / 1000, 2)} s, peak RSS ${fmt(evac.rssMiB, 0)} MiB); makespan ${fmt(evac.summary.makespanSeconds, 1)} s simulated, ${evac.summary.peakConcurrentMigrations} at once, ${evac.summary.rateRecomputations} rate recomputations   target ≤ 10 s, ≤ 2 GiB`);
    const mixed = runFleetProcess({
      name: 'bench-1000-mixed', seed: 1, topology: { type: 'shared-link', bandwidthBitsPerSecond: 1e12, latencySeconds: 1e-4 },
      guests: [{ count: 1000, template: { vm: { memoryMiB: 1024 }, workload: { type: 'hotcold', writesPerSecond: 2000, hotSetMiB: 64, hotWriteFraction: 0.9 }, migration: { algorithm: 'precopy', policy: 'xen' } },
        vary: { 'vm.memoryMiB': { choice: [512, 1024, 2048, 4096] }, 'workload.writesPerSecond': { logUniform: [200, 20000] } } }],
      plan: { evacuate: ['h0'] },
    }, 3);
    console.log(`fleet: 1,000 mixed guests at once on one 1 Tbit/s link (no two alike, so no two transfers end together), Xen ≥ 4.6: first run ${fmt(mixed.firstMs, 0)} ms, best of 3 ${fmt(mixed.bestMs, 0)} ms in process, ${mixed.summary.rateRecomputations} rate recomputations`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run bench -- --models`: the model benchmarks alone (no sweeps), for quick before/after checks.
console.log('');
await benchFleet();
if (!process.argv.includes('--models')) {
  console.log('');
  await benchSweep();
}
console.log(`  peak RSS: ${fmt(peakRssMiB(), 0)} MiB`);
