import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { PAGE_SIZE_BYTES, MIB_BYTES } from '../units/pageSize.ts';
import { loadDirtyTrace, TraceFormatError } from '../workload/trace.ts';
import { loadBufferLayout, LayoutFormatError } from '../workload/layout.ts';
import type { WorkloadSpec } from '../workload/spec.ts';
import { sweepBufferPages } from '../workload/build.ts';
import { describeValue, InputError } from '../input/errors.ts';
import { BOUNDS, boundText } from '../bounds.ts';
import { compileWorkloadCached } from '../workload/build.ts';
import { writtenPages, zeroFractionFromFootprint } from '../memory/zeroPages.ts';
import { loadZeroMap, ZeroMapFormatError } from '../memory/zeroMap.ts';
import type { QemuReplaySettings, ResolvedMigrationSpec, Scenario, XenReplaySettings } from './types.ts';
import type { MecomParameters } from '../network/wire/mecom.ts';

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

/** The allowed name nearest to a misspelled one (case-insensitive edit distance ≤ a third of its length), or null. */
export function closestName(name: string, allowed: string[]): string | null {
  const d = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]; row[0] = i;
      for (let j = 1; j <= b.length; j++) { const t = row[j]; row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1)); prev = t; }
    }
    return row[b.length];
  };
  let best: string | null = null, bestD = Infinity;
  for (const c of allowed) { const x = d(name.toLowerCase(), c.toLowerCase()); if (x < bestD) { best = c; bestD = x; } }
  return best !== null && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

function formatAjvError(e: ErrorObject): string | null {
  const got = describeValue(e.data);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${fieldPath(e.instancePath, String(p.missingProperty))}: expected a value (required), got nothing`;
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {}).filter((k) => k !== '$schema');
      const guess = closestName(String(p.additionalProperty), allowed);
      return `${fieldPath(e.instancePath, String(p.additionalProperty))}: unknown field${guess ? ` (did you mean ${guess}?)` : ''}; expected one of ${allowed.join(', ')}`;
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

/** One line per schema error (`path: expected …, got …`), duplicates and covered ones left out; for other schemas' validators too. */
export function schemaErrorLines(errors: ErrorObject[]): string[] {
  return [...new Set(errors.map(formatAjvError).filter((x): x is string => x !== null))];
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
  // Whether the zero-page fraction was given (the validator fills its default in): left out with
  // a footprint, it is derived from the footprint (the schema's x-miglab-default-unless).
  const zeroGiven = (data as { vm?: { zeroPageFraction?: unknown } } | null)?.vm?.zeroPageFraction !== undefined;
  const placementGiven = (data as { vm?: { zeroPagePlacement?: unknown } } | null)?.vm?.zeroPagePlacement !== undefined;
  const validate = validator();
  if (!validate(data)) {
    const lines = schemaErrorLines(validate.errors ?? []);
    throw new InputError(lines.map((l) => `${file}: ${l}`).join('\n'));
  }
  const s = data as Record<string, any>;
  const problems: string[] = [];
  const bad = (path: string, msg: string): void => { problems.push(`${file}: ${path}: ${msg}`); };

  const memoryPages = mibToPages(s.vm.memoryMiB);
  if (memoryPages < 1) bad('vm.memoryMiB', `expected at least one 4 KiB page (≥ 0.00390625 MiB), got number ${s.vm.memoryMiB}`);

  // Migration: which fields the algorithm and policy use, and their defaults (from the schema).
  const m = s.migration;
  const resolved = resolveMigration(m, bad);
  if (resolved.policy === 'microwiper' && (s.workload as { type: string }).type === 'trace') bad('migration.policy', `"microwiper" orders pages by the workload's rates: expected a workload other than a trace, got a trace`);
  if (resolved.selfBallooning && (s.workload as { type: string }).type === 'trace') bad('migration.selfBallooning', `the balloon holds the free pages where the workload never writes: expected a workload other than a trace, got a trace`);
  if (resolved.xbzrle && s.fidelity !== 'page') bad('migration.xbzrle', `QEMU's XBZRLE cache is keyed by page address: expected fidelity "page", got ${describeValue(s.fidelity)}`);
  if (resolved.xbzrle) {
    // QEMU refuses a cache larger than guest RAM or not a power of two pages (migration/options.c, page_cache.c cache_init).
    const pages = resolved.xbzrle.cacheBytes / PAGE_SIZE_BYTES;
    if (resolved.xbzrle.cacheBytes > s.vm.memoryMiB * MIB_BYTES) bad('migration.xbzrle.cacheBytes', `expected at most the guest's memory (${s.vm.memoryMiB * MIB_BYTES} bytes), as QEMU requires, got number ${resolved.xbzrle.cacheBytes}`);
    else if (!Number.isInteger(pages) || (pages & (pages - 1)) !== 0) bad('migration.xbzrle.cacheBytes', `expected a power of two pages of ${PAGE_SIZE_BYTES} bytes, as QEMU requires, got number ${resolved.xbzrle.cacheBytes}`);
  }
  if (resolved.xbzrle && resolved.algorithm !== 'precopy') bad('migration.xbzrle', `modelled for pre-copy only (QEMU sends post-copy and checkpoint pages without it): expected algorithm "precopy", got ${describeValue(resolved.algorithm)}`);
  const mf = resolved.multifd;
  if (mf && mf.compression !== 'none' && mf.compressedPageBytes === undefined) bad('migration.multifd.compressedPageBytes', `expected the bytes a non-zero page of this guest compresses to with ${mf.compression} (its data decides; measure it once), got nothing`);
  if (mf && mf.compression === 'none' && mf.compressedPageBytes !== undefined) bad('migration.multifd.compressedPageBytes', `used only with compression "zlib" or "zstd", got compression "none"`);
  if (mf && mf.compression === 'none' && mf.footprintCompressedPageBytes !== undefined) bad('migration.multifd.footprintCompressedPageBytes', `used only with compression "zlib" or "zstd", got compression "none"`);
  if (mf && resolved.xbzrle) bad('migration.multifd', 'QEMU refuses multifd together with xbzrle: expected one of them, got both');
  if (mf && resolved.algorithm !== 'precopy') bad('migration.multifd', `modelled for pre-copy only: expected algorithm "precopy", got ${describeValue(resolved.algorithm)}`);
  for (const c of (s.real?.qemu?.capabilities ?? []) as string[]) {
    const field = c === 'auto-converge' ? 'autoConverge' : c === 'xbzrle' ? 'xbzrle' : c === 'multifd' ? 'multifd' : null;
    if (field) bad('real.qemu.capabilities', `"${c}" is declared as migration.${field} (its parameters there, read by the simulator and the replay alike): expected it out of real.qemu.capabilities, got it listed`);
  }
  if (resolved.postcopyPush !== undefined && resolved.postcopyPush !== 'address-order' && s.fidelity !== 'page') bad('migration.postcopyPush', `${JSON.stringify(resolved.postcopyPush)} follows each fault's address: expected fidelity "page", got ${describeValue(s.fidelity)}`);

  // Workload sizes must fit in the guest.
  checkWorkload(s.workload, 'workload', s.vm.memoryMiB, bad);
  const workload: WorkloadSpec = s.workload;
  // How long the workload may have to be played: to the migration's deadline.
  const horizonSeconds = m.startSeconds + m.setupSeconds + s.limits.maxTimeSeconds;
  if (workload.type === 'trace') {
    if (s.fidelity !== 'page') bad('fidelity', `expected "page" with a trace workload (traces replay exact page sets), got ${describeValue(s.fidelity)}`);
    try {
      const t = loadDirtyTrace(resolvePath(workload.file), false, memoryPages);
      if (t.totalPages !== memoryPages) bad('workload.file', `trace has pages=${t.totalPages}, expected the guest's ${memoryPages} pages (vm.memoryMiB ${s.vm.memoryMiB})`);
      else if (workload.repeat && horizonSeconds / t.intervalSeconds > BOUNDS.workloadStepsPerRun.value) bad('workload.repeat', `a ${t.intervalSeconds} s trace interval repeated for up to ${horizonSeconds} s is ${(horizonSeconds / t.intervalSeconds).toExponential(2)} intervals; ${boundText('workloadStepsPerRun')}`);
    } catch (e) {
      if (e instanceof TraceFormatError) bad('workload.file', e.message);
      else throw e;
    }
  }
  // A sweep's start page within its buffer, and its physical layout (workload.layoutFile): page level only, and the file must fit its buffer.
  const sweeps: [string, WorkloadSpec][] = workload.type === 'phases' ? workload.phases.map((p, i) => [`workload.phases[${i}].workload`, p.workload]) : [['workload', workload]];
  for (const [path, w] of sweeps) {
    if (w.type !== 'sweep') continue;
    const bufferPages = sweepBufferPages(w, memoryPages);
    if (w.startPage !== undefined && w.startPage >= bufferPages) bad(`${path}.startPage`, `expected a page of the buffer, 0 to ${bufferPages - 1} (its ${bufferPages} pages), got ${w.startPage}`);
    if (w.layoutFile === undefined) continue;
    if (s.fidelity !== 'page') { bad(`${path}.layoutFile`, `a buffer's physical order is page-level: expected fidelity "page", got ${describeValue(s.fidelity)}`); continue; }
    try {
      loadBufferLayout(resolvePath(w.layoutFile), bufferPages);
    } catch (e) {
      if (e instanceof LayoutFormatError) bad(`${path}.layoutFile`, e.message);
      else throw e;
    }
  }
  if (workload.type === 'phases' && workload.repeat) {
    const cycleSeconds = workload.phases.reduce((a, p) => a + p.durationSeconds, 0);
    const steps = (horizonSeconds / cycleSeconds) * workload.phases.length;
    if (steps > BOUNDS.workloadStepsPerRun.value) bad('workload.phases', `a ${cycleSeconds} s cycle of ${workload.phases.length} phases repeated for up to ${horizonSeconds} s is ${steps.toExponential(2)} phases; ${boundText('workloadStepsPerRun')}`);
  }
  // Memory and time bounds, before any work (models/bounds.ts).
  const simulatedPages = memoryPages * s.concurrentMigrations;
  if (s.fidelity === 'page' && simulatedPages > BOUNDS.pageLevelPages.value) bad('fidelity', `"page" for ${s.concurrentMigrations} guest(s) of ${memoryPages.toLocaleString('en-US')} pages is ${simulatedPages.toLocaleString('en-US')} pages; ${boundText('pageLevelPages')}`);
  if (s.checkpoint) {
    const count = Math.floor(Math.max(0, m.startSeconds - s.checkpoint.firstAtSeconds) / s.checkpoint.intervalSeconds) + 1;
    const what = `a checkpoint every ${s.checkpoint.intervalSeconds} s from ${s.checkpoint.firstAtSeconds} s to the migration at ${m.startSeconds} s is ${count.toLocaleString('en-US')} checkpoints`;
    if (count > BOUNDS.checkpointsPerRun.value) bad('checkpoint.intervalSeconds', `${what}; ${boundText('checkpointsPerRun')}`);
    else if (s.fidelity === 'page' && count * memoryPages > BOUNDS.checkpointPageScans.value) bad('checkpoint.intervalSeconds', `${what} of ${memoryPages.toLocaleString('en-US')} pages each at page level; ${boundText('checkpointPageScans')}`);
  }
  if (m.algorithm === 'cow-checkpoint' && !s.checkpoint) bad('checkpoint', 'expected a checkpoint section (intervalSeconds, …) with algorithm cow-checkpoint, got nothing');
  if (s.failure && !s.checkpoint) bad('failure', 'expected a checkpoint section too (failover restores the last checkpoint), got no checkpoint section');
  if (s.failure && s.failure.atSeconds > m.startSeconds) bad('failure.atSeconds', `expected at most migration.startSeconds (${m.startSeconds}): the failure happens before the migration, got number ${s.failure.atSeconds}`);
  const fp = s.vm.footprint as { idleMiB: number; reusableMiB: number; topMiB?: number; mapFile?: string } | undefined;
  if (fp?.mapFile !== undefined) {
    if (placementGiven) bad('vm.zeroPagePlacement', `the image's map (vm.footprint.mapFile) places the zero pages: expected no zeroPagePlacement with it, got ${describeValue(s.vm.zeroPagePlacement)}`);
    if ((s.workload as { type: string }).type === 'trace') bad('vm.footprint.mapFile', 'a trace workload places its zero pages evenly: expected no map with it, got a file');
    try { loadZeroMap(resolvePath(fp.mapFile), s.vm.memoryMiB); } catch (e) { if (e instanceof ZeroMapFormatError) bad('vm.footprint.mapFile', e.message); else throw e; }
  }
  if (fp && fp.reusableMiB > fp.idleMiB) bad('vm.footprint.reusableMiB', `expected at most vm.footprint.idleMiB (${fp.idleMiB}): the freed part of the idle footprint, got number ${fp.reusableMiB}`);
  if (fp && fp.topMiB !== undefined && fp.topMiB > fp.idleMiB) bad('vm.footprint.topMiB', `expected at most vm.footprint.idleMiB (${fp.idleMiB}): the part of the idle footprint at the top of memory, got number ${fp.topMiB}`);
  if (fp && fp.idleMiB > s.vm.memoryMiB) bad('vm.footprint.idleMiB', `expected at most vm.memoryMiB (${s.vm.memoryMiB}): the idle guest's non-zero memory, got number ${fp.idleMiB}`);
  if (s.vm.osHotPages > 0 && (s.workload as { type: string }).type === 'trace') bad('vm.osHotPages', 'expected 0 with a trace workload (the trace already holds every write the guest made, its OS\'s too), got number ' + s.vm.osHotPages);
  if (s.vm.pageWalksDirtyPageTables && (s.workload as { type: string }).type === 'trace') bad('vm.pageWalksDirtyPageTables', 'expected false with a trace workload (the trace already holds every page the guest dirtied, its page tables too), got true');
  const wireName = s.network.wireFormat ?? (problems.length ? undefined : defaultFor(migrationFields.wireFormatField, resolved.algorithm, resolved.policy));
  if (wireName === 'mecom' && !(resolved.algorithm === 'stop-and-copy' || (resolved.algorithm === 'precopy' && ['xen', 'xen-legacy', 'clark05'].includes(resolved.policy ?? ''))))
    bad('network.wireFormat', `"mecom" is modelled on Xen's stream: expected algorithm "precopy" with policy "xen", "xen-legacy" or "clark05", or algorithm "stop-and-copy"; got algorithm ${JSON.stringify(resolved.algorithm)}${resolved.policy ? ` with policy ${JSON.stringify(resolved.policy)}` : ''}`);
  if (s.network.zeroPageSeconds > 0 && wireName !== undefined && wireName !== 'qemu') bad('network.zeroPageSeconds', `the cost of QEMU's zero-page detection: expected 0 with network.wireFormat ${JSON.stringify(wireName)} (it sends no zero pages of its own kind), got number ${s.network.zeroPageSeconds}`);
  if (s.compression !== undefined && wireName !== undefined && wireName !== 'mecom') bad('compression', `used only with network.wireFormat "mecom", got wireFormat ${JSON.stringify(wireName)}`);
  if (problems.length) throw new InputError(problems.join('\n'));
  if (!zeroGiven && fp) {
    const compiled = compileWorkloadCached(workload, memoryPages, resolvePath);
    s.vm.zeroPageFraction = zeroFractionFromFootprint(memoryPages, mibToPages(fp.idleMiB), mibToPages(fp.reusableMiB), writtenPages(compiled));
  }

  // Every plain default was filled in by the validator (useDefaults, from the schema's `default`);
  // the objects are rebuilt here in a fixed key order (the echo in summary.json).
  const v = s.vm, n = s.network, c = s.checkpoint, f = s.failure;
  return {
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    seed: s.seed,
    fidelity: s.fidelity,
    concurrentMigrations: s.concurrentMigrations,
    vm: { memoryMiB: v.memoryMiB, zeroPageFraction: v.zeroPageFraction, zeroPagePlacement: v.zeroPagePlacement, bytesChangedPerWrite: v.bytesChangedPerWrite, osHotPages: v.osHotPages, pageWalksDirtyPageTables: v.pageWalksDirtyPageTables, workloadCpuFraction: v.workloadCpuFraction, ...(v.footprint !== undefined ? { footprint: { idleMiB: v.footprint.idleMiB, reusableMiB: v.footprint.reusableMiB, ...(v.footprint.topMiB !== undefined ? { topMiB: v.footprint.topMiB } : {}), ...(v.footprint.mapFile !== undefined ? { mapFile: v.footprint.mapFile } : {}) } } : {}) },
    workload,
    network: {
      bandwidthBitsPerSecond: n.bandwidthBitsPerSecond,
      latencySeconds: n.latencySeconds,
      tcpWindowBytes: n.tcpWindowBytes,
      zeroPageSeconds: n.zeroPageSeconds,
      wireFormat: wireName,
    },
    ...(wireName === 'mecom' ? { compression: compressionSection(s.compression) } : {}),
    migration: resolved,
    limits: { maxTimeSeconds: s.limits.maxTimeSeconds, onTimeout: s.limits.onTimeout },
    ...(c ? { checkpoint: { firstAtSeconds: c.firstAtSeconds, pauseFixedSeconds: c.pauseFixedSeconds, writeProtectSecondsPerPage: c.writeProtectSecondsPerPage, cowFaultSeconds: c.cowFaultSeconds, pageCopySeconds: c.pageCopySeconds, maxBandwidthBytesPerSecond: c.maxBandwidthBytesPerSecond, onOverrun: c.onOverrun, intervalSeconds: c.intervalSeconds } } : {}),
    ...(f ? { failure: { heartbeatIntervalSeconds: f.heartbeatIntervalSeconds, missedHeartbeats: f.missedHeartbeats, restoreBytesPerSecond: f.restoreBytesPerSecond, resumeSeconds: f.resumeSeconds, bootSeconds: f.bootSeconds, jobLengthSeconds: f.jobLengthSeconds, atSeconds: f.atSeconds } } : {}),
    ...(s.real ? { real: s.real } : {}),
  };
}

/** The compression section in the schema's key order, its defaults filled in where it was left out. */
function compressionSection(given: Record<string, number> | undefined): MecomParameters {
  const props = (scenarioSchema as any).properties.compression.properties as Record<string, { default: number }>;
  return Object.fromEntries(Object.entries(props).map(([k, f]) => [k, given?.[k] ?? f.default])) as unknown as MecomParameters;
}

/** A field's `x-miglab-defaults`: its default for each algorithm or policy that uses it. */
type DefaultsByUser = Record<string, number | string | null>;
interface FieldSchema { type?: string | string[]; 'x-miglab-defaults'?: DefaultsByUser; 'x-miglab-default-unless'?: string; 'x-miglab-required-by'?: string[] }

const migrationFields = (() => {
  const props = (scenarioSchema as any).properties;
  return {
    fields: props.migration.properties as Record<string, FieldSchema>,
    wireFormatField: props.network.properties.wireFormat as FieldSchema,
  };
})();

/** The entry of `x-miglab-defaults` that applies: keyed by the algorithm, else by the policy; undefined when the field is not used. */
function usedWith(field: FieldSchema, algorithm: string, policy: string | undefined): { value: number | string | null } | undefined {
  const d = field['x-miglab-defaults'];
  if (!d) return undefined;
  if (algorithm in d) return { value: d[algorithm] };
  if (policy !== undefined && policy in d) return { value: d[policy] };
  return undefined;
}

function defaultFor(field: FieldSchema, algorithm: string, policy: string | undefined): any {
  const u = usedWith(field, algorithm, policy);
  if (!u) throw new Error(`internal: the schema declares no default for algorithm ${algorithm}, policy ${policy}`);
  return u.value;
}

const admitsNull = (f: FieldSchema): boolean => f.type === 'null' || (Array.isArray(f.type) && f.type.includes('null'));

/**
 * The migration section with the fields its algorithm and policy use, each given or defaulted as
 * the schema's `x-miglab-defaults` says; a field they do not use is refused. A default of null on a
 * field that cannot be null means "used, no default" (left out unless given).
 */
function resolveMigration(m: Record<string, any>, bad: (path: string, msg: string) => void): ResolvedMigrationSpec {
  const fields = migrationFields.fields;
  const out: Record<string, unknown> = {};
  const algorithm = m.algorithm as string;
  for (const [name, f] of Object.entries(fields)) {
    if (name === 'policy') {
      const needs = f['x-miglab-required-by'] ?? [];
      if (needs.includes(algorithm)) {
        if (m.policy === undefined) bad('migration.policy', `expected one of ${(fields.policy as any).enum.map((x: string) => JSON.stringify(x)).join(', ')} for ${algorithm}, got nothing`);
        else out.policy = m.policy;
      } else if (m.policy !== undefined) bad('migration.policy', `expected no policy for ${algorithm}, got ${describeValue(m.policy)}`);
      continue;
    }
    if (!f['x-miglab-defaults']) { if (m[name] !== undefined) out[name] = m[name]; continue; } // plain defaults: filled by the validator
    const u = usedWith(f, algorithm, m.policy);
    if (!u) {
      if (m[name] !== undefined) {
        const users = Object.keys(f['x-miglab-defaults']);
        const algorithms = (fields.algorithm as { enum: string[] }).enum;
        const byAlgorithm = users.filter((u) => algorithms.includes(u)), byPolicy = users.filter((u) => !algorithms.includes(u));
        bad(`migration.${name}`, byPolicy.length === 0
          ? `not used by ${algorithm}; expected it only with algorithm ${users.map((u) => JSON.stringify(u)).join(' or ')}, got ${describeValue(m[name])}`
          : `not used by ${m.policy ? `policy ${m.policy}` : algorithm}; expected it only with ${byPolicy.join(', ')}${byAlgorithm.length ? ` (or algorithm ${byAlgorithm.map((u) => JSON.stringify(u)).join(' or ')})` : ''}, got ${describeValue(m[name])}`);
      }
      continue;
    }
    if (m[name] !== undefined) out[name] = m[name];
    else if ((f['x-miglab-required-by'] ?? []).includes(algorithm)) bad(`migration.${name}`, `expected a ${f.type === 'integer' ? 'whole number' : 'number'} for algorithm ${JSON.stringify(algorithm)}, which needs it (${(f as { description?: string }).description?.replace(/^[^:]*: /, '').replace(/ —.*$|\.$/, '') ?? ''}), got nothing`);
    else if (f['x-miglab-default-unless'] !== undefined && m[f['x-miglab-default-unless']] !== undefined) continue;
    else if (u.value === null && !admitsNull(f)) continue;
    else out[name] = u.value;
  }
  return out as unknown as ResolvedMigrationSpec;
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

/** A `real.qemu` section with every default of the schema filled in. */
export interface QemuReplaySettingsResolved {
  capabilities: NonNullable<QemuReplaySettings['capabilities']>;
  /** When to issue migrate-start-postcopy: the migration's own switch time (hybrid), else real.qemu's; undefined: never. */
  postcopyAfterSeconds: number | undefined;
  /** xbzrle-cache-size (with migration.xbzrle). */
  xbzrleCacheBytes: number | undefined;
  /** multifd's parameters (with migration.multifd). */
  multifd: NonNullable<Scenario['migration']['multifd']> | undefined;
  /** auto-converge's parameters (with migration.autoConverge). */
  autoConverge: NonNullable<Scenario['migration']['autoConverge']> | undefined;
  /** The dirtier's vCPU share, % (vm.workloadCpuFraction with auto-converge, else 0: writes cost only themselves). */
  dirtierCpuPercent: number;
  /** Random bytes per page of the dirtier's buffer (migration.multifd.compressedPageBytes with compression, else 0). */
  dirtierEntropyBytes: number;
  warmupSeconds: number;
  bootTimeoutSeconds: number;
  /** Back all guest memory on both hosts before the guest boots (QEMU's -mem-prealloc). */
  preallocateMemory: boolean;
}

let qemuSection: ReturnType<Ajv['compile']> | null = null;

/** The replay settings of a scenario on QEMU: its `real.qemu` section, or the schema's defaults where it has none. */
export function qemuReplaySettings(s: Scenario): QemuReplaySettingsResolved {
  if (!qemuSection) {
    const schema = (scenarioSchema as any).properties.real.properties.qemu;
    qemuSection = new Ajv({ useDefaults: true, strict: false }).compile(schema);
  }
  const q = structuredClone(s.real?.qemu ?? {}) as Record<string, any>;
  if (!qemuSection(q)) throw new Error(`internal: a resolved scenario's real.qemu section does not validate`);
  const m = s.migration;
  return {
    capabilities: [...q.capabilities, ...(m.autoConverge ? ['auto-converge' as const] : []), ...(m.xbzrle ? ['xbzrle' as const] : []), ...(m.multifd ? ['multifd' as const] : [])],
    postcopyAfterSeconds: s.migration.postcopyAfterSeconds !== undefined ? s.migration.postcopyAfterSeconds : q.postcopyAfterSeconds,
    xbzrleCacheBytes: m.xbzrle?.cacheBytes,
    autoConverge: m.autoConverge,
    multifd: m.multifd,
    dirtierCpuPercent: m.autoConverge ? Math.round(100 * s.vm.workloadCpuFraction) : 0,
    dirtierEntropyBytes: m.multifd?.compressedPageBytes ?? 0,
    warmupSeconds: q.warmupSeconds,
    bootTimeoutSeconds: q.bootTimeoutSeconds,
    preallocateMemory: q.preallocateMemory,
  };
}

let xenSection: ReturnType<Ajv['compile']> | null = null;

/** The replay settings of a scenario on Xen: its `real.xen` section with the schema's defaults filled in. */
export function xenReplaySettings(s: Scenario): Required<XenReplaySettings> {
  if (!xenSection) xenSection = new Ajv({ useDefaults: true, strict: false }).compile((scenarioSchema as any).properties.real.properties.xen);
  const x = structuredClone(s.real?.xen ?? {}) as Record<string, any>;
  if (!xenSection(x)) throw new Error(`internal: a resolved scenario's real.xen section does not validate`);
  return { warmupSeconds: x.warmupSeconds, bootTimeoutSeconds: x.bootTimeoutSeconds };
}
