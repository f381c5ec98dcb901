import type { GuestSlowdown } from './slowdown.ts';

/**
 * The guest's own clock while something slows it: its time τ (what the workload has executed)
 * falls behind the wall clock t by the time it lost, t = τ + Σ_i c_i · U_i(τ), with c_i each
 * slowdown's cost per unit and U_i(τ) its units by guest time τ (e.g. post-copy: t = τ + c·F(τ),
 * F the faults by τ).
 *
 * `advanceTo(t)` moves τ forward to wall time t by secant steps from below: U grows ever more
 * slowly (e.g. faults, as pages arrive), so a step never overshoots, and the slowdowns' sources
 * (trackers) only ever move forward. The first step is a small probe (10⁻³ of the gap); at most 16
 * steps per call, each stopping when the remaining gap is below 10⁻¹² of t.
 */
export class GuestClock {
  /** τ: guest seconds since the clock's origin. */
  guestSeconds = 0;
  private readonly units: number[];
  private readonly slopes: number[];

  constructor(private readonly slowdowns: readonly (GuestSlowdown & { unitsBy(guestSeconds: number): number })[]) {
    this.units = slowdowns.map(() => 0);
    this.slopes = slowdowns.map(() => NaN);
  }

  /** Units of slowdown `i` by the current guest time. */
  unitsOf(i: number): number {
    return this.units[i];
  }

  /** Wall seconds lost so far (at the current guest time). */
  get lostSeconds(): number {
    let lost = 0;
    for (let i = 0; i < this.slowdowns.length; i++) lost += this.slowdowns[i].secondsPerUnit * this.units[i];
    return lost;
  }

  /** Moves the guest's time forward to (just below) wall time `wallSeconds` since the origin. */
  advanceTo(wallSeconds: number): void {
    const n = this.slowdowns.length;
    for (let k = 0; k < 16; k++) {
      const gap = wallSeconds - (this.guestSeconds + this.lostSeconds);
      if (!(gap > 1e-12 * Math.max(1, wallSeconds))) return;
      let rate = 0;
      let probe = false;
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(this.slopes[i])) probe = true;
        else rate += this.slowdowns[i].secondsPerUnit * this.slopes[i];
      }
      const step = probe ? gap * 1e-3 : gap / (1 + rate);
      const to = this.guestSeconds + step;
      for (let i = 0; i < n; i++) {
        const u = this.slowdowns[i].unitsBy(to);
        this.slopes[i] = Math.max(0, u - this.units[i]) / step;
        this.units[i] = u;
      }
      this.guestSeconds = to;
    }
  }
}
