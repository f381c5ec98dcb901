import { dirname, resolve } from 'node:path';
import { BOUNDS, boundText } from '../bounds.ts';
import { InputError } from '../input/errors.ts';
import { jsonDepth, parseJsonInput, readJsonInput } from '../input/readFile.ts';
import type { LoadedScenario } from './types.ts';
import { validateScenario } from './validate.ts';

/** Parses `path=value` overrides: the value is JSON when it parses as JSON, a string otherwise. */
export function parseOverride(text: string): { path: string[]; value: unknown } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InputError(`--set ${text}: expected path=value (e.g. network.bandwidthBitsPerSecond=1e9)`);
  const path = text.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new InputError(`--set ${text}: expected a dotted field path, got ${JSON.stringify(text.slice(0, eq))}`);
  const reserved = path.find((p) => RESERVED_KEYS.has(p));
  if (reserved !== undefined) throw new InputError(`--set ${text}: ${JSON.stringify(reserved)} is not a scenario field (no scenario field has that name)`);
  const raw = text.slice(eq + 1);
  let value: unknown;
  try { JSON.parse(raw); } catch { return { path, value: raw }; }
  value = parseJsonInput(raw, `--set ${path.join('.')}`);
  return { path, value };
}

/** Names that reach an object's prototype rather than a field: never a path step. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function applyOverride(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    if (RESERVED_KEYS.has(key)) throw new InputError(`--set ${path.join('.')}: ${JSON.stringify(key)} is not a scenario field`);
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) node[key] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new InputError(`--set ${path.join('.')}: ${key} is not an object`);
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (RESERVED_KEYS.has(last)) throw new InputError(`--set ${path.join('.')}: ${JSON.stringify(last)} is not a scenario field`);
  node[last] = value;
}

/** Reads, overrides, validates and resolves a scenario file. */
export function loadScenario(file: string, overrides: string[] = [], seed?: number): LoadedScenario {
  const raw = readJsonInput(file, 'scenario file');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${file}: (top level): expected an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  for (const o of overrides) {
    const { path, value } = parseOverride(o);
    applyOverride(raw as Record<string, unknown>, path, value);
  }
  if (seed !== undefined) (raw as Record<string, unknown>).seed = seed;
  if (jsonDepth(raw) > BOUNDS.jsonDepth.value) throw new InputError(`${file}: with the --set values, nested more than ${BOUNDS.jsonDepth.value} levels deep; ${boundText('jsonDepth')}`);
  const baseDir = dirname(resolve(file));
  const scenario = validateScenario(raw, file, (p) => resolve(baseDir, p));
  return { scenario, file, baseDir };
}
