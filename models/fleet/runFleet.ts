import { RandomStreams } from '../../sim/random.ts';
import { EventLimitError, Simulator } from '../../sim/simulator.ts';
import { BOUNDS, boundText } from '../bounds.ts';
import { InputError } from '../input/errors.ts';
import { composition } from '../migration/compositions/registry.ts';
import { RunContext } from '../migration/context.ts';
import { MigrationRecorder, type MigrationOutcome } from '../migration/recorder.ts';
import type { Composition } from '../migration/types.ts';
import { Fabric, type FabricPath, type LinkStats } from '../network/fabric.ts';
import { wireFormat } from '../network/wire/registry.ts';
import type { WireFormat } from '../network/wire/types.ts';
import { guestWorkload, makeTracker, nominalWritesPerSecond } from '../run/runScenario.ts';
import type { CompiledWorkload } from '../workload/build.ts';
import { EnergyMeter } from './energy.ts';
import type { LoadedFleet } from './load.ts';
import { resolvePlan } from './plan.ts';
import { buildTopology } from './topology.ts';

/**
 * Runs a fleet's migration plan on one simulator: every planned migration is a single-guest
 * migration (its own composition, policy, wire format, tracker and limits, as `runScenario` runs
 * it) whose channel is its route across the topology's fabric, so concurrent migrations share
 * every link they cross max-min fairly (models/network/fabric.ts).
 *
 * The plan (models/fleet/plan.ts) is a priority list. Whenever a migration ends (and at t = 0 and
 * each planned start time) the waiting migrations are started in order where every limit allows —
 * global, per host (a migration counts at its source and its target), per link (at every link of
 * its route) — and its `after` guests have moved; one held back does not block those after it. A
 * migration that does not converge ends by its own `limits` (cancelled, or forced into
 * stop-and-copy) and frees its place. Guests run their workloads from t = 0, so a guest migrated
 * later has been running (and writing) longer. Each migration's policy estimates its share of a
 * shared route from the migrations planned across its narrowest link, bounded by the limits.
 */
export interface FleetMigrationRow {
  guest: string;
  group: string;
  from: string;
  to: string;
  algorithm: string;
  policy: string | null;
  memoryMiB: number;
  writesPerSecond: number;
  startSeconds: number;
  endSeconds: number;
  totalTimeSeconds: number;
  downtimeSeconds: number;
  bytesTransferred: number;
  rounds: number;
  status: string;
  stopReason: string;
  converged: boolean;
  postcopyBlockedSeconds: number | null;
  energyJoules: number | null;
}

export const FLEET_COLUMNS: (keyof FleetMigrationRow)[] = [
  'guest', 'group', 'from', 'to', 'algorithm', 'policy', 'memoryMiB', 'writesPerSecond', 'startSeconds', 'endSeconds', 'totalTimeSeconds',
  'downtimeSeconds', 'bytesTransferred', 'rounds', 'status', 'stopReason', 'converged', 'postcopyBlockedSeconds', 'energyJoules',
];

export interface FleetSummary {
  guests: number;
  migrations: number;
  completed: number;
  cancelled: number;
  converged: number;
  makespanSeconds: number;
  sumDowntimeSeconds: number;
  maxDowntimeSeconds: number;
  meanMigrationSeconds: number;
  bytesTransferred: number;
  /** Migrations whose guest waited on post-copy faults. */
  degradedByPostcopy: number;
  peakConcurrentMigrations: number;
  /** Links that carried migration bytes: the highest utilisation any reached (background included). */
  peakLinkUtilisation: number;
  rateRecomputations: number;
  eventsFired: number;
}

export interface FleetResult {
  tool: 'miglab';
  source: 'simulation';
  fleetName: string;
  seed: number;
  fidelity: 'fluid' | 'page';
  summary: FleetSummary;
  energy?: { idleJoules: number; cpuJoules: number; networkJoules: number; totalJoules: number; hosts: number };
  links: LinkStats[];
  migrations: FleetMigrationRow[];
}

export function runFleet(f: LoadedFleet, options: { resolvePath?: (p: string) => string; maxEvents?: number } = {}): FleetResult {
  const { spec, guests, hosts } = f;
  const sim = new Simulator();
  sim.maxEvents = options.maxEvents ?? BOUNDS.eventsPerRun.value;
  const fabric = new Fabric(sim);
  const topo = buildTopology(fabric, spec.topology, spec.background, f.file);
  const streams = new RandomStreams(spec.seed);
  // Per guest: its compiled workload (shared between guests with the same one); per resolved
  // migration section: its composition and wire format.
  const workloads: CompiledWorkload[] = guests.map((g) => guestWorkload(g.scenario, options.resolvePath));
  const plans = new Map<object, { plan: Composition; wire: WireFormat }>();
  const planned = resolvePlan(f, (i) => nominalWritesPerSecond(workloads[i]));
  const limits = spec.plan.maxConcurrent;
  const G = limits.global ?? Infinity, H = limits.perHost ?? Infinity, L = limits.perLink ?? Infinity;
  const paths = new Map<string, FabricPath>();
  const pathOf = (from: number, to: number): FabricPath => {
    const key = `${from}>${to}`;
    let p = paths.get(key);
    if (!p) paths.set(key, (p = fabric.path(topo.route(from, to))));
    return p;
  };
  const routes = planned.map((m) => pathOf(guests[m.guest].host, m.to));
  const plannedOnLink = new Int32Array(fabric.linkCount);
  for (const p of routes) for (const l of p.route) plannedOnLink[l]++;
  const runningOnHost = new Int32Array(hosts.length), runningOnLink = new Int32Array(fabric.linkCount);
  const ended = new Uint8Array(guests.length);
  const energy = spec.energy ? new EnergyMeter(spec.energy, hosts.length) : null;
  const rows: FleetMigrationRow[] = new Array(planned.length);
  const rowBudget = { left: BOUNDS.roundsPerRun.value };
  let running = 0, peak = 0, waiting = planned.map((_, k) => k);

  const canStart = (k: number): boolean => {
    const m = planned[k], src = guests[m.guest].host;
    if (m.startSeconds > sim.nowSeconds || running >= G || runningOnHost[src] >= H || runningOnHost[m.to] >= H) return false;
    for (const a of m.after) if (!ended[a]) return false;
    if (Number.isFinite(L)) for (const l of routes[k].route) if (runningOnLink[l] >= L) return false;
    return true;
  };
  const start = (k: number): void => {
    const m = planned[k], g = guests[m.guest], s = g.scenario, path = routes[k], src = g.host;
    running++; peak = Math.max(peak, running);
    runningOnHost[src]++; runningOnHost[m.to]++;
    for (const l of path.route) runningOnLink[l]++;
    energy?.step(src, 1, sim.nowSeconds); energy?.step(m.to, 1, sim.nowSeconds);
    let c = plans.get(s.migration);
    if (!c) plans.set(s.migration, (c = { plan: composition(s.migration), wire: wireFormat(s.network.wireFormat, s.compression, s.network.zeroPageSeconds) }));
    const tracker = makeTracker(s, workloads[m.guest], streams, m.guest);
    const rec = new MigrationRecorder(sim.nowSeconds, s.migration.setupSeconds);
    rec.keepRows = false;
    rec.rowBudget = rowBudget;
    const share = Math.max(1, Math.min(plannedOnLink[path.narrowestLink], G, L, H));
    const ctx = new RunContext(sim, path, tracker, c.wire, rec, c.plan, s.migration.setupSeconds, null, (o) => finish(k, o), share);
    ctx.begin(s.limits.maxTimeSeconds, s.limits.onTimeout);
  };
  const finish = (k: number, o: MigrationOutcome): void => {
    const m = planned[k], g = guests[m.guest], path = routes[k], now = sim.nowSeconds;
    running--; runningOnHost[g.host]--; runningOnHost[m.to]--;
    for (const l of path.route) { runningOnLink[l]--; plannedOnLink[l]--; }
    ended[m.guest] = 1;
    energy?.step(g.host, -1, now); energy?.step(m.to, -1, now);
    const s = g.scenario;
    rows[k] = {
      guest: g.name, group: g.group, from: hosts[g.host], to: hosts[m.to], algorithm: s.migration.algorithm, policy: s.migration.policy === undefined ? null : s.migration.policy, // none (stop-and-copy, post-copy): null in the row
      memoryMiB: s.vm.memoryMiB, writesPerSecond: nominalWritesPerSecond(workloads[m.guest]), startSeconds: now - o.totalTimeSeconds, endSeconds: now,
      totalTimeSeconds: o.totalTimeSeconds, downtimeSeconds: o.downtimeSeconds, bytesTransferred: o.bytesTransferred, rounds: o.rounds,
      status: o.status, stopReason: o.stopReason, converged: o.converged, postcopyBlockedSeconds: o.postcopy?.blockedSeconds ?? null,
      energyJoules: energy ? energy.cpuJoules(o.totalTimeSeconds) + energy.transferJoules(o.bytesTransferred, topo.switches(g.host, m.to)) : null,
    };
    schedule(g.host, m.to);
  };
  // Waiting migrations by source and by target host, in priority order: with only a per-host limit,
  // an end frees a place at its two hosts, so only the migrations from or to them can start.
  const started = new Uint8Array(planned.length);
  const bySrc = new Map<number, number[]>(), byDst = new Map<number, number[]>();
  const byHost = (map: Map<number, number[]>, h: number): number[] => { let a = map.get(h); if (!a) map.set(h, (a = [])); return a; };
  planned.forEach((m, k) => { byHost(bySrc, guests[m.guest].host).push(k); byHost(byDst, m.to).push(k); });
  const hostLocal = !Number.isFinite(G) && !Number.isFinite(L) && planned.every((m) => m.after.length === 0);
  let waitingCount = planned.length;
  const tryStart = (k: number): void => { if (!started[k] && canStart(k)) { started[k] = 1; waitingCount--; start(k); } };
  /** Starts what can start now (after an end at hosts a and b, or at a planned start); the rest wait. */
  const schedule = (a = -1, b = -1): void => {
    if (waitingCount === 0) return;
    if (hostLocal && a >= 0) {
      const lists = [bySrc.get(a), byDst.get(a), bySrc.get(b), byDst.get(b)].filter((x): x is number[] => x !== undefined);
      const ks = [...new Set(lists.flat())].sort((x, y) => x - y);
      for (const k of ks) tryStart(k);
      for (const list of lists) { let w = 0; for (const k of list) if (!started[k]) list[w++] = k; list.length = w; }
      return;
    }
    const still: number[] = [];
    for (const k of waiting) {
      if (running < G) tryStart(k);
      if (!started[k]) still.push(k);
    }
    waiting = still;
  };
  for (const t of new Set(planned.map((m) => m.startSeconds))) sim.at(t, () => schedule());
  try {
    sim.run();
  } catch (e) {
    if (!(e instanceof EventLimitError)) throw e;
    throw new InputError(`${spec.name}: the fleet fired more than ${e.events.toLocaleString('en-US')} events by simulated t = ${e.atSeconds.toPrecision(6)} s; ${boundText('eventsPerRun')}`);
  }
  if (waitingCount) throw new Error(`internal: ${waitingCount} planned migrations never started`);

  const makespan = rows.reduce((a, r) => Math.max(a, r.endSeconds), 0);
  const links = fabric.linkStats();
  const summary: FleetSummary = {
    guests: guests.length,
    migrations: rows.length,
    completed: rows.filter((r) => r.status === 'completed').length,
    cancelled: rows.filter((r) => r.status === 'cancelled').length,
    converged: rows.filter((r) => r.converged).length,
    makespanSeconds: makespan,
    sumDowntimeSeconds: rows.reduce((a, r) => a + r.downtimeSeconds, 0),
    maxDowntimeSeconds: rows.reduce((a, r) => Math.max(a, r.downtimeSeconds), 0),
    meanMigrationSeconds: rows.reduce((a, r) => a + r.totalTimeSeconds, 0) / rows.length,
    bytesTransferred: rows.reduce((a, r) => a + r.bytesTransferred, 0),
    degradedByPostcopy: rows.filter((r) => (r.postcopyBlockedSeconds ?? 0) > 0).length,
    peakConcurrentMigrations: peak,
    peakLinkUtilisation: links.reduce((a, l) => Math.max(a, l.peakUtilisation), 0),
    rateRecomputations: fabric.reallocations,
    eventsFired: sim.eventsFired,
  };
  return {
    tool: 'miglab', source: 'simulation', fleetName: spec.name, seed: spec.seed, fidelity: spec.fidelity, summary,
    ...(energy ? { energy: energy.total(makespan) } : {}),
    links, migrations: rows,
  };
}
