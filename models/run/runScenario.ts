import { RandomStreams } from '../../sim/random.ts';
import { Simulator } from '../../sim/simulator.ts';
import { FluidTracker } from '../memory/fluidTracker.ts';
import { pagesForMiB } from '../memory/pageSize.ts';
import { PageTracker } from '../memory/pageTracker.ts';
import type { DirtyTracker } from '../memory/tracker.ts';
import { MigrationRecorder, type MigrationOutcome } from '../migration/recorder.ts';
import { algorithmFor } from '../migration/registry.ts';
import type { MigrationContext, MigrationParameters } from '../migration/types.ts';
import { Link, type Transfer } from '../network/link.ts';
import { wireFormat } from '../network/wireFormat.ts';
import type { Scenario } from '../scenario/types.ts';
import { compileWorkload, type CompiledWorkload } from '../workload/build.ts';
import type { RunResult } from './result.ts';

export interface RunOptions {
  /** Resolves trace file paths (relative to the scenario file). */
  resolvePath?: (p: string) => string;
  /** Keep per-round rows (default true; sweeps may drop them). */
  keepRounds?: boolean;
  /** A compiled workload to reuse across runs of the same guest (sweeps, benchmarks). */
  workload?: CompiledWorkload;
}

export function migrationParameters(s: Scenario): MigrationParameters {
  const m = s.migration;
  return {
    algorithm: m.algorithm,
    policy: m.policy ?? null,
    startSeconds: m.startSeconds,
    setupSeconds: m.setupSeconds,
    resumeSeconds: m.resumeSeconds,
    downtimeLimitSeconds: m.downtimeLimitSeconds ?? 0.3,
    maxBandwidthBytesPerSecond: m.maxBandwidthBytesPerSecond ?? null,
    maxIterations: m.maxIterations ?? Infinity,
    dirtyThresholdPages: m.dirtyThresholdPages ?? 0,
    maxFactor: m.maxFactor ?? Infinity,
    startBitsPerSecond: m.startBitsPerSecond ?? Infinity,
    incrementBitsPerSecond: m.incrementBitsPerSecond ?? 0,
    maxBitsPerSecond: m.maxBitsPerSecond ?? Infinity,
  };
}

export function makeTracker(s: Scenario, workload: CompiledWorkload, streams: RandomStreams, vmIndex: number, trackVersions = false): DirtyTracker {
  const suffix = vmIndex === 0 ? '' : `/vm${vmIndex}`;
  if (s.fidelity === 'page') {
    return new PageTracker(workload, s.vm.zeroPageFraction, streams.get(`workload${suffix}`), streams.get(`memory${suffix}`), trackVersions);
  }
  if (workload.kind !== 'segments') throw new Error('trace workloads need fidelity "page"');
  return new FluidTracker(workload, s.vm.zeroPageFraction);
}

/**
 * Runs one migration scenario to completion on a fresh simulator and returns its result.
 * Deterministic: the same scenario (with its seed) gives the same result, byte for byte.
 */
export function runScenario(s: Scenario, options: RunOptions = {}): RunResult {
  const sim = new Simulator();
  const streams = new RandomStreams(s.seed);
  const link = new Link(sim, s.network);
  const wire = wireFormat(s.network.wireFormat);
  const params = migrationParameters(s);
  const totalPages = pagesForMiB(s.vm.memoryMiB);
  const workload = options.workload ?? compileWorkload(s.workload, totalPages, options.resolvePath);
  const algorithm = algorithmFor(params.algorithm, params.policy);
  const outcomes: MigrationOutcome[] = [];

  for (let i = 0; i < s.concurrentMigrations; i++) {
    const tracker = makeTracker(s, workload, streams, i);
    const recorder = new MigrationRecorder(params.startSeconds, params.setupSeconds);
    recorder.keepRows = options.keepRounds ?? true;
    let current: Transfer | null = null;
    let finished = false;
    let mustStop = false;
    let timer: ReturnType<Simulator['schedule']> | null = null;
    const ctx: MigrationContext = {
      sim, link, tracker, wire, params, recorder,
      get mustStop() { return mustStop; },
      send(bytes, cap, onDone) {
        const t0 = sim.nowSeconds;
        current = link.send(bytes, cap, () => {
          current = null;
          if (!finished) onDone(sim.nowSeconds - t0);
        });
      },
      finish() {
        if (finished) return;
        finished = true;
        recorder.endSeconds = sim.nowSeconds;
        if (timer) sim.cancel(timer);
        outcomes[i] = recorder.outcome();
      },
    };
    sim.at(params.startSeconds, () => {
      timer = sim.schedule(params.setupSeconds + s.limits.maxTimeSeconds, () => {
        timer = null;
        if (finished) return;
        if (s.limits.onTimeout === 'stop-and-copy') { mustStop = true; return; }
        if (recorder.suspendSeconds !== null) return; // already suspended: let the copy finish
        const sent = current ? link.abort(current) : 0;
        recorder.bytesByPhase.precopy += sent;
        recorder.status = 'cancelled';
        recorder.stopReason = 'timeout-cancelled';
        ctx.finish();
      });
      const begin = (): void => algorithm.start(ctx);
      if (params.setupSeconds > 0) sim.schedule(params.setupSeconds, begin);
      else begin();
    });
  }
  sim.run();

  const first = outcomes[0];
  const aggregate = (): Omit<MigrationOutcome, 'roundRows'> => {
    if (outcomes.length === 1) { const { roundRows: _r, ...rest } = first; return rest; }
    const sum = (f: (o: MigrationOutcome) => number): number => outcomes.reduce((a, o) => a + f(o), 0);
    const max = (f: (o: MigrationOutcome) => number): number => outcomes.reduce((a, o) => Math.max(a, f(o)), 0);
    return {
      status: outcomes.every((o) => o.status === 'completed') ? 'completed' : 'cancelled',
      converged: outcomes.every((o) => o.converged),
      stopReason: first.stopReason,
      totalTimeSeconds: max((o) => o.totalTimeSeconds),
      downtimeSeconds: max((o) => o.downtimeSeconds),
      setupTimeSeconds: first.setupTimeSeconds,
      bytesTransferred: sum((o) => o.bytesTransferred),
      bytesByPhase: {
        precopy: sum((o) => o.bytesByPhase.precopy), stopCopy: sum((o) => o.bytesByPhase.stopCopy),
        postcopy: sum((o) => o.bytesByPhase.postcopy), checkpoint: sum((o) => o.bytesByPhase.checkpoint),
      },
      pagesTransferred: sum((o) => o.pagesTransferred),
      rounds: max((o) => o.rounds),
    };
  };
  return {
    tool: 'miglab',
    source: 'simulation',
    scenarioName: s.name,
    seed: s.seed,
    algorithm: params.algorithm,
    policy: params.policy,
    fidelity: s.fidelity,
    workloadWritesPerSecond: workload.kind === 'segments' ? workload.nominalWritesPerSecond : workload.pages.length / ((workload.offsets.length - 1) * workload.intervalSeconds),
    ...aggregate(),
    roundRows: first.roundRows,
    ...(outcomes.length > 1 ? { migrations: outcomes.map(({ roundRows: _r, ...rest }) => rest) } : {}),
    scenario: s,
  };
}
