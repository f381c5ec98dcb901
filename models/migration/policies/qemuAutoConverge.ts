import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';

/**
 * QEMU's auto-converge parameters (migrate-set-parameters; defaults from migration/options.c).
 */
export interface AutoConvergeParameters {
  /** cpu-throttle-initial: the first throttle, % (default 20). */
  initialPercent: number;
  /** cpu-throttle-increment: each later step, % (default 10). */
  incrementPercent: number;
  /** max-cpu-throttle: the throttle never goes above it, % (default 99). */
  maxPercent: number;
  /** throttle-trigger-threshold: dirtied bytes over this % of the bytes sent count as "too fast" (default 50). */
  triggerThresholdPercent: number;
  /** cpu-throttle-tailslow: near the goal, step by what would match the threshold rather than a full increment (default false). */
  tailslow: boolean;
  /** QEMU ≥ 9.2: a sync is forced when none happened for this long (cpu-throttle.c CPU_THROTTLE_DIRTY_SYNC_TIMESLICE_MS = 5 s); null: older QEMU, no timer. */
  dirtySyncTimerSeconds: number | null;
}

/** What the throttle did over a migration (summary.json `autoConverge`). */
export interface AutoConvergeSummary {
  /** The highest throttle reached, % (QEMU's cpu-throttle-percentage at its peak). */
  throttleMaxPercent: number;
  /** How many times the throttle was raised. */
  throttleSteps: number;
  /** Bitmap syncs forced by the dirty-sync timer (simulated runs; QEMU does not report them). */
  timerSyncs?: number;
  /** vCPU seconds the throttle took from each vCPU (∫ p dt over the live rounds). */
  guestCpuSecondsLost: number;
  /** Seconds of progress the workload lost to it (its writes ran that much behind). */
  workloadSecondsLost: number;
}

/** cpu_throttle_set clamps to 1..99 % (cpu-throttle.c CPU_THROTTLE_PCT_MIN/MAX). */
export const CPU_THROTTLE_PCT_MIN = 1;
export const CPU_THROTTLE_PCT_MAX = 99;
/** A sync starts a new check period only this long after the last one (ram.c migration_bitmap_sync: 1000 ms). */
export const CHECK_PERIOD_SECONDS = 1;
/** The trigger fires on the second "too fast" period, then counts again from zero (ram.c dirty_rate_high_cnt ≥ 2). */
export const HIGH_PERIODS_TO_TRIGGER = 2;

/**
 * The throttle decisions of ram.c (migration_bitmap_sync → migration_trigger_throttle →
 * mig_throttle_guest_down), read from QEMU 9.2/10.0:
 *
 * At every bitmap sync the pages newly dirtied (dirty in the log and not already waiting to be
 * sent) add to the period's count. When the sync comes more than 1 s after the period began, the
 * period is judged: its dirtied bytes (pages × 4096) against `triggerThresholdPercent` % of the
 * bytes sent in it. The second time they exceed it (the count then resets) the throttle goes up:
 * to `initialPercent` if it was off, else by `incrementPercent` — or, with tailslow, by at most the
 * gap to the CPU share that would bring the dirtying down to the threshold,
 *   cpu_now = 100 − throttle, cpu_ideal = ⌊cpu_now × threshold / dirtied⌋, step = min(increment, cpu_now − cpu_ideal)
 * — capped at `maxPercent` (the first step is not), and always within 1..99 %. A new period then
 * starts, whether or not the throttle moved.
 *
 * The dirty-sync timer (QEMU ≥ 9.2): every `dirtySyncTimerSeconds` from the migration's start, if
 * no sync happened since the previous tick and the first pass is over (more than one sync so far),
 * a sync is forced — so a long pass no longer delays the throttle's next step.
 */
export class AutoConverge {
  throttlePercent = 0;
  private periodStartSeconds: number;
  private periodDirtyPages = 0;
  private periodStartBytes = 0;
  private highPeriods = 0;
  private syncs = 0;
  private syncsAtLastTick = 0;
  private nextTickSeconds: number;
  readonly stats = { throttleMaxPercent: 0, throttleSteps: 0, timerSyncs: 0 };

  constructor(private readonly p: AutoConvergeParameters, startSeconds: number) {
    this.periodStartSeconds = startSeconds;
    this.nextTickSeconds = p.dirtySyncTimerSeconds === null ? Infinity : startSeconds + p.dirtySyncTimerSeconds;
  }

  /**
   * A bitmap sync at `nowSeconds` that added `newlyDirtyPages` to the pages waiting, `sentBytes`
   * having been sent since the migration began. Returns true when the throttle changed.
   */
  onSync(nowSeconds: number, newlyDirtyPages: number, sentBytes: number): boolean {
    this.syncs++;
    this.periodDirtyPages += newlyDirtyPages;
    if (!(nowSeconds > this.periodStartSeconds + CHECK_PERIOD_SECONDS)) return false;
    const dirtyBytes = this.periodDirtyPages * PAGE_SIZE_BYTES;
    const thresholdBytes = ((sentBytes - this.periodStartBytes) * this.p.triggerThresholdPercent) / 100;
    this.periodStartSeconds = nowSeconds;
    this.periodDirtyPages = 0;
    this.periodStartBytes = sentBytes;
    if (!(dirtyBytes > thresholdBytes) || ++this.highPeriods < HIGH_PERIODS_TO_TRIGGER) return false;
    this.highPeriods = 0;
    this.step(dirtyBytes, thresholdBytes);
    return true;
  }

  private step(dirtyBytes: number, thresholdBytes: number): void {
    const now = this.throttlePercent;
    let next: number;
    if (now === 0) next = this.p.initialPercent; // not capped by max-cpu-throttle, only by cpu_throttle_set's 1..99
    else {
      let inc = this.p.incrementPercent;
      if (this.p.tailslow) {
        const cpuNow = 100 - now;
        const cpuIdeal = Math.floor((cpuNow * thresholdBytes) / dirtyBytes); // uint64_t in ram.c
        inc = Math.min(cpuNow - cpuIdeal, inc);
      }
      next = Math.min(now + inc, this.p.maxPercent);
    }
    this.throttlePercent = Math.max(CPU_THROTTLE_PCT_MIN, Math.min(next, CPU_THROTTLE_PCT_MAX));
    this.stats.throttleSteps++;
    this.stats.throttleMaxPercent = Math.max(this.stats.throttleMaxPercent, this.throttlePercent);
  }

  /** When the dirty-sync timer next ticks (Infinity: no timer). */
  get nextTimerSeconds(): number {
    return this.nextTickSeconds;
  }

  /** The timer ticks now: returns true when it forces a sync (the caller does it, then calls onSync). */
  tick(): boolean {
    const force = this.syncs > 1 && this.syncs === this.syncsAtLastTick;
    this.nextTickSeconds += this.p.dirtySyncTimerSeconds ?? Infinity;
    if (force) this.stats.timerSyncs++;
    // The count after the forced sync (which the caller is about to do) is what the next tick compares with.
    this.syncsAtLastTick = this.syncs + (force ? 1 : 0);
    return force;
  }
}
