import type { RoundRow } from './recorder.ts';
import type { MigrationContext } from './types.ts';

/**
 * Skipping over a periodic steady state.
 *
 * A pre-copy that cannot converge and has no iteration cap (QEMU, SimGrid) goes on until the
 * scenario's max time. Under time-invariant dynamics it settles into passes that repeat: the same
 * pass again and again (period one pass) or, with a cyclic workload or a rate limiter's windows, the
 * same short sequence of passes. Simulating thousands of repeats is faithful but slow, so once the
 * last passes form a pattern of m passes seen `REPEATS` times in a row (every number equal to within
 * `RELATIVE_TOLERANCE`: duration, pages, bytes, dirty count, the policy's own state such as QEMU's
 * bandwidth estimate, and the position in the workload's cycle), the algorithm jumps over whole
 * patterns. Each skipped pass is recorded exactly like its counterpart (rows, bytes, pages), the
 * tracker's clock moves on, and at least `MARGIN_PASSES` patterns before the deadline are simulated
 * normally, so the end of the run (cancel mid-transfer or forced stop-and-copy) is simulated, not
 * extrapolated.
 *
 * Only where the dynamics really are time-invariant (`ctx.timeInvariance`): fluid fidelity, one
 * migration alone on its link, and a workload that is constant or cyclic from some time on. The
 * results then agree with a pass-by-pass run to within the tolerance (tested against
 * `skipSteadyState: false`: relative differences below 1e-10 in the tests).
 */
export const REPEATS = 3;
export const RELATIVE_TOLERANCE = 1e-9;
export const MARGIN_PASSES = 3;
/** Longest pattern looked for, in passes. */
export const MAX_PATTERN_PASSES = 8;

interface Sample {
  startSeconds: number;
  periodSeconds: number;
  row: RoundRow;
  values: number[];
}

const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));

function same(a: Sample, b: Sample): boolean {
  if (a.values.length !== b.values.length) return false;
  for (let j = 0; j < a.values.length; j++) if (!close(a.values[j], b.values[j])) return false;
  return true;
}

export class SteadyStateSkipper {
  private readonly history: Sample[] = [];

  constructor(private readonly ctx: MigrationContext) {}

  /**
   * Called right after the bitmap read that ends a pass, with the pass's duration and any numbers
   * that make up the algorithm's state (the pass's pages and bytes are read from the recorder).
   * Returns the simulated seconds skipped — that many whole patterns were recorded and the tracker
   * moved on; the caller shifts its own clocks by it and resumes after that much simulated time.
   * Returns 0 when nothing can be skipped.
   */
  observe(periodSeconds: number, state: readonly number[]): number {
    const ctx = this.ctx;
    const inv = ctx.timeInvariance;
    const last = ctx.recorder.lastRound;
    if (!inv || !last || !(periodSeconds > 0)) return 0;
    const now = ctx.sim.nowSeconds;
    const start = now - periodSeconds;
    const cyclePosition = Number.isFinite(inv.cycleSeconds) ? (start % inv.cycleSeconds) / inv.cycleSeconds : 0;
    const h = this.history;
    h.push({
      startSeconds: start, periodSeconds, row: { ...last },
      values: [periodSeconds, last.pagesSent, last.zeroPagesSent, last.pagesSkipped, last.pagesDirtied, last.bytes, ctx.tracker.pendingPages, cyclePosition, ...state],
    });
    const keep = MAX_PATTERN_PASSES * REPEATS;
    if (h.length > keep) h.shift();
    const n = h.length;
    for (let m = 1; m <= MAX_PATTERN_PASSES && m * REPEATS <= n; m++) {
      if (h[n - m * REPEATS].startSeconds < inv.fromSeconds) continue;
      let match = true;
      for (let i = 0; i < m * (REPEATS - 1) && match; i++) match = same(h[n - 1 - i], h[n - 1 - i - m]);
      if (!match) continue;
      const pattern = h.slice(n - m);
      let patternSeconds = 0;
      for (const p of pattern) patternSeconds += p.periodSeconds;
      const count = Math.floor((ctx.deadlineSeconds - now) / patternSeconds) - MARGIN_PASSES;
      if (!(count >= 1) || !Number.isFinite(count)) return 0;
      ctx.recorder.repeatRounds(pattern.map((p) => p.row), count, patternSeconds);
      ctx.tracker.skipPeriods(patternSeconds, count);
      h.length = 0;
      return count * patternSeconds;
    }
    return 0;
  }
}
