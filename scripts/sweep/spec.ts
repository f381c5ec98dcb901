import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BOUNDS, boundText } from '../../models/bounds.ts';
import { parseJsonInput, readInputFile } from '../../models/input/readFile.ts';
import { RESERVED_KEYS } from '../../models/scenario/load.ts';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { InputError, describeValue } from '../../models/input/errors.ts';

/** A sweep file after validation (see scenarios/sweep.schema.json). */
export interface AxisSpec { field: string; values?: unknown[]; linear?: RangeSpec; log?: RangeSpec }
export interface RangeSpec { from: number; to: number; count: number }
export type AxisOrZip = AxisSpec | { zip: AxisSpec[] };
export interface SweepSpec {
  name: string;
  description?: string;
  base: string | Record<string, unknown>;
  seed: number;
  replicates: number;
  design: { type: 'grid' | 'random' | 'lhs'; samples?: number };
  axes: AxisOrZip[];
  keepRounds: boolean;
}

export interface LoadedSweep {
  spec: SweepSpec;
  file: string;
  /** The base scenario as a raw object (validated per run after the axis values are set). */
  baseRaw: Record<string, unknown>;
  baseFile: string;
  baseDir: string;
  /** sha256 of the sweep file and of its base scenario file: identifies the sweep for resume/merge. */
  hash: string;
}

const schema = JSON.parse(readFileSync(new URL('../../scenarios/sweep.schema.json', import.meta.url), 'utf8'));
let validateFn: ReturnType<Ajv['compile']> | null = null;

function msg(e: ErrorObject): string {
  const path = e.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || '(top level)';
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `${path === '(top level)' ? '' : path + '.'}${p.missingProperty}: expected a value (required), got nothing`;
  if (e.keyword === 'additionalProperties') return `${path === '(top level)' ? '' : path + '.'}${p.additionalProperty}: unknown field`;
  if (e.keyword === 'type') return `${path}: expected ${String(p.type).replace(',', ' or ')}, got ${describeValue(e.data)}`;
  if (e.keyword === 'enum') return `${path}: expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(e.data)}`;
  if (e.keyword === 'minItems') return `${path}: expected at least ${p.limit} item(s), got ${describeValue(e.data)}`;
  return `${path}: ${e.message}, got ${describeValue(e.data)}`;
}

export function loadSweep(file: string): LoadedSweep {
  const text = readInputFile(file, 'sweep file', 'inputFileBytes');
  const raw = parseJsonInput(text, file);
  validateFn ??= new Ajv({ allErrors: true, verbose: true, strict: false, useDefaults: true }).compile(schema);
  if (!validateFn(raw)) {
    const errs = validateFn.errors ?? [];
    // oneOf noise: keep the most specific messages.
    const lines = [...new Set(errs.filter((e) => e.keyword !== 'oneOf').map(msg))];
    throw new InputError(lines.map((l) => `${file}: ${l}`).join('\n'));
  }
  const spec = raw as SweepSpec;
  spec.seed ??= 1; spec.replicates ??= 1; spec.design ??= { type: 'grid' }; spec.keepRounds ??= false;
  const problems: string[] = [];
  const flat = spec.axes.flatMap((a, i) => ('zip' in a ? a.zip.map((z, j) => ({ axis: z, where: `axes[${i}].zip[${j}]` })) : [{ axis: a, where: `axes[${i}]` }]));
  const seen = new Set<string>();
  for (const { axis, where } of flat) {
    const kinds = ['values', 'linear', 'log'].filter((k) => (axis as unknown as Record<string, unknown>)[k] !== undefined);
    if (kinds.length !== 1) problems.push(`${where}: expected exactly one of values, linear, log, got ${kinds.length ? kinds.join(' and ') : 'none'}`);
    if (axis.log && !(axis.log.from > 0 && axis.log.to > 0)) problems.push(`${where}.log: expected from and to > 0, got ${axis.log.from} and ${axis.log.to}`);
    if (seen.has(axis.field)) problems.push(`${where}.field: ${axis.field} appears on two axes`);
    seen.add(axis.field);
    const reserved = axis.field.split('.').find((k) => RESERVED_KEYS.has(k));
    if (reserved !== undefined) problems.push(`${where}.field: ${JSON.stringify(reserved)} is not a scenario field`);
    if (axis.field === 'seed' || axis.field === 'name') problems.push(`${where}.field: expected a scenario field other than seed and name (seeds come from replicates), got ${JSON.stringify(axis.field)}`);
  }
  const oneKind = (a: AxisSpec): boolean => ['values', 'linear', 'log'].filter((k) => (a as unknown as Record<string, unknown>)[k] !== undefined).length === 1;
  spec.axes.forEach((a, i) => {
    if ('zip' in a) {
      if (!a.zip.every(oneKind)) return; // reported above
      const lens = a.zip.map(axisLength);
      if (new Set(lens).size > 1) problems.push(`axes[${i}].zip: expected axes of equal length, got lengths ${lens.join(', ')}`);
      if (spec.design.type !== 'grid') problems.push(`axes[${i}].zip: zipped axes need design grid, got ${spec.design.type}`);
    }
  });
  if (spec.design.type !== 'grid' && spec.design.samples === undefined) problems.push(`design.samples: expected the number of design points for ${spec.design.type}, got nothing`);
  const baseDirOfSweep = dirname(resolve(file));
  let baseRaw: Record<string, unknown>;
  let baseFile = file;
  let baseText = '';
  if (typeof spec.base === 'string') {
    baseFile = resolve(baseDirOfSweep, spec.base);
    try {
      baseText = readInputFile(baseFile, 'base scenario file', 'inputFileBytes');
      baseRaw = parseJsonInput(baseText, baseFile) as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError(`${file}: base: cannot use the scenario ${spec.base} (a relative base is resolved against the sweep file's folder: ${baseFile}): ${e.message}`);
    }
    if (typeof baseRaw !== 'object' || baseRaw === null || Array.isArray(baseRaw)) throw new InputError(`${file}: base: expected the scenario ${spec.base} to hold a JSON object, got ${describeValue(baseRaw)}`);
  } else baseRaw = spec.base;
  if (problems.length === 0 && flat.every(({ axis }) => oneKind(axis))) {
    const points = plannedPoints(spec);
    if (points > BOUNDS.designPoints.value) problems.push(`${spec.design.type === 'grid' ? 'axes' : 'design.samples'}: the sweep plans ${points.toLocaleString('en-US')} design points; ${boundText('designPoints')}`);
  }
  if (problems.length) throw new InputError(problems.map((p) => `${file}: ${p}`).join('\n'));
  const hash = createHash('sha256').update(text).update('\0').update(baseText).digest('hex');
  return { spec, file, baseRaw, baseFile, baseDir: dirname(baseFile), hash };
}

/** Design points a sweep plans, counted without expanding it. */
export function plannedPoints(spec: SweepSpec): number {
  if (spec.design.type !== 'grid') return spec.design.samples!;
  return spec.axes.reduce((n, a) => n * axisLength('zip' in a ? a.zip[0] : a), 1);
}

export function axisLength(a: AxisSpec): number {
  return a.values ? a.values.length : (a.linear ?? a.log)!.count;
}

/** The grid values of one axis. */
export function axisValues(a: AxisSpec): unknown[] {
  if (a.values) return a.values;
  if (a.linear) {
    const { from, to, count } = a.linear;
    return Array.from({ length: count }, (_, k) => (count === 1 ? from : from + ((to - from) * k) / (count - 1)));
  }
  const { from, to, count } = a.log!;
  return Array.from({ length: count }, (_, k) => (count === 1 ? from : Math.exp(Math.log(from) + ((Math.log(to) - Math.log(from)) * k) / (count - 1))));
}
