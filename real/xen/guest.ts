import { InputError } from '../../models/input/errors.ts';
import { composition } from '../../models/migration/compositions/registry.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import { dirtierKernelArgs, type DirtierParams } from '../dirtier.ts';

/** Where the Xen testbed (scripts/testbeds/xen-setup.sh) puts the PV guest's kernel and initramfs in dom0. */
export const TESTBED_GUEST_KERNEL = '/var/lib/miglab/vmlinuz';
export const TESTBED_GUEST_INITRD = '/var/lib/miglab/domU-initrd.cpio.gz';

/** A domain name miglab creates: its own prefix, so cleanup never touches anyone else's domain. */
export const DOMAIN_NAME = /^miglab-[a-z0-9-]{1,48}$/;

/**
 * What Xen can replay: `xl migrate`, i.e. Xen's own pre-copy (policy "xen": xl installs no
 * precopy_policy, so libxenguest's simple policy of at most 5 passes and 50 pages applies — the
 * scenario's maxIterations/dirtyThresholdPages must be those) of a guest the destination does not
 * hold yet, one migration at a time. A checkpoint section is replayed as `xl remus` epochs before
 * the migration (real/xen/remus.ts).
 */
export function xenSupports(s: Scenario, file: string): void {
  const plan = composition(s.migration);
  if (plan.live.name !== 'precopy/xen' || plan.startsFrom !== 'nothing' || plan.cutoff !== null) {
    throw new InputError(`${file}: migration: replaying on Xen needs pre-copy with policy "xen" (what \`xl migrate\` does), got ${s.migration.algorithm}${s.migration.policy ? `/${s.migration.policy}` : ''}`);
  }
  const m = s.migration as unknown as Record<string, unknown>;
  if (m.maxIterations !== 5 || m.dirtyThresholdPages !== 50) {
    throw new InputError(`${file}: migration.maxIterations/dirtyThresholdPages: \`xl migrate\` always uses libxenguest's simple policy (5 passes, 50 pages; xl installs no precopy_policy), got ${m.maxIterations}/${m.dirtyThresholdPages}`);
  }
  if (s.concurrentMigrations !== 1) throw new InputError(`${file}: concurrentMigrations: the Xen replay runs one migration at a time, got ${s.concurrentMigrations}`);
  if (s.limits.onTimeout !== 'cancel') throw new InputError(`${file}: limits.onTimeout: Xen cannot be told to switch over early; a replay can only cancel at limits.maxTimeSeconds (onTimeout "cancel"), got ${JSON.stringify(s.limits.onTimeout)}`);
  if (!Number.isFinite(s.network.bandwidthBitsPerSecond)) throw new InputError(`${file}: network.bandwidthBitsPerSecond: the meter caps the stream at this rate: expected a finite number`);
}

/**
 * The `xl create` configuration of the replay's guest: memory, kernel, initramfs, the dirtier's
 * parameters on the kernel command line. PV (log-dirty through shadow paging), or PVH on a
 * hypervisor without shadow paging but with HAP (the same kernel: Debian's has CONFIG_XEN_PVH).
 */
export function xlConfig(name: string, s: Scenario, d: DirtierParams, kernel: string, initrd: string, type: 'pv' | 'pvh' = 'pv'): string {
  if (!DOMAIN_NAME.test(name)) throw new Error(`internal: domain name ${JSON.stringify(name)}`);
  return [
    `name = "${name}"`,
    `type = "${type}"`,
    `kernel = "${kernel}"`,
    `ramdisk = "${initrd}"`,
    `extra = "console=hvc0 quiet panic=-1 miglab.console=hvc0 ${dirtierKernelArgs(d)}"`,
    `memory = ${Math.round(s.vm.memoryMiB)}`,
    'vcpus = 1',
    'on_crash = "destroy"',
    'on_reboot = "destroy"',
    '',
  ].join('\n');
}
