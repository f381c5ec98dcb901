import { InputError } from '../input/errors.ts';
import type { LoadedFleet } from './load.ts';
import type { PlannedMigration } from './spec.ts';

/**
 * The plan as a list of migrations in priority order (models/fleet/runFleet.ts starts them in this
 * order as the limits allow; one held back by a limit does not block those after it).
 *  - explicit (`plan.migrations`): as listed, each to its host, not before its startSeconds nor
 *    before every guest it comes `after` has moved;
 *  - evacuate: every guest on the evacuated hosts, in `order` (stable: ties keep the file's order),
 *    each to the target host with the fewest guests placed on it so far (those already there
 *    and those sent before it; ties: the first listed).
 * `writesPerSecond(g)` is guest g's nominal page-write rate (for the dirty-rate orders).
 */
export function resolvePlan(f: LoadedFleet, writesPerSecond: (guest: number) => number): PlannedMigration[] {
  const { spec, guests, hosts, file } = f;
  const hostIndex = new Map(hosts.map((h, i) => [h, i]));
  const host = (name: string, where: string): number => {
    const i = hostIndex.get(name);
    if (i === undefined) throw new InputError(`${file}: ${where}: expected one of the topology's hosts, got ${JSON.stringify(name)}`);
    return i;
  };
  const p = spec.plan;
  if (p.migrations && p.evacuate) throw new InputError(`${file}: plan: expected either evacuate or migrations, got both`);
  if (p.migrations) {
    const guestIndex = new Map(guests.map((g, i) => [g.name, i]));
    const planned = new Set<number>();
    const out = p.migrations.map((m, i) => {
      const g = guestIndex.get(m.guest);
      if (g === undefined) throw new InputError(`${file}: plan.migrations[${i}].guest: expected a guest's name (group name, '-', index: e.g. ${guests[0].name}), got ${JSON.stringify(m.guest)}`);
      if (planned.has(g)) throw new InputError(`${file}: plan.migrations[${i}].guest: expected each guest once, got ${JSON.stringify(m.guest)} again`);
      planned.add(g);
      const to = host(m.to, `plan.migrations[${i}].to`);
      if (to === guests[g].host) throw new InputError(`${file}: plan.migrations[${i}].to: expected a host other than the guest's own (${hosts[to]})`);
      return { guest: g, to, startSeconds: m.startSeconds, after: m.after.map((a) => guestIndex.get(a) ?? -1), names: m.after };
    });
    out.forEach((m, i) => m.after.forEach((a, j) => {
      if (a < 0 || !planned.has(a)) throw new InputError(`${file}: plan.migrations[${i}].after[${j}]: expected a guest this plan migrates, got ${JSON.stringify(m.names[j])}`);
    }));
    checkAcyclic(out, file);
    return out.map(({ names: _n, ...m }) => m);
  }
  if (!p.evacuate || p.evacuate.length === 0) throw new InputError(`${file}: plan: expected evacuate (hosts to empty) or migrations (an explicit list), got neither`);
  const from = new Set(p.evacuate.map((h, i) => host(h, `plan.evacuate[${i}]`)));
  const targets = (p.to ?? hosts.filter((_, i) => !from.has(i))).map((h, i) => host(h, `plan.to[${i}]`));
  targets.forEach((t, i) => { if (from.has(t)) throw new InputError(`${file}: plan.to[${i}]: expected a host that is not evacuated, got ${JSON.stringify(hosts[t])}`); });
  if (targets.length === 0) throw new InputError(`${file}: plan.to: expected at least one host that is not evacuated, got none`);
  const moving = guests.map((g, i) => ({ g, i })).filter(({ g }) => from.has(g.host)).map(({ i }) => i);
  if (moving.length === 0) throw new InputError(`${file}: plan.evacuate: no guest runs on ${p.evacuate.join(', ')}; expected at least one to move`);
  const memory = (i: number): number => guests[i].scenario.vm.memoryMiB;
  const key: Record<typeof p.order, ((i: number) => number) | null> = {
    'as-given': null,
    'smallest-memory-first': memory,
    'largest-memory-first': (i) => -memory(i),
    'lowest-dirty-rate-first': writesPerSecond,
    'highest-dirty-rate-first': (i) => -writesPerSecond(i),
  };
  const k = key[p.order];
  if (k) { const v = new Map(moving.map((i) => [i, k(i)])); moving.sort((a, b) => v.get(a)! - v.get(b)! || a - b); }
  const load = new Map(targets.map((t) => [t, guests.filter((g) => g.host === t).length]));
  return moving.map((g) => {
    let best = targets[0];
    for (const t of targets) if (load.get(t)! < load.get(best)!) best = t;
    load.set(best, load.get(best)! + 1);
    return { guest: g, to: best, startSeconds: 0, after: [] };
  });
}

function checkAcyclic(ms: { guest: number; after: number[] }[], file: string): void {
  const deps = new Map(ms.map((m) => [m.guest, m.after]));
  const state = new Map<number, 1 | 2>();
  const visit = (g: number): void => {
    if (state.get(g) === 2) return;
    if (state.get(g) === 1) throw new InputError(`${file}: plan.migrations: the after lists form a cycle (guest ${g} waits for itself through them); expected an order that can start`);
    state.set(g, 1);
    for (const a of deps.get(g) ?? []) visit(a);
    state.set(g, 2);
  };
  for (const m of ms) visit(m.guest);
}
