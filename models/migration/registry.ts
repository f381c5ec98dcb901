import { precopyQemu } from './precopyQemu.ts';
import { precopySimgrid } from './precopySimgrid.ts';
import { precopyXen } from './precopyXen.ts';
import { makeLegacyPrecopy } from './precopyXenLegacy.ts';
import { stopAndCopyAlgorithm } from './stopAndCopy.ts';
import { postcopyAlgorithm } from './postcopy.ts';
import type { AlgorithmName, MigrationAlgorithm, PolicyName } from './types.ts';

const precopyPolicies: Record<PolicyName, MigrationAlgorithm> = {
  xen: precopyXen,
  'xen-legacy': makeLegacyPrecopy(false),
  clark05: makeLegacyPrecopy(true),
  qemu: precopyQemu,
  simgrid: precopySimgrid,
};

/** The one place algorithms are looked up by name. */
export function algorithmFor(algorithm: AlgorithmName, policy: PolicyName | null): MigrationAlgorithm {
  if (algorithm === 'stop-and-copy') return stopAndCopyAlgorithm;
  if (algorithm === 'postcopy') return postcopyAlgorithm;
  // cow-checkpoint runs the chosen pre-copy policy from the checkpoint baseline (see runScenario);
  // hybrid runs its live rounds, and ends in post-copy instead of stop-and-copy unless they converge
  // (rounds.ts stopAndCopy).
  if (algorithm === 'precopy' || algorithm === 'cow-checkpoint' || algorithm === 'hybrid') {
    const a = policy ? precopyPolicies[policy] : undefined;
    if (!a) throw new Error(`${algorithm} needs a policy (${Object.keys(precopyPolicies).join(', ')}), got ${JSON.stringify(policy)}`);
    return a;
  }
  throw new Error(`unknown algorithm ${JSON.stringify(algorithm)}`);
}

export const POLICY_NAMES = Object.keys(precopyPolicies) as PolicyName[];
