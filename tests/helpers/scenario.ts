import { validateScenario } from '../../models/scenario/validate.ts';
import type { Scenario } from '../../models/scenario/types.ts';

/** Builds a validated scenario from a partial object (tests only). */
export function scenario(partial: Record<string, unknown>): Scenario {
  const base = { name: 'test', vm: { memoryMiB: 256 }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'xen' } };
  return validateScenario({ ...base, ...partial }, 'test.json', (p) => p);
}

export const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
