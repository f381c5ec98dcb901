import type { AutoConvergeSummary } from './policies/qemuAutoConverge.ts';
import type { XbzrleStream, XbzrleSummary } from '../network/wire/xbzrle.ts';
import { BOUNDS, boundText } from '../bounds.ts';
import { InputError } from '../input/errors.ts';
import type { Phase } from './types.ts';
import type { PostcopySummary } from './phases/postcopy.ts';

/** One row of the per-round table (times relative to the migration's start). */
export interface RoundRow {
  round: number;
  phase: Phase;
  startSeconds: number;
  durationSeconds: number;
  pagesSent: number;
  zeroPagesSent: number;
  pagesSkipped: number;
  /** Distinct pages found dirty at the bitmap read that ended this round. */
  pagesDirtied: number;
  bytes: number;
}

export type StopReason =
  | 'converged'
  | 'iteration-cap'
  | 'traffic-cap'
  | 'rate-saturated'
  | 'timeout-forced'
  | 'timeout-cancelled'
  | 'non-live'
  /** Post-copy from the start, or hybrid's switch when its round count or time was reached. */
  | 'postcopy-switch';

export interface BytesByPhase {
  precopy: number;
  stopCopy: number;
  postcopy: number;
  checkpoint: number;
}

export interface MigrationOutcome {
  /** failed: only for measured runs (e.g. the destination died). */
  status: 'completed' | 'cancelled' | 'failed';
  converged: boolean;
  stopReason: StopReason;
  totalTimeSeconds: number;
  downtimeSeconds: number;
  setupTimeSeconds: number;
  bytesTransferred: number;
  bytesByPhase: BytesByPhase;
  pagesTransferred: number;
  rounds: number;
  roundRows: RoundRow[];
  /** Post-copy and hybrid migrations that switched: the post-copy phase. */
  postcopy?: PostcopySummary;
  /** QEMU with auto-converge: what the throttle did. */
  autoConverge?: AutoConvergeSummary;
  /** QEMU with XBZRLE: what its cache did (like query-migrate's xbzrle-cache). */
  xbzrle?: XbzrleSummary;
}

/** Collects what happens during one migration and turns it into the result fields. */
export class MigrationRecorder {
  readonly rows: RoundRow[] = [];
  readonly bytesByPhase: BytesByPhase = { precopy: 0, stopCopy: 0, postcopy: 0, checkpoint: 0 };
  pagesTransferred = 0;
  suspendSeconds: number | null = null;
  resumeSeconds: number | null = null;
  endSeconds: number | null = null;
  status: 'completed' | 'cancelled' = 'completed';
  stopReason: StopReason = 'converged';
  /** Whether rows are kept (sweeps can switch them off). */
  keepRows = true;
  /** Set by the post-copy phase when it ends. */
  postcopy: PostcopySummary | null = null;
  /** Set by the QEMU policy at switchover when auto-converge is on. */
  autoConverge: AutoConvergeSummary | null = null;
  /** The XBZRLE stream of this migration, read when it ends (the stop-and-copy is its last stage). */
  xbzrle: XbzrleStream | null = null;

  /**
   * Rows this run may still keep, shared by all its migrations (models/bounds.ts roundsPerRun);
   * exceeding it throws an InputError naming the bound.
   */
  rowBudget: { left: number } = { left: Infinity };

  constructor(readonly startSeconds: number, readonly setupSeconds: number) {}

  private spendRows(n: number): void {
    this.rowBudget.left -= n;
    if (this.rowBudget.left < 0) throw new InputError(`the run recorded more than ${BOUNDS.roundsPerRun.value.toLocaleString('en-US')} rounds; ${boundText('roundsPerRun')}`);
  }

  /** The last round recorded (kept even when rows are not). */
  lastRound: RoundRow | null = null;

  addRound(row: Omit<RoundRow, 'round' | 'startSeconds'> & { startAbsoluteSeconds: number }): void {
    this.bytesByPhase[row.phase] += row.bytes;
    this.pagesTransferred += row.pagesSent;
    this.roundCount++;
    const r: RoundRow = {
      round: this.roundCount, phase: row.phase, startSeconds: row.startAbsoluteSeconds - this.startSeconds, durationSeconds: row.durationSeconds,
      pagesSent: row.pagesSent, zeroPagesSent: row.zeroPagesSent, pagesSkipped: row.pagesSkipped, pagesDirtied: row.pagesDirtied, bytes: row.bytes,
    };
    this.lastRound = r;
    if (this.keepRows) { this.spendRows(1); this.rows.push(r); }
  }

  /** Amends the dirty count of the last row (known only at the read that ends the round). */
  setLastRoundDirtied(pages: number): void {
    if (this.lastRound) this.lastRound.pagesDirtied = pages;
  }

  /**
   * Records `count` more repeats of the last rounds `pattern` (their copies, in order), each repeat
   * starting `patternSeconds` after the previous one (a skipped steady state: see steadyState.ts).
   */
  repeatRounds(pattern: readonly RoundRow[], count: number, patternSeconds: number): void {
    if (pattern.length === 0 || count <= 0) return;
    const m = pattern.length;
    for (const r of pattern) {
      this.bytesByPhase[r.phase] += r.bytes * count;
      this.pagesTransferred += r.pagesSent * count;
    }
    const copy = (r: RoundRow, c: number): RoundRow => ({ ...r, round: r.round + c * m, startSeconds: r.startSeconds + c * patternSeconds });
    if (this.keepRows) {
      this.spendRows(count * m);
      for (let c = 1; c <= count; c++) for (const r of pattern) this.rows.push(copy(r, c));
    }
    this.roundCount += count * m;
    this.lastRound = copy(pattern[m - 1], count);
  }

  roundCount = 0;

  outcome(): MigrationOutcome {
    const end = this.endSeconds ?? this.startSeconds;
    const downtime = this.suspendSeconds === null ? 0 : (this.resumeSeconds ?? end) - this.suspendSeconds;
    const b = this.bytesByPhase;
    return {
      status: this.status,
      converged: this.status === 'completed' && this.stopReason === 'converged',
      stopReason: this.stopReason,
      totalTimeSeconds: end - this.startSeconds,
      downtimeSeconds: downtime,
      setupTimeSeconds: this.setupSeconds,
      bytesTransferred: b.precopy + b.stopCopy + b.postcopy + b.checkpoint,
      bytesByPhase: { ...b },
      pagesTransferred: this.pagesTransferred,
      rounds: this.roundCount,
      roundRows: this.rows,
      ...(this.postcopy ? { postcopy: this.postcopy } : {}),
      ...(this.autoConverge ? { autoConverge: this.autoConverge } : {}),
      ...(this.xbzrle ? { xbzrle: this.xbzrle.summary() } : {}),
    };
  }
}
