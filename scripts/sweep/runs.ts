import { resolve } from 'node:path';
import { validateScenario } from '../../models/scenario/validate.ts';
import { applyOverride } from '../../models/scenario/load.ts';
import { InputError } from '../../models/input/errors.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import type { RunResult } from '../../models/run/result.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import { formatNumber } from '../lib/results.ts';
import { expandDesign, runSeed, type Design } from './design.ts';
import type { LoadedSweep } from './spec.ts';
import { validateFleet, type LoadedFleet } from '../../models/fleet/load.ts';
import { runFleet, type FleetResult } from '../../models/fleet/runFleet.ts';
import { resolvePlan } from '../../models/fleet/plan.ts';

/** Metric columns of a sweep row (empty when not applicable to the run). */
export const METRIC_COLUMNS = [
  'status', 'converged', 'stopReason', 'totalTimeSeconds', 'downtimeSeconds', 'setupTimeSeconds', 'bytesTransferred',
  'precopyBytes', 'stopCopyBytes', 'postcopyBytes', 'checkpointBytes', 'totalBytesIncludingCheckpoints', 'pagesTransferred', 'rounds',
  'checkpointCount', 'appSlowdownFraction', 'cowFaults', 'rpoSeconds', 'rtoSeconds', 'postcopyFaults', 'postcopyBlockedSeconds',
  'balloonedPages', 'throttleMaxPercent', 'guestCpuSecondsLost', 'xbzrlePages', 'xbzrleCacheMisses', 'multifdBytesPerChannel',
] as const;

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

export function metricCells(r: RunResult): string[] {
  const values: Record<(typeof METRIC_COLUMNS)[number], unknown> = {
    status: r.status, converged: r.converged, stopReason: r.stopReason, totalTimeSeconds: r.totalTimeSeconds, downtimeSeconds: r.downtimeSeconds,
    setupTimeSeconds: r.setupTimeSeconds, bytesTransferred: r.bytesTransferred, precopyBytes: r.bytesByPhase.precopy, stopCopyBytes: r.bytesByPhase.stopCopy, postcopyBytes: r.bytesByPhase.postcopy,
    checkpointBytes: r.bytesByPhase.checkpoint, totalBytesIncludingCheckpoints: r.totalBytesIncludingCheckpoints, pagesTransferred: r.pagesTransferred,
    rounds: r.rounds, checkpointCount: r.checkpoint?.count, appSlowdownFraction: r.checkpoint?.appSlowdownFraction ?? r.postcopy?.appSlowdownFraction, cowFaults: r.checkpoint?.cowFaults,
    rpoSeconds: r.failover?.rpoSeconds, rtoSeconds: r.failover?.rtoSeconds, postcopyFaults: r.postcopy?.faults, postcopyBlockedSeconds: r.postcopy?.blockedSeconds,
    balloonedPages: r.balloonedPages, throttleMaxPercent: r.autoConverge?.throttleMaxPercent, guestCpuSecondsLost: r.autoConverge?.guestCpuSecondsLost,
    xbzrlePages: r.xbzrle?.pages, xbzrleCacheMisses: r.xbzrle?.cacheMisses, multifdBytesPerChannel: r.multifd?.bytesPerChannel,
  };
  return METRIC_COLUMNS.map((c) => cell(values[c]));
}

/** Metric columns of a sweep whose base is a fleet (models/fleet/): its summary, and the plan's energy (empty without an energy section). */
export const FLEET_METRIC_COLUMNS = [
  'migrations', 'completed', 'cancelled', 'converged', 'makespanSeconds', 'sumDowntimeSeconds', 'maxDowntimeSeconds', 'meanMigrationSeconds',
  'bytesTransferred', 'degradedByPostcopy', 'peakConcurrentMigrations', 'peakLinkUtilisation', 'energyJoules',
] as const;

/** A base with a topology, guests and a plan is a fleet (scenarios/fleet.schema.json), not one guest's scenario. */
export function isFleetBase(raw: Record<string, unknown>): boolean {
  return 'topology' in raw && 'guests' in raw && 'plan' in raw;
}

function fleetCells(r: FleetResult): string[] {
  const s = r.summary as unknown as Record<string, unknown>;
  return FLEET_METRIC_COLUMNS.map((c) => cell(c === 'energyJoules' ? r.energy?.totalJoules : s[c]));
}

/** Turns run indices into scenarios and rows. Pure: the same sweep and index give the same row. */
export class SweepRunner {
  readonly design: Design;
  readonly header: string[];
  private readonly fieldPaths: string[][];

  constructor(readonly sweep: LoadedSweep) {
    this.design = expandDesign(sweep.spec);
    this.fieldPaths = this.design.fields.map((f) => f.split('.'));
    this.fleet = isFleetBase(sweep.baseRaw);
    this.header = ['run', 'point', 'replicate', 'seed', ...this.design.fields, ...(this.fleet ? FLEET_METRIC_COLUMNS : METRIC_COLUMNS)];
  }

  /** Whether the base is a fleet: each run is then a fleet's plan (runFleet), its row the fleet's summary. */
  readonly fleet: boolean;

  /** Run `run`'s fleet (a fleet base only): the axis values set, its own seed (which also draws its guests). */
  fleetFor(run: number): LoadedFleet {
    const { design, sweep } = this;
    const point = Math.floor(run / design.replicates);
    const raw = structuredClone(sweep.baseRaw);
    for (let k = 0; k < this.fieldPaths.length; k++) {
      const v = design.points[point][k];
      applyOverride(raw, this.fieldPaths[k], typeof v === 'object' && v !== null ? structuredClone(v) : v);
    }
    raw.seed = runSeed(sweep.spec.seed, run);
    return validateFleet(raw, sweep.baseFile, this.resolvePath);
  }

  /** The last design point validated, kept for its other replicates (which differ only in the seed). */
  private lastPoint: { point: number; scenario: Scenario } | null = null;

  scenarioFor(run: number): Scenario {
    const { design, sweep } = this;
    if (this.fleet) throw new InputError(`${sweep.file}: base: a fleet, where one guest's scenario was expected`);
    const point = Math.floor(run / design.replicates);
    const seed = runSeed(sweep.spec.seed, run);
    // Replicates of one point share everything but the seed, so the point is validated once: a
    // scenario is plain data that no model writes to (tests/models/immutable.test.ts).
    if (this.lastPoint?.point === point) return { ...this.lastPoint.scenario, seed };
    const raw = structuredClone(sweep.baseRaw);
    const values = design.points[point];
    for (let k = 0; k < this.fieldPaths.length; k++) {
      const v = values[k];
      applyOverride(raw, this.fieldPaths[k], typeof v === 'object' && v !== null ? structuredClone(v) : v); // raw must share nothing
    }
    raw.seed = seed;
    const scenario = validateScenario(raw, sweep.baseFile, this.resolvePath, true); // raw is this call's own copy
    this.lastPoint = { point, scenario };
    return scenario;
  }

  /** Resolves a path in the sweep (a trace, a layout or a map file) against its base scenario's folder. */
  readonly resolvePath = (p: string): string => resolve(this.sweep.baseDir, p);

  /** Validates design points [from, to) (replicate 0 of each); the first error names the point and its values. */
  checkPoints(from: number, to: number): void {
    const { design } = this;
    for (let p = from; p < to; p++) {
      try {
        if (this.fleet) { const f = this.fleetFor(p * design.replicates); resolvePlan(f, () => 0); } else this.scenarioFor(p * design.replicates);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        const values = design.fields.map((f, k) => `${f}=${JSON.stringify(design.points[p][k])}`).join(', ');
        throw new InputError(`${this.sweep.file}: design point ${p} (${values}) is not a valid ${this.fleet ? 'fleet' : 'scenario'}:\n${e.message}`);
      }
    }
  }

  row(run: number): string[] {
    const { design } = this;
    const point = Math.floor(run / design.replicates);
    if (this.fleet) {
      const f = this.fleetFor(run);
      return [String(run), String(point), String(run % design.replicates), String(f.spec.seed), ...design.points[point].map(cell), ...fleetCells(runFleet(f, { resolvePath: this.resolvePath }))];
    }
    const s = this.scenarioFor(run);
    const r = runScenario(s, { keepRounds: false, resolvePath: this.resolvePath });
    return [String(run), String(point), String(run % design.replicates), String(s.seed), ...design.points[point].map(cell), ...metricCells(r)];
  }
}
