import type { Simulator } from '../../sim/simulator.ts';
import type { DirtyTracker } from '../memory/tracker.ts';
import type { Link } from '../network/link.ts';
import type { WireFormat } from '../network/wireFormat.ts';
import type { MigrationRecorder } from './recorder.ts';

export type PolicyName = 'xen' | 'xen-legacy' | 'qemu' | 'simgrid' | 'clark05';
export type AlgorithmName = 'stop-and-copy' | 'precopy' | 'cow-checkpoint' | 'postcopy' | 'hybrid';
export type Phase = 'precopy' | 'stopCopy' | 'postcopy' | 'checkpoint';

/** Policy parameters after defaults are applied (every field explicit, in stated units). */
export interface MigrationParameters {
  algorithm: AlgorithmName;
  policy: PolicyName | null;
  startSeconds: number;
  setupSeconds: number;
  resumeSeconds: number;
  /** QEMU downtime-limit / SimGrid max_downtime. */
  downtimeLimitSeconds: number;
  /** QEMU max-bandwidth, SimGrid mig_speed; null = no limit. Lifted at switchover (QEMU). */
  maxBandwidthBytesPerSecond: number | null;
  /** Xen policies: live-round cap and dirty-page threshold; legacy traffic cap as a multiple of RAM. */
  maxIterations: number;
  dirtyThresholdPages: number;
  maxFactor: number;
  /** Clark'05 dynamic rate limiting. */
  startBitsPerSecond: number;
  incrementBitsPerSecond: number;
  maxBitsPerSecond: number;
  /** hybrid: switch to post-copy after this many live rounds (Infinity: never on this count). */
  postcopyAfterRounds: number;
  /** hybrid: switch to post-copy at the first round boundary this long after the start (Infinity: never on time). */
  postcopyAfterSeconds: number;
  /** Post-copy push order (postcopy.ts). */
  postcopyPush: 'address-order' | 'from-last-fault';
}

export interface TimeoutRule {
  maxTimeSeconds: number;
  onTimeout: 'cancel' | 'stop-and-copy';
}

/** Everything an algorithm needs to run one migration. */
export interface MigrationContext {
  readonly sim: Simulator;
  readonly link: Link;
  readonly tracker: DirtyTracker;
  readonly wire: WireFormat;
  readonly params: MigrationParameters;
  readonly recorder: MigrationRecorder;
  /** Sends `bytes` (optionally rate-capped, bytes/s); calls back with the transfer's duration. Aborted by a cancel timeout. */
  send(bytes: number, capBytesPerSecond: number, onDone: (durationSeconds: number) => void): void;
  /**
   * True when the live rounds must end at the next round boundary: the scenario's max time has
   * passed and the rule is a forced stop-and-copy, or (hybrid) the switch to post-copy is due.
   */
  readonly mustStop: boolean;
  /** hybrid: the switch to post-copy is due (its round count or time reached). */
  readonly postcopyDue: boolean;
  /**
   * Absolute time from which `mustStop` holds by the clock alone (a forced stop-and-copy's deadline,
   * hybrid's switch time), or Infinity: a policy that sends many rounds' worth at once stops there.
   */
  readonly stopDueAtSeconds: number;
  /** True when this migration is the only user of its link (its transfers get the link's solo rate). */
  readonly aloneOnLink: boolean;
  /** Migrations sharing this one's link (1 when alone). */
  readonly migrationsOnLink: number;
  /** Absolute simulated time at which the scenario's max time runs out. */
  readonly deadlineSeconds: number;
  /**
   * Set when the dynamics are time-invariant from `fromSeconds` on, up to the workload's cycle
   * (Infinity: none): fluid fidelity, this migration alone on its link, a workload that is constant
   * or cyclic from then on. A periodic steady state may then be skipped (steadyState.ts).
   */
  readonly timeInvariance: { fromSeconds: number; cycleSeconds: number } | null;
  /** Ends the migration (called once by the algorithm). */
  finish(): void;
}

/** One migration algorithm (and policy). It drives the context until it calls `ctx.finish()`. */
export interface MigrationAlgorithm {
  readonly name: string;
  start(ctx: MigrationContext): void;
}
