import type { MultifdParameters } from '../network/wire/multifd.ts';
import type { AutoConvergeParameters } from './policies/qemuAutoConverge.ts';
import type { XbzrleParameters } from '../network/wire/xbzrle.ts';
import type { PolicyName } from './types.ts';

/**
 * The migration section of a resolved scenario: only the fields its algorithm and policy use are
 * present (models/scenario/validate.ts fills them from the schema's defaults). Each policy and
 * phase reads its own fields from it (policies/registry.ts picks a policy's parameter object).
 */
export interface MigrationSettings {
  algorithm: string;
  startSeconds: number;
  setupSeconds: number;
  resumeSeconds: number;
  firstTouchSecondsPerPage: number;
  policy?: PolicyName;
  downtimeLimitSeconds?: number;
  maxBandwidthBytesPerSecond?: number | null;
  windowOverrunSeconds?: number;
  autoConverge?: AutoConvergeParameters;
  xbzrle?: XbzrleParameters;
  multifd?: MultifdParameters;
  maxIterations?: number;
  dirtyThresholdPages?: number;
  maxFactor?: number;
  startBitsPerSecond?: number;
  incrementBitsPerSecond?: number;
  maxBitsPerSecond?: number;
  postcopyAfterRounds?: number;
  postcopyAfterSeconds?: number;
  postcopyPush?: 'address-order' | 'from-last-fault' | 'bubbling' | 'backward';
  selfBallooning?: boolean;
  traceLogBytesPerSecond?: number;
  replaySpeedup?: number;
}

/**
 * The fields `names` of `m`, which the resolver guarantees for the algorithm or policy that asks
 * for them (an absent one is a bug, not a user error).
 */
export function pick<K extends keyof MigrationSettings>(m: MigrationSettings, owner: string, names: readonly K[]): { [P in K]-?: Exclude<MigrationSettings[P], undefined> } {
  const out = {} as { [P in K]-?: Exclude<MigrationSettings[P], undefined> };
  for (const n of names) {
    const v = m[n];
    if (v === undefined) throw new Error(`internal: ${owner} needs migration.${String(n)}, which the scenario resolver did not fill in`);
    (out as Record<string, unknown>)[n as string] = v;
  }
  return out;
}

/** An optional limit of the settings: absent means never reached (Infinity). */
export const orNever = (x: number | undefined): number => (x === undefined ? Infinity : x);
