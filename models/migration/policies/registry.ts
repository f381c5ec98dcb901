import { pick, type MigrationSettings } from '../settings.ts';
import type { LivePolicy, PolicyName } from '../types.ts';
import { qemuPolicy, QEMU_FEATURES, QEMU_PARAMETERS } from './qemu.ts';
import { simgridPolicy, SIMGRID_PARAMETERS } from './simgrid.ts';
import { xenPolicy, XEN_PARAMETERS } from './xen.ts';
import { microwiperPolicy, MICROWIPER_PARAMETERS } from './microwiper.ts';
import { clark05Policy, CLARK05_PARAMETERS, xenLegacyPolicy, XEN_LEGACY_PARAMETERS } from './xenLegacy.ts';

/**
 * The pre-copy policies by name: each owns its parameter object (the fields it reads from the
 * scenario's migration section, listed once here; a test checks them against the schema's
 * `x-miglab-defaults`). Adding a policy: a file in this folder and a line here.
 */
export const POLICIES: Record<PolicyName, { parameters: readonly (keyof MigrationSettings)[]; create(m: MigrationSettings): LivePolicy }> = {
  xen: { parameters: XEN_PARAMETERS, create: (m) => xenPolicy(pick(m, 'policy xen', XEN_PARAMETERS)) },
  'xen-legacy': { parameters: XEN_LEGACY_PARAMETERS, create: (m) => xenLegacyPolicy(pick(m, 'policy xen-legacy', XEN_LEGACY_PARAMETERS)) },
  clark05: { parameters: CLARK05_PARAMETERS, create: (m) => clark05Policy(pick(m, 'policy clark05', CLARK05_PARAMETERS)) },
  // The features are optional (absent: off).
  qemu: { parameters: [...QEMU_PARAMETERS, ...QEMU_FEATURES], create: (m) => qemuPolicy({ ...pick(m, 'policy qemu', QEMU_PARAMETERS), autoConverge: m.autoConverge ?? null, multifdChannels: m.multifd?.channels ?? null }) },
  simgrid: { parameters: SIMGRID_PARAMETERS, create: (m) => simgridPolicy(pick(m, 'policy simgrid', SIMGRID_PARAMETERS)) },
  microwiper: { parameters: MICROWIPER_PARAMETERS, create: (m) => microwiperPolicy(pick(m, 'policy microwiper', MICROWIPER_PARAMETERS)) },
};

export const POLICY_NAMES = Object.keys(POLICIES) as PolicyName[];

/** The live policy a composition's settings name. */
export function livePolicy(m: MigrationSettings): LivePolicy {
  const entry = m.policy !== undefined ? POLICIES[m.policy] : undefined;
  if (!entry) throw new Error(`internal: algorithm ${m.algorithm} needs a policy (${POLICY_NAMES.join(', ')}), got ${JSON.stringify(m.policy)}`);
  return entry.create(m);
}
