import { InputError } from '../../models/input/errors.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import { qemuReplaySettings } from '../../models/scenario/validate.ts';
import { composition } from '../../models/migration/compositions/registry.ts';

/**
 * Maps a scenario's workload onto the guest dirtier's parameters (real/guest/dirtier.c).
 * The guest kernel and initramfs need memory of their own, so the dirtier's buffer must leave at
 * least GUEST_RESERVED_MIB free.
 */
export const GUEST_RESERVED_MIB = 96;

/** An idle guest's dirtier still runs (its heartbeat times the pause) over a buffer this small. */
export const IDLE_DIRTIER_MIB = 1;

export interface DirtierParams { mb: number; rate: number; mode: 'seq' | 'rand'; hotmb: number; hotpct: number; fill: number }

export function dirtierFor(s: Scenario, file: string): DirtierParams {
  const w = s.workload;
  const room = Math.floor(s.vm.memoryMiB - GUEST_RESERVED_MIB);
  const fill = Math.max(8, Math.min(4096, s.vm.bytesChangedPerWrite));
  const size = (mib: number | undefined, field: string): number => {
    const mb = Math.floor(mib ?? room);
    if (mb < 1 || mb > room) throw new InputError(`${file}: workload.${field}: the guest dirtier needs 1..${room} MiB (vm.memoryMiB − ${GUEST_RESERVED_MIB} MiB for the guest kernel), got ${mib ?? `all of memory (${s.vm.memoryMiB} MiB)`}`);
    return mb;
  };
  switch (w.type) {
    case 'idle': return { mb: IDLE_DIRTIER_MIB, rate: 0, mode: 'seq', hotmb: 0, hotpct: 0, fill };
    case 'sweep': return { mb: size(w.bufferMiB, 'bufferMiB'), rate: Math.round(w.writesPerSecond), mode: 'seq', hotmb: 0, hotpct: 0, fill };
    case 'uniform': return { mb: size(w.workingSetMiB, 'workingSetMiB'), rate: Math.round(w.writesPerSecond), mode: 'rand', hotmb: 0, hotpct: 0, fill };
    case 'hotcold': {
      const mb = size(w.workingSetMiB, 'workingSetMiB');
      return { mb, rate: Math.round(w.writesPerSecond), mode: 'rand', hotmb: Math.max(1, Math.round(w.hotSetMiB)), hotpct: Math.round(w.hotWriteFraction * 100), fill };
    }
    default:
      throw new InputError(`${file}: workload.type: the QEMU guest dirtier can replay idle, uniform, sweep and hotcold workloads, got ${JSON.stringify(w.type)}`);
  }
}

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
  if (qemuReplaySettings(s).capabilities.includes('background-snapshot')) {
    throw new InputError(`${file}: real.qemu.capabilities: background-snapshot is not a migration capability here; give the scenario a checkpoint section and the replay takes its checkpoints as background snapshots`);
  }
  if (s.concurrentMigrations !== 1) throw new InputError(`${file}: concurrentMigrations: the QEMU testbed replays one migration at a time, got ${s.concurrentMigrations}`);
}
