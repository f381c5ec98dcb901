import type { ZeroPagePlacement } from '../memory/zeroPages.ts';
import type { AlgorithmName } from '../migration/compositions/registry.ts';
import type { MigrationSettings } from '../migration/settings.ts';
import type { WireFormatName } from '../network/wire/registry.ts';
import type { MecomParameters } from '../network/wire/mecom.ts';
import type { WorkloadSpec } from '../workload/spec.ts';
import type { CheckpointParameters, FailureParameters } from '../checkpoint/parameters.ts';

/** A scenario after validation and defaults: every field explicit. Written into summary.json. */
export interface Scenario {
  name: string;
  description?: string;
  seed: number;
  fidelity: 'fluid' | 'page';
  concurrentMigrations: number;
  /** zeroPageFraction: given, or derived from the footprint (echoed when given), else 0. */
  vm: { memoryMiB: number; zeroPageFraction: number; zeroPagePlacement: ZeroPagePlacement; bytesChangedPerWrite: number; osHotPages: number; pageWalksDirtyPageTables: boolean; workloadCpuFraction: number; footprint?: { idleMiB: number; reusableMiB: number; topMiB?: number; mapFile?: string } };
  workload: WorkloadSpec;
  network: { bandwidthBitsPerSecond: number; latencySeconds: number; tcpWindowBytes: number | null; zeroPageSeconds: number; wireFormat: WireFormatName };
  /** With wireFormat mecom only: the pages' content classes and the compressors' speeds (defaults filled in). */
  compression?: MecomParameters;
  migration: ResolvedMigrationSpec;
  limits: { maxTimeSeconds: number; onTimeout: 'cancel' | 'stop-and-copy' };
  checkpoint?: CheckpointParameters;
  failure?: FailureParameters;
  /** Settings for replays on real hypervisors (not used by the simulator). */
  real?: { qemu?: QemuReplaySettings; xen?: XenReplaySettings };
}

export interface XenReplaySettings {
  warmupSeconds?: number;
  bootTimeoutSeconds?: number;
}

export interface QemuReplaySettings {
  capabilities?: ('postcopy-ram' | 'xbzrle' | 'multifd' | 'auto-converge' | 'background-snapshot')[];
  postcopyAfterSeconds?: number;
  warmupSeconds?: number;
  bootTimeoutSeconds?: number;
  preallocateMemory?: boolean;
}

/** Only the fields that apply to the chosen algorithm and policy are present (see MigrationSettings). */
export interface ResolvedMigrationSpec extends MigrationSettings {
  algorithm: AlgorithmName;
}

/** A scenario with where it came from (to resolve trace paths and name errors). */
export interface LoadedScenario {
  scenario: Scenario;
  file: string;
  baseDir: string;
}
