import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { PAGE_SIZE_BYTES, MIB_BYTES } from '../memory/pageSize.ts';
import { loadDirtyTrace, TraceFormatError } from '../workload/trace.ts';
import type { WorkloadSpec } from '../workload/spec.ts';
import { DEFAULT_WIRE_FORMAT, POLICY_DEFAULTS, POLICY_FIELDS, STOP_AND_COPY_DEFAULTS } from './defaults.ts';
import { describeValue, InputError } from './errors.ts';
import type { ResolvedMigrationSpec, Scenario } from './types.ts';
import { CHECKPOINT_DEFAULTS, FAILURE_DEFAULTS } from '../checkpoint/parameters.ts';

const schemaUrl = new URL('../../scenarios/scenario.schema.json', import.meta.url);
export const scenarioSchema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;

let compiled: ReturnType<Ajv['compile']> | null = null;
function validator(): ReturnType<Ajv['compile']> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: false, useDefaults: true });
    compiled = ajv.compile(scenarioSchema);
  }
  return compiled;
}

/** `/vm/memoryMiB` → `vm.memoryMiB`; `/workload/phases/0/x` → `workload.phases[0].x`. */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

function formatAjvError(e: ErrorObject): string | null {
  const got = describeValue(e.data);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${fieldPath(e.instancePath, String(p.missingProperty))}: expected a value (required), got nothing`;
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {}).filter((k) => k !== '$schema');
      return `${fieldPath(e.instancePath, String(p.additionalProperty))}: unknown field; expected one of ${allowed.join(', ')}`;
    }
    case 'type':
      return `${fieldPath(e.instancePath)}: expected ${String(p.type).replace(',', ' or ')}, got ${got}`;
    case 'enum':
      return `${fieldPath(e.instancePath)}: expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `${fieldPath(e.instancePath)}: expected a number ${p.comparison} ${p.limit}, got ${got}`;
    case 'pattern':
      return `${fieldPath(e.instancePath)}: expected letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${got}`;
    case 'minItems':
      return `${fieldPath(e.instancePath)}: expected at least ${p.limit} item(s), got ${got}`;
    case 'maxLength': case 'minLength':
      return `${fieldPath(e.instancePath)}: expected a string of ${e.keyword === 'maxLength' ? 'at most' : 'at least'} ${p.limit} characters, got ${got}`;
    case 'discriminator': {
      const branches = ((e.parentSchema as { oneOf?: { properties?: { type?: { const?: string } }; $ref?: string }[] })?.oneOf ?? []);
      const names = branches.map((b) => b.properties?.type?.const ?? (b.$ref ? refConst(b.$ref) : undefined)).filter(Boolean);
      return `${fieldPath(e.instancePath, String(p.tag))}: expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describeValue((e.data as Record<string, unknown>)?.[String(p.tag)])}`;
    }
    case 'oneOf': case 'if': case 'const':
      return null; // covered by the more specific errors
    default:
      return `${fieldPath(e.instancePath)}: ${e.message ?? 'invalid'}, got ${got}`;
  }
}

function refConst(ref: string): string | undefined {
  const parts = ref.replace(/^#\//, '').split('/');
  let node: unknown = scenarioSchema;
  for (const part of parts) node = (node as Record<string, unknown>)?.[part];
  return (node as { properties?: { type?: { const?: string } } })?.properties?.type?.const;
}

const mibToPages = (mib: number): number => Math.round((mib * MIB_BYTES) / PAGE_SIZE_BYTES);

/**
 * Validates a parsed scenario object (after any --set overrides) and fills in every default.
 * Throws InputError with one line per problem: `file: path.to.field: expected …, got …`.
 * `raw` is not modified unless `owned` says the caller hands it over (a fresh object per call,
 * e.g. a sweep run's): it is then used in place instead of copied.
 */
export function validateScenario(raw: unknown, file: string, resolvePath: (p: string) => string, owned = false): Scenario {
  const data = owned ? raw : structuredClone(raw);
  const validate = validator();
  if (!validate(data)) {
    const lines = [...new Set((validate.errors ?? []).map(formatAjvError).filter((x): x is string => x !== null))];
    throw new InputError(lines.map((l) => `${file}: ${l}`).join('\n'));
  }
  const s = data as Record<string, any>;
  const problems: string[] = [];
  const bad = (path: string, msg: string): void => { problems.push(`${file}: ${path}: ${msg}`); };

  const memoryPages = mibToPages(s.vm.memoryMiB);
  if (memoryPages < 1) bad('vm.memoryMiB', `expected at least one 4 KiB page (≥ 0.00390625 MiB), got number ${s.vm.memoryMiB}`);

  // Migration: algorithm/policy coherence and per-policy defaults.
  const m = s.migration;
  const resolved: ResolvedMigrationSpec = { algorithm: m.algorithm, startSeconds: m.startSeconds ?? 0, setupSeconds: m.setupSeconds ?? 0, resumeSeconds: m.resumeSeconds ?? 0 };
  let defaults: Record<string, number | null>;
  if (m.algorithm === 'precopy' || m.algorithm === 'cow-checkpoint' || m.algorithm === 'hybrid') {
    if (m.policy === undefined) bad('migration.policy', `expected one of "xen", "xen-legacy", "qemu", "simgrid", "clark05" for ${m.algorithm}, got nothing`);
    defaults = m.policy ? POLICY_DEFAULTS[m.policy as keyof typeof POLICY_DEFAULTS] : {};
    if (m.policy) resolved.policy = m.policy;
  } else {
    if (m.policy !== undefined) bad('migration.policy', `expected no policy for ${m.algorithm}, got ${describeValue(m.policy)}`);
    defaults = STOP_AND_COPY_DEFAULTS;
  }
  for (const f of POLICY_FIELDS) {
    if (f in defaults) (resolved as unknown as Record<string, unknown>)[f] = m[f] !== undefined ? m[f] : defaults[f];
    else if (m[f] !== undefined) {
      const users = Object.entries(POLICY_DEFAULTS).filter(([, d]) => f in d).map(([k]) => k);
      bad(`migration.${f}`, `not used by ${m.policy ? `policy ${m.policy}` : m.algorithm}; expected it only with ${users.join(', ')}, got ${describeValue(m[f])}`);
    }
  }

  for (const f of ['postcopyAfterRounds', 'postcopyAfterSeconds'] as const) {
    if (m[f] === undefined) continue;
    if (m.algorithm === 'hybrid') resolved[f] = m[f];
    else bad(`migration.${f}`, `not used by ${m.algorithm}; expected it only with algorithm "hybrid", got ${describeValue(m[f])}`);
  }
  if (m.algorithm === 'postcopy' || m.algorithm === 'hybrid') {
    resolved.postcopyPush = m.postcopyPush ?? 'address-order';
    if (resolved.postcopyPush === 'from-last-fault' && (s.fidelity ?? 'fluid') !== 'page') bad('migration.postcopyPush', `"from-last-fault" follows each fault's address: expected fidelity "page", got ${describeValue(s.fidelity ?? 'fluid')}`);
  } else if (m.postcopyPush !== undefined) bad('migration.postcopyPush', `not used by ${m.algorithm}; expected it only with algorithm "postcopy" or "hybrid", got ${describeValue(m.postcopyPush)}`);

  // Workload sizes must fit in the guest.
  checkWorkload(s.workload ?? { type: 'idle' }, 'workload', s.vm.memoryMiB, bad);
  const workload: WorkloadSpec = s.workload ?? { type: 'idle' };
  if (workload.type === 'trace') {
    if ((s.fidelity ?? 'fluid') !== 'page') bad('fidelity', `expected "page" with a trace workload (traces replay exact page sets), got ${describeValue(s.fidelity ?? 'fluid')}`);
    try {
      const t = loadDirtyTrace(resolvePath(workload.file), false);
      if (t.totalPages !== memoryPages) bad('workload.file', `trace has pages=${t.totalPages}, expected the guest's ${memoryPages} pages (vm.memoryMiB ${s.vm.memoryMiB})`);
    } catch (e) {
      if (e instanceof TraceFormatError) bad('workload.file', e.message);
      else throw e;
    }
  }
  if (m.algorithm === 'cow-checkpoint' && !s.checkpoint) bad('checkpoint', 'expected a checkpoint section (intervalSeconds, …) with algorithm cow-checkpoint, got nothing');
  if (s.failure && !s.checkpoint) bad('failure', 'expected a checkpoint section too (failover restores the last checkpoint), got no checkpoint section');
  if (s.failure && s.failure.atSeconds > (m.startSeconds ?? 0)) bad('failure.atSeconds', `expected at most migration.startSeconds (${m.startSeconds ?? 0}): the failure happens before the migration, got number ${s.failure.atSeconds}`);
  if (problems.length) throw new InputError(problems.join('\n'));

  const policyOrAlg = (resolved.policy ?? resolved.algorithm) as keyof typeof DEFAULT_WIRE_FORMAT;
  return {
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    seed: s.seed ?? 1,
    fidelity: s.fidelity ?? 'fluid',
    concurrentMigrations: s.concurrentMigrations ?? 1,
    vm: { memoryMiB: s.vm.memoryMiB, zeroPageFraction: s.vm.zeroPageFraction ?? 0, zeroPagePlacement: s.vm.zeroPagePlacement ?? 'unwritten-first', bytesChangedPerWrite: s.vm.bytesChangedPerWrite ?? 4096 },
    workload: withWorkloadDefaults(workload),
    network: {
      bandwidthBitsPerSecond: s.network.bandwidthBitsPerSecond,
      latencySeconds: s.network.latencySeconds ?? 0,
      tcpWindowBytes: s.network.tcpWindowBytes ?? null,
      wireFormat: s.network.wireFormat ?? DEFAULT_WIRE_FORMAT[policyOrAlg],
    },
    migration: resolved,
    limits: { maxTimeSeconds: s.limits?.maxTimeSeconds ?? 3600, onTimeout: s.limits?.onTimeout ?? 'cancel' },
    ...(s.checkpoint ? { checkpoint: { ...CHECKPOINT_DEFAULTS, ...s.checkpoint } } : {}),
    ...(s.failure ? { failure: { ...FAILURE_DEFAULTS, ...s.failure } } : {}),
    ...(s.real ? { real: s.real } : {}),
  };
}

function withWorkloadDefaults(w: WorkloadSpec): WorkloadSpec {
  switch (w.type) {
    case 'zipf': return { ...w, exponent: w.exponent ?? 1 };
    case 'phases': return { ...w, repeat: w.repeat ?? false, phases: w.phases.map((p) => ({ ...p, workload: withWorkloadDefaults(p.workload) })) };
    case 'trace': return { ...w, repeat: w.repeat ?? false };
    default: return w;
  }
}

function checkWorkload(w: WorkloadSpec, path: string, memoryMiB: number, bad: (p: string, m: string) => void): void {
  if (w.type === 'phases') { w.phases.forEach((p, i) => checkWorkload(p.workload, `${path}.phases[${i}].workload`, memoryMiB, bad)); return; }
  const offset = 'offsetMiB' in w && w.offsetMiB !== undefined ? w.offsetMiB : 0;
  if (offset >= memoryMiB) bad(`${path}.offsetMiB`, `expected less than vm.memoryMiB (${memoryMiB}), got number ${offset}`);
  const room = memoryMiB - offset;
  const size = (field: string, v: number | undefined): void => {
    if (v !== undefined && v > room + 1e-9) bad(`${path}.${field}`, `expected at most ${room} MiB (vm.memoryMiB − offsetMiB), got number ${v}`);
  };
  if ('workingSetMiB' in w) size('workingSetMiB', w.workingSetMiB);
  if (w.type === 'sweep') size('bufferMiB', w.bufferMiB);
  if (w.type === 'hotcold') {
    const ws = w.workingSetMiB ?? room;
    if (w.hotSetMiB > ws + 1e-9) bad(`${path}.hotSetMiB`, `expected at most the working set (${ws} MiB), got number ${w.hotSetMiB}`);
  }
}
