import type { MigrationSettings } from '../settings.ts';
import type { Composition } from '../types.ts';
import { cowCheckpoint } from './cowCheckpoint.ts';
import { hybrid } from './hybrid.ts';
import { postcopy } from './postcopy.ts';
import { precopy } from './precopy.ts';
import { stopAndCopy } from './stopAndCopy.ts';
import { traceReplay } from './traceReplay.ts';

/**
 * The migration algorithms a scenario can name, each a composition of a starting point, live
 * rounds and a final phase. Adding one: a file in this folder and a line here (and its name in the
 * schema's `migration.algorithm` enum; a test checks they agree).
 */
export const COMPOSITIONS = {
  'stop-and-copy': stopAndCopy,
  precopy,
  'cow-checkpoint': cowCheckpoint,
  postcopy,
  hybrid,
  'trace-replay': traceReplay,
} satisfies Record<string, (m: MigrationSettings) => Composition>;

export type AlgorithmName = keyof typeof COMPOSITIONS;
export const ALGORITHM_NAMES = Object.keys(COMPOSITIONS) as AlgorithmName[];

export function composition(m: MigrationSettings): Composition {
  const build = (COMPOSITIONS as Record<string, (m: MigrationSettings) => Composition>)[m.algorithm];
  if (!build) throw new Error(`internal: unknown algorithm ${JSON.stringify(m.algorithm)} (${ALGORITHM_NAMES.join(', ')})`);
  return build(m);
}
