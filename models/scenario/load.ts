import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.ts';
import type { LoadedScenario } from './types.ts';
import { validateScenario } from './validate.ts';

/** Parses `path=value` overrides: the value is JSON when it parses as JSON, a string otherwise. */
export function parseOverride(text: string): { path: string[]; value: unknown } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InputError(`--set ${text}: expected path=value (e.g. network.bandwidthBitsPerSecond=1e9)`);
  const path = text.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new InputError(`--set ${text}: expected a dotted field path, got ${JSON.stringify(text.slice(0, eq))}`);
  const raw = text.slice(eq + 1);
  let value: unknown;
  try { value = JSON.parse(raw); } catch { value = raw; }
  return { path, value };
}

export function applyOverride(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new InputError(`--set ${path.join('.')}: ${key} is not an object`);
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Reads, overrides, validates and resolves a scenario file. */
export function loadScenario(file: string, overrides: string[] = [], seed?: number): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read the scenario file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${file}: (top level): expected an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  for (const o of overrides) {
    const { path, value } = parseOverride(o);
    applyOverride(raw as Record<string, unknown>, path, value);
  }
  if (seed !== undefined) (raw as Record<string, unknown>).seed = seed;
  const baseDir = dirname(resolve(file));
  const scenario = validateScenario(raw, file, (p) => resolve(baseDir, p));
  return { scenario, file, baseDir };
}
