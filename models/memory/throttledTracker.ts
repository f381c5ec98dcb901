import type { DirtyTracker, TakeResult } from './tracker.ts';

/**
 * A guest whose vCPUs are throttled (QEMU's auto-converge, migration/cpu-throttle.c): at throttle
 * p each vCPU sleeps p/(1 − p) × 10 ms after every 10 ms it runs, so it gets 1 − p of the time.
 *
 * The workload then runs on its own clock τ, which advances at the speed its CPU share allows:
 *   speed(p) = min(1, (1 − p) / c),
 * c being the share of one vCPU the workload needs at its nominal rate (vm.workloadCpuFraction):
 * a CPU-bound workload (c = 1) slows in proportion to the throttle; one that needs c = 0.25 keeps
 * its rate until the throttle leaves it less than 25 %, then does what the CPU it gets allows. The
 * workload's writes are those it would make by τ; the wrapped tracker is asked at τ(t) for wall
 * time t, so it never needs to know about the throttle. τ is piecewise linear in t (the throttle
 * changes at bitmap syncs only): τ(t) = τ₀ + (t − t₀) · speed.
 *
 * Also kept: the guest's CPU time lost (∫ p dt, per vCPU) and the workload time lost
 * (∫ (1 − speed) dt) — the price the guest pays for convergence.
 */
export class ThrottledTracker implements DirtyTracker {
  /** Throttle now, as a fraction (0 = none). */
  private throttle = 0;
  private speed = 1;
  private anchorWallSeconds = 0;
  private anchorGuestSeconds = 0;
  private lostCpu = 0;

  constructor(private readonly inner: DirtyTracker, private readonly workloadCpuFraction: number) {}

  /** The workload's clock at wall time t. */
  guestSeconds(t: number): number {
    return this.anchorGuestSeconds + (t - this.anchorWallSeconds) * this.speed;
  }

  /** Sets the throttle (a fraction in [0, 1)) from wall time `nowSeconds` on. */
  setThrottle(fraction: number, nowSeconds: number): void {
    this.anchor(nowSeconds);
    this.throttle = fraction;
    this.speed = Math.min(1, (1 - fraction) / this.workloadCpuFraction);
  }

  get throttleFraction(): number {
    return this.throttle;
  }

  /** vCPU seconds the throttle has taken from each vCPU by wall time t (∫ p dt). */
  cpuSecondsLost(t: number): number {
    return this.lostCpu + (t - this.anchorWallSeconds) * this.throttle;
  }

  /** Seconds of its own progress the workload has lost by wall time t: t − τ(t) (the clocks start equal at 0). */
  workloadSecondsLost(t: number): number {
    return t - this.guestSeconds(t);
  }

  private anchor(t: number): void {
    this.lostCpu = this.cpuSecondsLost(t);
    this.anchorGuestSeconds = this.guestSeconds(t);
    this.anchorWallSeconds = t;
  }

  // Every time the migration passes in is wall time; the wrapped tracker lives on the workload's clock.
  get fidelity(): 'fluid' | 'page' { return this.inner.fidelity; }
  get totalPages(): number { return this.inner.totalPages; }
  get pendingPages(): number { return this.inner.pendingPages; }
  get balloonedPages(): number { return this.inner.balloonedPages; }
  get hasBaseline(): boolean { return this.inner.hasBaseline; }
  set hasBaseline(v: boolean) { this.inner.hasBaseline = v; }
  get faultsServed(): number | undefined { return this.inner.faultsServed; }
  startTracking(t: number): void { this.inner.startTracking(this.guestSeconds(t)); }
  setBaseline(): void { this.inner.setBaseline(); }
  advance(t: number): void { this.inner.advance(this.guestSeconds(t)); }
  dirtySinceSync(t: number): number { return this.inner.dirtySinceSync(this.guestSeconds(t)); }
  pendingWrittenSinceSync(t: number): number { return this.inner.pendingWrittenSinceSync(this.guestSeconds(t)); }
  sync(t: number): number { return this.inner.sync(this.guestSeconds(t)); }
  take(maxPages: number, skipRedirtied: boolean, t: number, out: TakeResult): void { this.inner.take(maxPages, skipRedirtied, this.guestSeconds(t), out); }
  rewind(): void { this.inner.rewind(); }
  serveFaults(order?: 'forward' | 'bubble' | 'backward'): void {
    if (!this.inner.serveFaults) throw new Error('internal: serveFaults on a tracker without it');
    this.inner.serveFaults(order);
  }
  pendingToBoundary(): number { return this.inner.pendingToBoundary ? this.inner.pendingToBoundary() : Infinity; }
  get firstContentPages(): number { return this.inner.firstContentPages; }
  get onTaken(): DirtyTracker['onTaken'] { return this.inner.onTaken; }
  get versions(): Uint32Array | null | undefined { return this.inner.versions; }
  set onTaken(f: DirtyTracker['onTaken']) { this.inner.onTaken = f; }
  skipPeriods(): void {
    throw new Error('internal: a throttled guest has no steady state to skip (the runner does not ask for one)');
  }
}
