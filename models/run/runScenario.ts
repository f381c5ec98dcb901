import { RandomStreams } from '../../sim/random.ts';
import { EventLimitError, Simulator } from '../../sim/simulator.ts';
import { BOUNDS, boundText } from '../bounds.ts';
import { InputError } from '../input/errors.ts';
import { FluidTracker } from '../memory/fluidTracker.ts';
import { pagesForMiB } from '../units/pageSize.ts';
import { PageTracker } from '../memory/pageTracker.ts';
import type { DirtyTracker } from '../memory/tracker.ts';
import { MigrationRecorder, type MigrationOutcome } from '../migration/recorder.ts';
import { composition } from '../migration/compositions/registry.ts';
import { RunContext } from '../migration/context.ts';
import { Link } from '../network/link.ts';
import { Fabric } from '../network/fabric.ts';
import type { Channel } from '../network/channel.ts';
import { loadZeroMap, withZeroMap } from '../memory/zeroMap.ts';
import { wireFormat } from '../network/wire/registry.ts';
import type { Scenario } from '../scenario/types.ts';
import { withTopBoundary, writtenPages } from '../memory/zeroPages.ts';
import type { PostcopySummary } from '../migration/phases/postcopy.ts';
import { compileWorkloadCached, type CompiledWorkload } from '../workload/build.ts';
import type { CheckpointSummary, RunResult } from './result.ts';
import { CowCheckpointer } from '../checkpoint/cowCheckpointer.ts';
import { analyseFailover } from '../checkpoint/failover.ts';
import { MIB_BYTES } from '../units/pageSize.ts';
import { unmodelledWarnings } from './unmodelled.ts';
import { ThrottledTracker } from '../memory/throttledTracker.ts';
import { XbzrleStream } from '../network/wire/xbzrle.ts';
import { firstPassPageBytes, multifdSummary, multifdWire } from '../network/wire/multifd.ts';
import type { WireFormat } from '../network/wire/types.ts';

export interface RunOptions {
  /** Resolves trace file paths (relative to the scenario file). */
  resolvePath?: (p: string) => string;
  /** Keep per-round rows (default true; sweeps may drop them). */
  keepRounds?: boolean;
  /** A compiled workload to reuse across runs of the same guest (sweeps, benchmarks). */
  workload?: CompiledWorkload;
  /**
   * Skip periodic steady states of non-converging fluid runs (default true; see
   * models/migration/steadyState.ts). False simulates every pass.
   */
  skipSteadyState?: boolean;
  /** The run's event bound (default models/bounds.ts eventsPerRun; tests lower it). */
  maxEvents?: number;
  /** Filled in with the number of simulator events the run fired (tests, benchmarks). */
  stats?: { eventsFired: number };
}

/** The footprint's block of non-zero pages at the top of memory (vm.footprint.topMiB), in pages. */
function topNonZeroPages(s: Scenario): number {
  return s.vm.footprint?.topMiB ? pagesForMiB(s.vm.footprint.topMiB) : 0;
}

export function makeTracker(s: Scenario, workload: CompiledWorkload, streams: RandomStreams, vmIndex: number, trackVersions = false): DirtyTracker {
  const suffix = vmIndex === 0 ? '' : `/vm${vmIndex}`;
  const balloon = s.migration.selfBallooning === true;
  let tracker: DirtyTracker;
  if (s.fidelity === 'page') {
    tracker = new PageTracker(workload, s.vm.zeroPageFraction, streams.get(`workload${suffix}`), streams.get(`memory${suffix}`), trackVersions, s.vm.zeroPagePlacement, topNonZeroPages(s), balloon);
  } else {
    if (workload.kind !== 'segments') throw new Error('trace workloads need fidelity "page"');
    tracker = new FluidTracker(workload, s.vm.zeroPageFraction, s.vm.zeroPagePlacement, topNonZeroPages(s), balloon);
  }
  // A guest QEMU may throttle (auto-converge): its workload runs on its own, slowed clock.
  return s.migration.autoConverge ? new ThrottledTracker(tracker, s.vm.workloadCpuFraction) : tracker;
}

/**
 * The wire of one migration: the scenario's format; QEMU's multifd packets; or QEMU's stream with
 * XBZRLE's cache (one per migration, fed by its tracker).
 */
function migrationWire(s: Scenario, workload: CompiledWorkload, base: WireFormat, tracker: DirtyTracker, recorder: MigrationRecorder): WireFormat {
  const mf = s.migration.multifd;
  if (mf) return multifdWire(mf, firstPassPageBytes(mf, tracker.totalPages * (1 - s.vm.zeroPageFraction), writtenPages(workload)), base.zeroPageSeconds);
  if (!s.migration.xbzrle) return base;
  if (!tracker.versions) throw new Error('internal: XBZRLE needs the page tracker\'s versions (makeTracker with trackVersions)');
  const stream = new XbzrleStream(s.migration.xbzrle, s.vm.bytesChangedPerWrite, tracker.versions, base.zeroPageSeconds);
  tracker.onTaken = stream.onPage;
  recorder.xbzrle = stream;
  return stream;
}

const withTop = (w: CompiledWorkload, s: Scenario): CompiledWorkload => (w.kind === 'segments' ? withTopBoundary(w, topNonZeroPages(s)) : w);

/** With the image's map (vm.footprint.mapFile): the workload cut where its zero-page density changes (models/memory/zeroMap.ts). */
function withMap(w: CompiledWorkload, s: Scenario, resolvePath: (p: string) => string): CompiledWorkload {
  const file = s.vm.footprint?.mapFile;
  if (file === undefined || w.kind !== 'segments') return w;
  const path = resolvePath(file);
  return withZeroMap(w, loadZeroMap(path, s.vm.memoryMiB), s.vm.zeroPageFraction * w.totalPages, topNonZeroPages(s), path);
}

/** A scenario's workload compiled for its guest (cached across guests with the same workload). */
export function guestWorkload(s: Scenario, resolvePath?: (p: string) => string): CompiledWorkload {
  try {
    return withMap(withTop(compileWorkloadCached(s.workload, pagesForMiB(s.vm.memoryMiB), resolvePath, { osHotPages: s.vm.osHotPages, pageWalksDirtyPageTables: s.vm.pageWalksDirtyPageTables }), s), s, resolvePath ?? ((p) => p));
  } catch (e) {
    throw e instanceof InputError ? new InputError(`${s.name}: ${e.message}`) : e;
  }
}

/** A compiled workload's nominal page writes per second (a trace: its writes over its length). */
export function nominalWritesPerSecond(workload: CompiledWorkload): number {
  return workload.kind === 'segments' ? workload.nominalWritesPerSecond : workload.pages.length / ((workload.offsets.length - 1) * workload.intervalSeconds);
}

/**
 * Runs one migration scenario to completion on a fresh simulator and returns its result.
 * Deterministic: the same scenario (with its seed) gives the same result, byte for byte.
 */
export function runScenario(s: Scenario, options: RunOptions = {}): RunResult {
  const sim = new Simulator();
  sim.maxEvents = options.maxEvents ?? BOUNDS.eventsPerRun.value;
  const rowBudget = { left: BOUNDS.roundsPerRun.value };
  const streams = new RandomStreams(s.seed);
  // One guest: the link itself. Several (identical guests sharing it): one link of a fabric, whose
  // rates are recomputed once per instant (models/network/fabric.ts) — guests in step cost one
  // recomputation, not one per transfer.
  let link: Channel;
  if (s.concurrentMigrations === 1) link = new Link(sim, s.network);
  else {
    const fabric = new Fabric(sim);
    link = fabric.path([fabric.addLink({ name: 'link', ...s.network })]);
  }
  const wire = wireFormat(s.network.wireFormat, s.compression, s.network.zeroPageSeconds);
  const m = s.migration;
  const plan = composition(m);
  const workload = options.workload ? withMap(withTop(options.workload, s), s, options.resolvePath ?? ((p) => p)) : guestWorkload(s, options.resolvePath);
  const outcomes: MigrationOutcome[] = [];
  // Time-invariant from the last phase's start (non-repeating) or always (cyclic): see steadyState.ts.
  // Not with a cutoff (hybrid's switch to post-copy), which a skipped span could jump over.
  // Not with a throttle either, which changes the guest's pace from one pass to the next.
  const timeInvariance = (options.skipSteadyState ?? true) && s.fidelity === 'fluid' && s.concurrentMigrations === 1 && workload.kind === 'segments' && plan.cutoff === null && !m.autoConverge
    ? { fromSeconds: Number.isFinite(workload.cycleSeconds) ? 0 : workload.phases[workload.phases.length - 1].startSeconds, cycleSeconds: workload.cycleSeconds }
    : null;

  let firstTracker: DirtyTracker | null = null;
  let checkpointer: CowCheckpointer | null = null;
  let waitSeconds = 0;
  for (let i = 0; i < s.concurrentMigrations; i++) {
    const tracker = makeTracker(s, workload, streams, i, s.checkpoint !== undefined || m.xbzrle !== undefined);
    firstTracker ??= tracker;
    const recorder = new MigrationRecorder(m.startSeconds, m.setupSeconds);
    recorder.keepRows = options.keepRounds ?? true;
    recorder.rowBudget = rowBudget;
    const ctx = new RunContext(sim, link, tracker, migrationWire(s, workload, wire, tracker, recorder), recorder, plan, m.setupSeconds, timeInvariance, (o) => { outcomes[i] = o; }, s.concurrentMigrations);
    const begin = (): void => ctx.begin(s.limits.maxTimeSeconds, s.limits.onTimeout);
    if (s.checkpoint && i === 0) {
      const cp = new CowCheckpointer(sim, link, tracker, wire, workload.kind === 'segments' ? workload : null, s.checkpoint);
      checkpointer = cp;
      cp.start();
      sim.at(m.startSeconds, () => cp.stop(() => {
        waitSeconds = sim.nowSeconds - m.startSeconds;
        // Only a composition that starts from the DR image uses it; the others send all of memory.
        if (plan.startsFrom !== 'last-checkpoint') tracker.hasBaseline = false;
        begin();
      }));
    } else sim.at(m.startSeconds, begin);
  }
  try {
    sim.run();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${s.name}: ${e.message}`);
    if (!(e instanceof EventLimitError)) throw e;
    throw new InputError(`${s.name}: the run fired more than ${e.events.toLocaleString('en-US')} events by simulated t = ${e.atSeconds.toPrecision(6)} s (limits.maxTimeSeconds is ${s.limits.maxTimeSeconds}); ${boundText('eventsPerRun')}`);
  }
  if (options.stats) options.stats.eventsFired = sim.eventsFired;

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
  let checkpointFields: Pick<RunResult, 'checkpoint' | 'totalBytesIncludingCheckpoints' | 'failover' | 'checkpointRows'> = {};
  const agg = aggregate();
  if (checkpointer) {
    const recs = checkpointer.records;
    const bytes = recs.reduce((a, r) => a + r.bytes, 0) + checkpointer.abortedBytes;
    const stolen = recs.reduce((a, r) => a + r.stolenCpuSeconds, 0);
    const span = recs.length ? Math.max(1e-12, recs[recs.length - 1].completeSeconds - s.checkpoint!.firstAtSeconds) : 0;
    const summary: CheckpointSummary = {
      count: recs.length,
      bytes,
      abortedBytes: checkpointer.abortedBytes,
      meanDurationSeconds: recs.length ? recs.reduce((a, r) => a + r.pauseSeconds + r.streamSeconds, 0) / recs.length : 0,
      maxDurationSeconds: recs.reduce((a, r) => Math.max(a, r.pauseSeconds + r.streamSeconds), 0),
      cowFaults: recs.reduce((a, r) => a + r.cowFaults, 0),
      stolenCpuSeconds: stolen,
      appSlowdownFraction: span > 0 ? stolen / span : 0,
      peakBufferBytes: recs.reduce((a, r) => Math.max(a, r.peakBufferBytes), 0),
      lastCompleteInstantSeconds: checkpointer.lastCompleteInstant,
      migrationWaitSeconds: waitSeconds,
      consistencyChecks: checkpointer.consistencyChecks,
    };
    agg.bytesByPhase.checkpoint = bytes;
    checkpointFields = {
      checkpoint: summary,
      totalBytesIncludingCheckpoints: agg.bytesTransferred + bytes,
      checkpointRows: recs,
      ...(s.failure ? { failover: analyseFailover(s.failure, recs, s.vm.memoryMiB * MIB_BYTES, summary.appSlowdownFraction) } : {}),
    };
  }
  const warnings = unmodelledWarnings(s);
  return {
    tool: 'miglab',
    source: 'simulation',
    scenarioName: s.name,
    seed: s.seed,
    algorithm: m.algorithm,
    policy: m.policy ?? null,
    fidelity: s.fidelity,
    workloadWritesPerSecond: nominalWritesPerSecond(workload),
    ...agg,
    ...(agg.postcopy ? { postcopy: withWorkingSet(agg.postcopy, workload) } : {}),
    roundRows: first.roundRows,
    ...(outcomes.length > 1 ? { migrations: outcomes.map(({ roundRows: _r, ...rest }) => rest) } : {}),
    ...checkpointFields,
    ...(m.selfBallooning ? { balloonedPages: firstTracker!.balloonedPages } : {}),
    ...(m.multifd ? { multifd: multifdSummary(m.multifd, agg.bytesTransferred / outcomes.length) } : {}),
    ...(warnings.length ? { warnings } : {}),
    scenario: s,
  };
}

/** The post-copy faults against the workload's working set (the pages it ever writes), Hines & Gopalan's measure. */
const workingSetBy = new WeakMap<CompiledWorkload, number>();
function withWorkingSet(p: PostcopySummary, workload: CompiledWorkload): PostcopySummary {
  let workingSetPages = workingSetBy.get(workload);
  if (workingSetPages === undefined) workingSetBy.set(workload, (workingSetPages = writtenPages(workload)));
  return { ...p, workingSetPages, faultsPerWorkingSetPage: workingSetPages > 0 ? p.faults / workingSetPages : 0 };
}
