import type { ScheduledEvent } from '../../sim/eventQueue.ts';
import type { Simulator } from '../../sim/simulator.ts';
import type { DirtyTracker } from '../memory/tracker.ts';
import type { Channel, TransferHandle } from '../network/channel.ts';
import type { WireFormat } from '../network/wire/types.ts';
import type { MigrationOutcome, MigrationRecorder, StopReason } from './recorder.ts';
import type { Composition, MigrationContext, SwitchoverHints } from './types.ts';

/**
 * The context one migration runs in: sends through the link, enforces the scenario's max time and
 * the composition's cutoff, and hands the live rounds' end to the composition's final phase.
 */
export class RunContext implements MigrationContext {
  deadlineSeconds = Infinity;
  readonly aloneOnLink: boolean;
  /** When the live rounds must end by the clock: a forced stop-and-copy's deadline (else Infinity). */
  private forcedStopAtSeconds = Infinity;
  /** When the composition's cutoff is due by the clock (else Infinity). */
  private cutoffAtSeconds = Infinity;
  private current: TransferHandle | null = null;
  private finished = false;
  private timer: ScheduledEvent | null = null;
  private cancelRecord: (() => void) | null = null;

  constructor(
    readonly sim: Simulator,
    readonly link: Channel,
    readonly tracker: DirtyTracker,
    readonly wire: WireFormat,
    readonly recorder: MigrationRecorder,
    private readonly plan: Composition,
    private readonly setupSeconds: number,
    readonly timeInvariance: { fromSeconds: number; cycleSeconds: number } | null,
    private readonly report: (o: MigrationOutcome) => void,
    readonly migrationsOnLink: number,
  ) {
    this.aloneOnLink = migrationsOnLink === 1;
  }

  /** Reached `atSeconds` (absolute), counting the last nanosecond-scale rounding error as reached. */
  private reached(atSeconds: number): boolean {
    return this.sim.nowSeconds >= atSeconds - 1e-9 * Math.max(1, Math.abs(atSeconds));
  }

  get cutoffDue(): boolean {
    const c = this.plan.cutoff;
    return c !== null && (this.recorder.roundCount >= c.afterRounds || this.reached(this.cutoffAtSeconds));
  }

  get mustStop(): boolean {
    // A policy may end a transfer exactly at the deadline, just before or just after the timeout's
    // own event: either way the stop is due.
    return this.reached(this.forcedStopAtSeconds) || this.cutoffDue;
  }

  get stopDueAtSeconds(): number {
    return Math.min(this.forcedStopAtSeconds, this.cutoffAtSeconds);
  }

  /** Starts the migration now: arms the timeout, then (after setup) the live rounds. */
  begin(maxTimeSeconds: number, onTimeout: 'cancel' | 'stop-and-copy'): void {
    if (this.plan.cutoff) this.cutoffAtSeconds = this.sim.nowSeconds + this.plan.cutoff.afterSeconds;
    this.timer = this.sim.schedule(this.setupSeconds + maxTimeSeconds, () => this.timeout(onTimeout));
    this.deadlineSeconds = this.timer.timeSeconds;
    if (onTimeout === 'stop-and-copy') this.forcedStopAtSeconds = this.deadlineSeconds;
    if (this.setupSeconds > 0) this.sim.schedule(this.setupSeconds, () => this.plan.live.start(this));
    else this.plan.live.start(this);
  }

  onCancel(record: () => void): void {
    this.cancelRecord = record;
  }

  switchover(reason: StopReason, hints: SwitchoverHints): void {
    this.cancelRecord = null; // the live rounds are over
    this.plan.final.run(this, reason, hints);
  }

  private timeout(rule: 'cancel' | 'stop-and-copy'): void {
    this.timer = null;
    if (this.finished) return;
    if (rule === 'stop-and-copy') return; // mustStop holds from now on
    if (this.recorder.suspendSeconds !== null) return; // already suspended: let the copy finish
    this.cancelRecord?.();
    const sent = this.current ? this.link.abort(this.current) : 0;
    this.recorder.bytesByPhase.precopy += sent;
    this.recorder.status = 'cancelled';
    this.recorder.stopReason = 'timeout-cancelled';
    this.finish();
  }

  send(bytes: number, cap: number, onDone: (durationSeconds: number) => void): void {
    const t0 = this.sim.nowSeconds;
    this.current = this.link.send(bytes, cap, () => {
      this.current = null;
      if (!this.finished) onDone(this.sim.nowSeconds - t0);
    });
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.recorder.endSeconds = this.sim.nowSeconds;
    if (this.timer) this.sim.cancel(this.timer);
    this.report(this.recorder.outcome());
  }
}
