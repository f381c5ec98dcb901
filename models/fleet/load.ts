import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { RandomStream } from '../../sim/random.ts';
import { BOUNDS, boundText } from '../bounds.ts';
import { describeValue, InputError } from '../input/errors.ts';
import { jsonDepth, readJsonInput } from '../input/readFile.ts';
import { applyOverride, parseOverride, RESERVED_KEYS } from '../scenario/load.ts';
import { schemaErrorLines, validateScenario } from '../scenario/validate.ts';
import { pagesForMiB } from '../units/pageSize.ts';
import type { Draw, FleetGuest, FleetSpec } from './spec.ts';
import { topologyHostCount, topologyHosts } from './topology.ts';

/**
 * Reads a fleet file (scenarios/fleet.schema.json): checks it, fills its defaults, and builds every
 * guest's own scenario from its group's template and its draws (`vary`, from the fleet's seed:
 * the same file and seed give the same guests). Errors name the file and the field.
 */
const schema = JSON.parse(readFileSync(new URL('../../scenarios/fleet.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
let compiled: ReturnType<Ajv['compile']> | null = null;

export interface LoadedFleet {
  spec: FleetSpec;
  guests: FleetGuest[];
  hosts: string[];
  file: string;
}

export function loadFleet(file: string, overrides: string[] = []): LoadedFleet {
  const raw = readJsonInput(file, 'fleet file');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${file}: (top level): expected an object, got ${describeValue(raw)}`);
  for (const o of overrides) { const { path, value } = parseOverride(o); applyOverride(raw as Record<string, unknown>, path, value); }
  if (jsonDepth(raw) > BOUNDS.jsonDepth.value) throw new InputError(`${file}: nested more than ${BOUNDS.jsonDepth.value} levels deep; ${boundText('jsonDepth')}`);
  const baseDir = dirname(resolve(file));
  return validateFleet(raw, file, (p) => resolve(baseDir, p));
}

export function validateFleet(raw: unknown, file: string, resolvePath: (p: string) => string): LoadedFleet {
  const data = structuredClone(raw);
  compiled ??= new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: false, useDefaults: true }).compile(schema);
  if (!compiled(data)) throw new InputError(schemaErrorLines(compiled.errors ?? []).map((l) => `${file}: ${l}`).join('\n'));
  const spec = data as FleetSpec;
  const hostCount = topologyHostCount(spec.topology);
  if (hostCount > BOUNDS.fleetHosts.value) throw new InputError(`${file}: topology: ${hostCount.toLocaleString('en-US')} hosts; ${boundText('fleetHosts')}`);
  const hosts = topologyHosts(spec.topology);
  const hostIndex = new Map(hosts.map((h, i) => [h, i]));
  const total = spec.guests.reduce((a, g) => a + g.count, 0);
  if (total > BOUNDS.fleetGuests.value) throw new InputError(`${file}: guests: ${total.toLocaleString('en-US')} guests in all; ${boundText('fleetGuests')}`);
  const guests: FleetGuest[] = [];
  const groupNames = new Set<string>();
  spec.guests.forEach((g, gi) => {
    const at = `guests[${gi}]`;
    const group = g.name ?? `g${gi + 1}`;
    if (groupNames.has(group)) throw new InputError(`${file}: ${at}.name: expected a name no other group has, got ${JSON.stringify(group)} twice`);
    groupNames.add(group);
    for (const k of ['name', 'seed', 'fidelity', 'network', 'concurrentMigrations']) {
      if (k in g.template) throw new InputError(`${file}: ${at}.template.${k}: expected no ${k} in a guest template (${k === 'network' ? 'the topology is the network' : k === 'concurrentMigrations' ? 'a fleet lists its guests' : 'the fleet gives it'}), got ${describeValue(g.template[k])}`);
    }
    const groupHosts = (g.hosts ?? [hosts[0]]).map((h, j) => {
      const i = hostIndex.get(h);
      if (i === undefined) throw new InputError(`${file}: ${at}.hosts[${j}]: expected one of the topology's hosts (${hosts.length > 6 ? `${hosts.slice(0, 3).join(', ')}, …, ${hosts[hosts.length - 1]}` : hosts.join(', ')}), got ${JSON.stringify(h)}`);
      return i;
    });
    const draws = Object.entries(g.vary).map(([field, d]) => {
      const path = field.split('.');
      if (path.some((p) => RESERVED_KEYS.has(p) || p === '')) throw new InputError(`${file}: ${at}.vary: expected a field path such as vm.memoryMiB, got ${JSON.stringify(field)}`);
      if (['name', 'seed', 'fidelity', 'network'].includes(path[0])) throw new InputError(`${file}: ${at}.vary.${field}: expected a field of the guest's template, not ${path[0]}`);
      checkDraw(d, `${file}: ${at}.vary.${field}`);
      return { path, field, d, rng: new RandomStream(spec.seed, `fleet/${group}/${field}`) };
    });
    let shared: FleetGuest['scenario'] | null = null;
    for (let i = 0; i < g.count; i++) {
      const name = `${group}-${i}`;
      let scenario: FleetGuest['scenario'] | null = shared;
      if (!scenario) {
        const s: Record<string, unknown> = { ...structuredClone(g.template), name, seed: spec.seed, fidelity: spec.fidelity, network: { bandwidthBitsPerSecond: 1e9 } };
        for (const v of draws) applyOverride(s, v.path, draw(v.d, v.rng));
        scenario = validateScenario(s, `${file}: ${at}.template (guest ${name})`, resolvePath, true);
        if (scenario.migration.startSeconds !== 0) throw new InputError(`${file}: ${at}.template.migration.startSeconds: expected none in a fleet (the plan decides when each migration starts: plan.migrations[].startSeconds), got number ${scenario.migration.startSeconds}`);
        if (scenario.checkpoint) throw new InputError(`${file}: ${at}.template.checkpoint: expected no checkpoint section in a fleet (COW checkpointing of fleets is not modelled), got one`);
        if (draws.length === 0) shared = scenario;
      }
      guests.push({ name, group, host: groupHosts[i % groupHosts.length], scenario });
    }
  });
  if (spec.fidelity === 'page') {
    const pages = guests.reduce((a, g) => a + pagesForMiB(g.scenario.vm.memoryMiB), 0);
    if (pages > BOUNDS.pageLevelPages.value) throw new InputError(`${file}: fidelity: "page" for ${guests.length} guests of ${pages.toLocaleString('en-US')} pages in all; ${boundText('pageLevelPages')}`);
  }
  return { spec, guests, hosts, file };
}

function checkDraw(d: Draw, where: string): void {
  const range = 'uniform' in d ? d.uniform : 'logUniform' in d ? d.logUniform : 'integer' in d ? d.integer : null;
  if (range && !(range[0] <= range[1])) throw new InputError(`${where}: expected [low, high] with low ≤ high, got ${JSON.stringify(range)}`);
}

function draw(d: Draw, rng: RandomStream): unknown {
  if ('uniform' in d) return d.uniform[0] + (d.uniform[1] - d.uniform[0]) * rng.uniform();
  if ('logUniform' in d) return Math.exp(Math.log(d.logUniform[0]) + (Math.log(d.logUniform[1]) - Math.log(d.logUniform[0])) * rng.uniform());
  if ('integer' in d) return d.integer[0] + rng.integer(d.integer[1] - d.integer[0] + 1);
  return structuredClone(d.choice[rng.integer(d.choice.length)]);
}
