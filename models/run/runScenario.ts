import { RandomStreams } from '../../sim/random.ts';
import { Simulator } from '../../sim/simulator.ts';
import { FluidTracker } from '../memory/fluidTracker.ts';
import { pagesForMiB } from '../memory/pageSize.ts';
import { PageTracker } from '../memory/pageTracker.ts';
import type { DirtyTracker } from '../memory/tracker.ts';
import { MigrationRecorder, type MigrationOutcome } from '../migration/recorder.ts';
import { algorithmFor } from '../migration/registry.ts';
import type { MigrationAlgorithm, MigrationContext, MigrationParameters } from '../migration/types.ts';
import type { DirtyTracker as Tracker } from '../memory/tracker.ts';
import type { WireFormat } from '../network/wireFormat.ts';
import type { ScheduledEvent } from '../../sim/eventQueue.ts';
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
    const ctx = new RunContext(sim, link, tracker, wire, params, recorder, (o) => { outcomes[i] = o; });
    sim.at(params.startSeconds, () => ctx.begin(algorithm, s.limits.maxTimeSeconds, s.limits.onTimeout));
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

/** The context one migration runs in: sends through the link, enforces the scenario's max time. */
class RunContext implements MigrationContext {
  mustStop = false;
  private current: Transfer | null = null;
  private finished = false;
  private timer: ScheduledEvent | null = null;

  constructor(
    readonly sim: Simulator,
    readonly link: Link,
    readonly tracker: Tracker,
    readonly wire: WireFormat,
    readonly params: MigrationParameters,
    readonly recorder: MigrationRecorder,
    private readonly report: (o: MigrationOutcome) => void,
  ) {}

  begin(algorithm: MigrationAlgorithm, maxTimeSeconds: number, onTimeout: 'cancel' | 'stop-and-copy'): void {
    this.timer = this.sim.schedule(this.params.setupSeconds + maxTimeSeconds, () => this.timeout(onTimeout));
    if (this.params.setupSeconds > 0) this.sim.schedule(this.params.setupSeconds, () => algorithm.start(this));
    else algorithm.start(this);
  }

  private timeout(rule: 'cancel' | 'stop-and-copy'): void {
    this.timer = null;
    if (this.finished) return;
    if (rule === 'stop-and-copy') { this.mustStop = true; return; }
    if (this.recorder.suspendSeconds !== null) return; // already suspended: let the copy finish
    const sent = this.current ? this.link.abort(this.current) : 0;
    this.recorder.bytesByPhase.precopy += sent;
    this.recorder.status = 'cancelled';
    this.recorder.stopReason = 'timeout-cancelled';
    this.finish();
  }

  send(bytes: number, cap: number, onDone: (durationSeconds: number) => void): void {
    const t0 = this.sim.nowSeconds;
    this.current = this.link.send(bytes, cap, () => {
      this.current = null;
      if (!this.finished) onDone(this.sim.nowSeconds - t0);
    });
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.recorder.endSeconds = this.sim.nowSeconds;
    if (this.timer) this.sim.cancel(this.timer);
    this.report(this.recorder.outcome());
  }
}
