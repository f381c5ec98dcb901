import { validateScenario } from '../../models/scenario/validate.ts';
import { MIB_BYTES } from '../../models/units/pageSize.ts';
import type { ZeroPagePoint } from '../../models/migration/switchover.ts';
import type { RunResult } from '../../models/run/result.ts';
import type { QemuBackend } from '../../real/qemu/replay.ts';
import type { QemuMeasurement } from '../../real/qemu/measurement.ts';

/** How migrateOnce runs: QEMU's max-bandwidth, and whether both QEMUs back the guest's memory before it boots (real.qemu.preallocateMemory). */
export interface MigrateOnceOptions { capBytesPerSecond?: number; preallocateMemory?: boolean }

/** One migration on the testbed (at 256 MiB/s unless told); anything but completed is an error. */
export async function migrateOnce(b: QemuBackend, memoryMiB: number, workload: Record<string, unknown>, tag: string, downtimeLimitSeconds: number, workDir: string, log: (l: string) => void, { capBytesPerSecond = 256 * MIB_BYTES, preallocateMemory = false }: MigrateOnceOptions = {}): Promise<RunResult> {
  const s = validateScenario({
    name: `testbed-${memoryMiB}-${tag}`, vm: { memoryMiB }, workload, network: { bandwidthBitsPerSecond: 1e10 },
    migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: capBytesPerSecond, downtimeLimitSeconds }, limits: { maxTimeSeconds: 120, onTimeout: 'cancel' },
    real: { qemu: { warmupSeconds: 2, preallocateMemory } },
  }, 'miglab testbed qemu', (p) => p);
  const r = await b.replay(s, { workDir, log });
  if (r.status !== 'completed') throw new Error(`the ${tag} ${memoryMiB} MiB guest did not migrate (${r.status}: ${r.measurement?.failureReason ?? ''})`);
  return r;
}

/** A migration's first pass as solveZeroPageSeconds reads it: its time before the switchover, its bytes, QEMU's zero-page count. */
export function zeroPagePoint(r: RunResult): ZeroPagePoint {
  const zeroPages = Number(((r.measurement as QemuMeasurement | undefined)?.finalQueryMigrate as { ram?: { duplicate?: number } } | undefined)?.ram?.duplicate ?? NaN);
  return { firstPassSeconds: r.totalTimeSeconds - r.downtimeSeconds - r.setupTimeSeconds, firstPassBytes: r.bytesByPhase.precopy, zeroPages };
}
