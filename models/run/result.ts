import type { MigrationOutcome } from '../migration/recorder.ts';
import type { Scenario } from '../scenario/types.ts';
import type { FailoverResult } from '../checkpoint/failover.ts';
import type { CheckpointRecord } from '../checkpoint/cowCheckpointer.ts';
import type { Measurement } from './measurement.ts';
import type { MultifdSummary } from '../network/wire/multifd.ts';

/** Background COW checkpointing before the migration (cow-checkpoint scenarios). */
export interface CheckpointSummary {
  count: number;
  bytes: number;
  abortedBytes: number;
  meanDurationSeconds: number;
  maxDurationSeconds: number;
  cowFaults: number;
  stolenCpuSeconds: number;
  /** Guest CPU time lost to pauses and COW faults, as a fraction of the checkpointed time. */
  appSlowdownFraction: number;
  peakBufferBytes: number;
  lastCompleteInstantSeconds: number | null;
  /** How long the migration waited for an in-flight checkpoint to complete. */
  migrationWaitSeconds: number;
  /** Page level: DR-image consistency checks passed (one per completed checkpoint). */
  consistencyChecks: number;
}

/**
 * The result of one run, simulated or measured (`source`). With several concurrent migrations the
 * top-level metrics aggregate them: times and downtime are the maximum, bytes the sum, and
 * `migrations` lists each one.
 */
export interface RunResult extends Omit<MigrationOutcome, 'roundRows'> {
  tool: 'miglab';
  source: 'simulation' | 'qemu' | 'xen';
  scenarioName: string;
  seed: number;
  algorithm: string;
  policy: string | null;
  fidelity: 'fluid' | 'page';
  /** Page writes per second the workload generates on average (its nominal rate). */
  workloadWritesPerSecond: number;
  roundRows: MigrationOutcome['roundRows'];
  migrations?: Omit<MigrationOutcome, 'roundRows'>[];
  /** With checkpoints: the background stream (bytesByPhase.checkpoint) is not in bytesTransferred. */
  checkpoint?: CheckpointSummary;
  totalBytesIncludingCheckpoints?: number;
  /** One row per completed checkpoint (written to checkpoints.csv, not to summary.json). */
  checkpointRows?: CheckpointRecord[];
  failover?: FailoverResult;
  /** With migration.selfBallooning: the free pages the guest's balloon held, never sent (per guest; fluid: expected). */
  balloonedPages?: number;
  /** QEMU with multifd: what its channels carried. */
  multifd?: MultifdSummary;
  /**
   * `miglab run --rate-band`: the lowest and highest prediction with every write rate as written and
   * up to `writeRateFraction` lower and higher (scripts/lib/rateBand.ts) — how much the prediction hangs
   * on the rate, which no writer keeps exactly (wide near saturation).
   */
  rateBand?: { writeRateFraction: number; totalTimeSeconds: [number, number]; bytesTransferred: [number, number]; downtimeSeconds: [number, number]; rounds: [number, number] };
  /** What the scenario asks of a real hypervisor that the model does not simulate (absent when nothing). */
  warnings?: string[];
  /** Measured runs only: what the real system reported and achieved. */
  measurement?: Measurement;
  scenario: Scenario;
}
