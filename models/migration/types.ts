import type { Simulator } from '../../sim/simulator.ts';
import type { DirtyTracker } from '../memory/tracker.ts';
import type { Channel } from '../network/channel.ts';
import type { WireFormat } from '../network/wire/types.ts';
import type { MigrationRecorder, StopReason } from './recorder.ts';

/**
 * A migration is a composition (compositions/): where the destination starts from, live rounds run
 * by a policy that decides when to stop and what to send (policies/), and a final phase
 * (phases/): stop-and-copy, or post-copy with a push order. The policy ends its rounds by calling
 * `ctx.switchover`; the composition's final phase takes it from there.
 */
export type PolicyName = 'xen' | 'xen-legacy' | 'qemu' | 'simgrid' | 'clark05' | 'microwiper';
export type Phase = 'precopy' | 'stopCopy' | 'postcopy' | 'checkpoint';

/** How a policy's hypervisor does its final copy (used by the stop-and-copy phase). */
export interface SwitchoverHints {
  /** Rate cap of the final copy, bytes/s (Infinity: QEMU lifts its cap at switchover, Xen has none). */
  capBytesPerSecond: number;
  /** Bytes are floored to whole bytes (SimGrid counts integer bytes). */
  floorBytes?: boolean;
  /** A 0-byte acknowledgement takes one latency after the resume (SimGrid). */
  ackLatency?: boolean;
  /** Record the pages dirtied since the last read on the last live round's row (default true). */
  recordDirtied?: boolean;
}

/** Everything a policy and a final phase need to run one migration. */
export interface MigrationContext {
  readonly sim: Simulator;
  readonly link: Channel;
  readonly tracker: DirtyTracker;
  readonly wire: WireFormat;
  readonly recorder: MigrationRecorder;
  /** Sends `bytes` (optionally rate-capped, bytes/s); calls back with the transfer's duration. Aborted by a cancel timeout. */
  send(bytes: number, capBytesPerSecond: number, onDone: (durationSeconds: number) => void): void;
  /**
   * True when the live rounds must end at the next round boundary: the scenario's max time has
   * passed and the rule is a forced stop-and-copy, or the composition's cutoff is due.
   */
  readonly mustStop: boolean;
  /** The composition's cutoff (e.g. a switch to post-copy after N rounds or T seconds) is due. */
  readonly cutoffDue: boolean;
  /**
   * Absolute time from which `mustStop` holds by the clock alone (a forced stop-and-copy's deadline,
   * a cutoff's time), or Infinity: a policy that sends many rounds' worth at once stops there.
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
   * or cyclic from then on, no cutoff. A periodic steady state may then be skipped (steadyState.ts).
   */
  readonly timeInvariance: { fromSeconds: number; cycleSeconds: number } | null;
  /**
   * Registers what the live rounds record when a cancel timeout ends them mid-round (called before
   * the transfer in flight is cut; the context then adds the part of it that arrived): a policy whose
   * round spans many transfers counts the bytes of those already sent.
   */
  onCancel(record: () => void): void;
  /** Ends the live rounds (called once by the policy): the composition's final phase runs next. */
  switchover(reason: StopReason, hints: SwitchoverHints): void;
  /** Ends the migration (called once, by the final phase). */
  finish(): void;
}

/** Live rounds: decide when to stop and what to send, then call `ctx.switchover` once. */
export interface LivePolicy {
  readonly name: string;
  start(ctx: MigrationContext): void;
}

/** The phase after the live rounds; it ends the migration with `ctx.finish()`. */
export interface FinalPhase {
  readonly name: string;
  run(ctx: MigrationContext, reason: StopReason, hints: SwitchoverHints): void;
}

/** A composition's rule that ends the live rounds early (hybrid's switch to post-copy). */
export interface LiveCutoff {
  /** After this many rounds (Infinity: not on a count). */
  afterRounds: number;
  /** At the first round boundary this long after the migration's start (Infinity: not on time). */
  afterSeconds: number;
}

export interface Composition {
  /** What the destination holds when the migration starts: nothing, or the DR site's last complete checkpoint. */
  readonly startsFrom: 'nothing' | 'last-checkpoint';
  readonly live: LivePolicy;
  readonly final: FinalPhase;
  readonly cutoff: LiveCutoff | null;
}

/** A `null` rate cap of a scenario means no cap. */
export const capOrInfinity = (bytesPerSecond: number | null): number => (bytesPerSecond === null ? Infinity : bytesPerSecond);
