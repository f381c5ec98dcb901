import { InputError } from '../../models/input/errors.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import { qemuReplaySettings } from '../../models/scenario/validate.ts';
import { composition } from '../../models/migration/compositions/registry.ts';

/**
 * QEMU migration capabilities a replay sets: the scenario's own, plus postcopy-ram when the
 * migration's composition can end in post-copy (hybrid). And when to issue migrate-start-postcopy
 * (seconds after the start), if ever.
 */
export function qemuCapabilities(s: Scenario): { capabilities: string[]; postcopyAfterSeconds: number | undefined } {
  const settings = qemuReplaySettings(s);
  const caps: string[] = [...settings.capabilities];
  if (composition(s.migration).final.name !== 'stop-and-copy' && !caps.includes('postcopy-ram')) caps.push('postcopy-ram');
  return { capabilities: caps, postcopyAfterSeconds: settings.postcopyAfterSeconds };
}

/**
 * What QEMU can replay: live rounds by QEMU's own policy from a guest the destination does not hold
 * yet, ending in stop-and-copy or (on request) in post-copy; one migration at a time.
 */
export function qemuSupports(s: Scenario, file: string): void {
  const plan = composition(s.migration);
  if (plan.live.name !== 'precopy/qemu' || plan.startsFrom !== 'nothing') {
    throw new InputError(`${file}: migration: replaying on QEMU needs live rounds of policy "qemu" (QEMU's own rules) from a guest the destination does not hold yet: algorithm precopy or hybrid, got ${s.migration.algorithm}${s.migration.policy ? `/${s.migration.policy}` : ''}`);
  }
  if (plan.cutoff !== null && s.migration.postcopyAfterSeconds === undefined) {
    throw new InputError(`${file}: migration.postcopyAfterSeconds: replaying ${s.migration.algorithm} on QEMU needs the switch time (QEMU switches to post-copy when asked: migrate-start-postcopy), got nothing`);
  }
  const settings = qemuReplaySettings(s);
  if (settings.capabilities.includes('background-snapshot')) {
    throw new InputError(`${file}: real.qemu.capabilities: background-snapshot is not a migration capability here; give the scenario a checkpoint section and the replay takes its checkpoints as background snapshots`);
  }
  if (settings.preallocateMemory && qemuCapabilities(s).capabilities.includes('postcopy-ram')) {
    throw new InputError(`${file}: real.qemu.preallocateMemory: not with post-copy (the destination's post-copy faults need guest memory it has not backed yet); set it false or migrate by pre-copy alone`);
  }
  if (s.concurrentMigrations !== 1) throw new InputError(`${file}: concurrentMigrations: the QEMU testbed replays one migration at a time, got ${s.concurrentMigrations}`);
}
