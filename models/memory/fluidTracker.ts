import { segmentWritten, zeroFractionsBySegment, type ZeroPagePlacement } from './zeroPages.ts';
import { zeroFractionsFromMap, zeroMapOf } from './zeroMap.ts';
import { dirtyFractions, rewriteOrder, segmentDirtyFraction, type SegmentedWorkload } from '../workload/segments.ts';
import type { DirtyTracker, TakeResult } from './tracker.ts';
import { ArcSet } from './arcSet.ts';

/**
 * Fluid fidelity: per memory segment, the expected number of pending pages (real-valued), updated
 * in closed form. Assumptions: pages of one segment are exchangeable (the pending set is spread
 * evenly over the segment, independently of which pages the workload writes next). Two ways to
 * take pages:
 * - a scan that skips re-dirtied pages (legacy Xen: one address-order scan of the whole bitmap per
 *   round, no bitmap read in between) goes segment by segment in address order, so a hot set at
 *   low addresses is scanned first, just after the read, as on the real hypervisor;
 * - the first pass (every page pending, no bitmap read yet) is taken in address order, segment
 *   after segment, as every hypervisor's first scan goes: where QEMU stops it part-way (what is
 *   left is below its threshold) the rest is the top of memory, as on the real hypervisor;
 * - later takes remove pages from every segment in proportion to its pending count. For a whole
 *   round (Xen ≥ 4.6, SimGrid, stop-and-copy) order does not matter; for QEMU's partial passes this
 *   treats hot and cold parts as interleaved (fluid vs page-level mean within 1 % on the tests).
 * Under these assumptions the counts are the expectations of the page-level model for Poisson
 * workloads (tested against page-level means, tests/models/speedups.test.ts).
 *
 * A segment only a sequential sweep writes is the exception to exchangeability. Where the sweep is
 * one whole segment of a one-phase workload in address order (positionalSweep), its pending pages
 * are kept by position (ArcSet): each read adds the arc the pointer crossed, and every take after
 * the first pass goes in address order from where the last one stopped — through the sweep's
 * pending positions and on through the other segments, wrapping at the top of memory, as QEMU's
 * scan does (ram_find_and_save_block() resumes at last_seen_block / last_page, migration/ram.c).
 * Which pages a read finds still pending then decides how much the next arc overlaps them. Near
 * saturation (QEMU, 256 MiB guest, 64 MiB sweep at 7,800 pages/s against 32 MiB/s, with the guest's
 * own dirt at the top of memory) this gives 28.6 s and page level 29.7 s (address order); the count
 * rule below, with proportional takes, gave 41 s. Otherwise (phases, a layout, a sweep sharing its
 * segment) the count rule stands in. Once the dirt of
 * one read is an arc of the buffer (the sweep did not wrap the whole buffer between two reads),
 * the next pass sends that arc in address order — the sweep's own order — so the pages still
 * pending at the next read are the arc's newest, just behind the sweep, and the sweep's new dirt
 * lies ahead of them: no overlap, pending + written up to the buffer. The uniform pending +
 * (pages − pending) × written fraction holds only for the read after a whole-buffer pass (the
 * leftover then lies anywhere). With the uniform rule everywhere, passes near saturation (dozens,
 * each a little shorter than the last) shrank far too fast: QEMU, a 256 MiB guest sweeping 64 MiB
 * at 7,800 pages/s against 32 MiB/s, 56–65 passes measured, 51 at page level, 20 fluid.
 */
/** No segment is written by a sweep alone (the common case: no per-run array). */
const NO_SWEEP: boolean[] = [];
const sweepOnlyBy = new WeakMap<SegmentedWorkload, boolean[]>();

/** Per segment: written by a sequential sweep and by nothing else, in every phase (NO_SWEEP when none is); once per workload. */
function sweepOnlySegments(w: SegmentedWorkload): boolean[] {
  let known = sweepOnlyBy.get(w);
  if (known) return known;
  const n = w.segmentPages.length;
  known = NO_SWEEP;
  if (w.phases.some((ph) => ph.sweep !== null)) {
    const only = new Array<boolean>(n).fill(false);
    for (let s = 0; s < n; s++) {
      let covered = false, rated = false;
      for (let p = 0; p < w.phases.length; p++) { if (w.sweepCovers[p * n + s] === 1) covered = true; if (w.phases[p].ratePerPage[s] !== 0) rated = true; }
      only[s] = covered && !rated;
    }
    if (only.some((x) => x)) known = only;
  }
  sweepOnlyBy.set(w, known);
  return known;
}

/** A sweep's buffer kept as positions (ArcSet): its segment, and the sweep's pointer speed. */
interface SweepArcs { segment: number; pagesPerSecond: number; startPage: number; set: ArcSet; cursor: number }

/**
 * The sweep whose pending pages are tracked by position: a workload of one phase whose sweep
 * (in address order, no layout) is one whole segment written by nothing else. Its pointer is then
 * startPage + rate × t pages into the buffer at time t (as at page level), so each read's dirt is a known arc.
 * Otherwise null, and the count rule below stands in.
 */
function positionalSweep(w: SegmentedWorkload, sweepOnly: boolean[]): SweepArcs | null {
  if (w.phases.length !== 1 || sweepOnly === NO_SWEEP) return null;
  const sw = w.phases[0].sweep;
  if (!sw || sw.order || w.phases[0].startSeconds !== 0) return null;
  for (let s = 0; s < w.segmentPages.length; s++) {
    if (sweepOnly[s] && w.segmentFirstPage[s] === sw.firstPage && w.segmentPages[s] === sw.bufferPages) {
      return { segment: s, pagesPerSecond: sw.pagesPerSecond, startPage: sw.startPage, set: new ArcSet(sw.bufferPages), cursor: 0 };
    }
  }
  return null;
}

export class FluidTracker implements DirtyTracker {
  readonly fidelity = 'fluid' as const;
  readonly totalPages: number;
  private readonly nSeg: number;
  // Plain arrays, not typed arrays: a few segments each, and typed arrays' backing stores make
  // per-run allocation (millions of runs in a sweep) much dearer for the garbage collector.
  private readonly pending: number[];
  private readonly pendingZero: number[];
  private readonly zeroContent: number[];
  /** Pending pages of each segment never sent since the migration began (the destination has nothing of them yet). */
  private readonly newAtDestination: number[];
  /** Expected pages the destination received content for the first time (DirtyTracker.firstContentPages). */
  firstContentPages = 0;
  private readonly scratch: number[];
  /** Per segment: written by a sequential sweep and by nothing else, in every phase. */
  private readonly sweepOnly: boolean[];
  /** Per sweep-only segment: whether the dirt of the last read was an arc (the sweep did not cover the whole segment). */
  private readonly sweepArc: boolean[];
  /** A sweep's pending pages by position, where positionalSweep finds one (null otherwise). */
  private readonly arcs: SweepArcs | null;
  private lastSyncSeconds = 0;
  private pendingTotal = 0;

  /** Pages a self-ballooning guest's balloon held at the start (neither sent nor tracked); 0 without one. */
  balloonedPages = 0;

  constructor(private readonly workload: SegmentedWorkload, zeroPageFraction: number, zeroPagePlacement: ZeroPagePlacement = 'unwritten-first', topNonZeroPages = 0, private readonly selfBallooning = false) {
    this.totalPages = workload.totalPages;
    this.nSeg = workload.segmentPages.length;
    this.pending = new Array<number>(this.nSeg).fill(0);
    this.pendingZero = new Array<number>(this.nSeg).fill(0);
    this.zeroContent = new Array<number>(this.nSeg).fill(0);
    this.newAtDestination = new Array<number>(this.nSeg).fill(0);
    this.scratch = new Array<number>(this.nSeg).fill(0);
    this.sweepOnly = sweepOnlySegments(workload);
    this.sweepArc = this.sweepOnly === NO_SWEEP ? NO_SWEEP : new Array<boolean>(this.nSeg).fill(false);
    this.arcs = positionalSweep(workload, this.sweepOnly);
    const map = zeroMapOf(workload);
    const zero = map ? zeroFractionsFromMap(workload, map, topNonZeroPages) : zeroFractionsBySegment(workload, zeroPageFraction, zeroPagePlacement, topNonZeroPages);
    for (let s = 0; s < this.nSeg; s++) this.zeroContent[s] = workload.segmentPages[s] * zero[s];
  }

  get pendingPages(): number {
    return this.pendingTotal;
  }

  hasBaseline = false;

  setBaseline(): void {
    this.hasBaseline = true;
  }

  startTracking(nowSeconds: number): void {
    if (this.hasBaseline) { this.sync(nowSeconds); return; }
    // Pages written before tracking starts are no longer zero.
    if (nowSeconds > 0) {
      dirtyFractions(this.workload, 0, nowSeconds, this.scratch);
      this.scratchTo = NaN;
      for (let s = 0; s < this.nSeg; s++) this.zeroContent[s] *= 1 - this.scratch[s];
    }
    for (let s = 0; s < this.nSeg; s++) { this.pending[s] = this.workload.segmentPages[s]; this.pendingZero[s] = this.zeroContent[s]; this.newAtDestination[s] = this.pending[s]; }
    this.pendingTotal = this.totalPages;
    if (this.selfBallooning) {
      // The balloon holds the free (zero) pages where the workload never writes: not pending, ever.
      this.balloonedPages = 0;
      for (let s = 0; s < this.nSeg; s++) {
        if (segmentWritten(this.workload, s)) continue;
        this.balloonedPages += this.zeroContent[s];
        this.pending[s] -= this.zeroContent[s];
        this.newAtDestination[s] = this.pending[s];
        this.pendingZero[s] = 0;
      }
      this.pendingTotal -= this.balloonedPages;
    }
    if (this.sweepArc !== NO_SWEEP) this.sweepArc.fill(false);
    if (this.arcs) { this.arcs.set.fill(); this.arcs.cursor = 0; }
    this.firstPass = true;
    this.cursor = 0;
    this.lastSyncSeconds = nowSeconds;
  }

  advance(): void {}

  /** The interval `scratch` holds dirty fractions for (so a read right after `dirtySinceSync` reuses them). */
  private scratchFrom = NaN;
  private scratchTo = NaN;

  /** Per segment, the fraction of pages written since the last sync (into `scratch`, reused if already there). */
  private fractionsSinceSync(nowSeconds: number): number[] {
    if (this.scratchFrom !== this.lastSyncSeconds || this.scratchTo !== nowSeconds) {
      dirtyFractions(this.workload, this.lastSyncSeconds, nowSeconds, this.scratch);
      this.scratchFrom = this.lastSyncSeconds;
      this.scratchTo = nowSeconds;
    }
    return this.scratch;
  }

  /** Σ over segments of (fraction written since the last sync) × `pages[s]`. */
  private writtenSinceSync(nowSeconds: number, pages: ArrayLike<number>): number {
    const d = this.fractionsSinceSync(nowSeconds);
    let sum = 0;
    for (let s = 0; s < this.nSeg; s++) sum += d[s] * pages[s];
    return sum;
  }

  dirtySinceSync(nowSeconds: number): number {
    return this.writtenSinceSync(nowSeconds, this.workload.segmentPages);
  }

  pendingWrittenSinceSync(nowSeconds: number): number {
    const all = this.writtenSinceSync(nowSeconds, this.pending);
    const a = this.arcs;
    if (!a) return all;
    // The sweep's share exactly: its arc since the read against the positions still pending.
    const s = a.segment;
    return all - this.scratch[s] * this.pending[s] + a.set.overlapArc(a.startPage + this.lastSyncSeconds * a.pagesPerSecond, (nowSeconds - this.lastSyncSeconds) * a.pagesPerSecond);
  }

  sync(nowSeconds: number): number {
    const d = this.fractionsSinceSync(nowSeconds);
    this.scratchTo = NaN; // the sync moves the interval's start
    const pages = this.workload.segmentPages;
    let total = 0;
    const a = this.arcs;
    if (a) a.set.addArc(a.startPage + this.lastSyncSeconds * a.pagesPerSecond, (nowSeconds - this.lastSyncSeconds) * a.pagesPerSecond);
    for (let s = 0; s < this.nSeg; s++) {
      const ds = d[s];
      const p = a && s === a.segment ? a.set.pages : this.sweepArc !== NO_SWEEP && this.sweepArc[s] ? Math.min(pages[s], this.pending[s] + pages[s] * ds) : this.pending[s] + (pages[s] - this.pending[s]) * ds;
      if (this.sweepArc !== NO_SWEEP) this.sweepArc[s] = this.sweepOnly[s] && ds < 1;
      this.pending[s] = p;
      this.pendingZero[s] -= this.pendingZero[s] * ds;
      this.zeroContent[s] -= this.zeroContent[s] * ds;
      total += p;
    }
    this.pendingTotal = total;
    this.lastSyncSeconds = nowSeconds;
    this.firstPass = false;
    return total;
  }

  take(maxPages: number, skipRedirtied: boolean, nowSeconds: number, out: TakeResult): void {
    out.pages = 0; out.zeroPages = 0; out.skippedPages = 0;
    const total = this.pendingTotal;
    if (!(total > 0) || !(maxPages > 0)) return;
    if (skipRedirtied || this.firstPass) { this.takeInOrder(maxPages, skipRedirtied, nowSeconds, out); return; }
    // With a positional sweep, a partial take goes on in address order from where the last stopped.
    if (this.arcs && maxPages < total) { this.takeInOrder(maxPages, false, nowSeconds, out, true); return; }
    const f = maxPages >= total ? 1 : maxPages / total;
    let sent = 0, zero = 0, remaining = 0;
    for (let s = 0; s < this.nSeg; s++) {
      const t = this.pending[s] * f;
      const z = this.pendingZero[s] * f;
      if (t > 0) this.sentNew(s, f, 1, 1 - z / t);
      sent += t;
      zero += z;
      this.pending[s] -= t;
      this.pendingZero[s] -= z;
      remaining += this.pending[s];
    }
    this.pendingTotal = f === 1 ? 0 : remaining;
    if (f === 1) { this.pending.fill(0); this.pendingZero.fill(0); this.arcs?.set.clear(); }
    out.pages = sent; out.zeroPages = zero;
  }

  /**
   * A scan in address order from the cursor (legacy Xen's rounds: one scan of the whole bitmap per
   * round, from page 0, with no bitmap read in between; every hypervisor's first pass):
   * segment after segment, each segment's pending pages spread evenly over it; with
   * `skipRedirtied`, a page already written again since the last read is skipped, with the
   * segment's dirty probability at `nowSeconds`. With `wrap` (QEMU's later passes where a sweep is
   * kept by position) the scan goes on past the top of memory from page 0, as ram.c's does.
   */
  private takeInOrder(maxPages: number, skipRedirtied: boolean, nowSeconds: number, out: TakeResult, wrap = false): void {
    let left = maxPages, sent = 0, zero = 0, skipped = 0;
    if (wrap && this.cursor >= this.nSeg) this.cursor = 0;
    for (let visited = 0; left > 0 && (wrap ? visited <= this.nSeg : this.cursor < this.nSeg); visited++) {
      const s = this.cursor;
      const p = this.pending[s];
      const t = Math.min(p, left);
      if (t > 0) {
        const d = skipRedirtied ? segmentDirtyFraction(this.workload, s, this.lastSyncSeconds, nowSeconds) : 0;
        const z = this.pendingZero[s] * (t / p);
        this.sentNew(s, t / p, 1 - d, 1 - z / t);
        skipped += t * d;
        sent += t * (1 - d);
        zero += z * (1 - d);
        this.takeArc(s, t);
        this.pending[s] -= t;
        this.pendingZero[s] -= z;
        this.pendingTotal -= t;
        left -= t;
      }
      if (this.pending[s] > 1e-9 * this.workload.segmentPages[s]) break;
      this.pendingTotal -= this.pending[s]; this.pending[s] = 0; this.pendingZero[s] = 0;
      this.cursor = wrap && s + 1 === this.nSeg ? 0 : s + 1;
    }
    if (!(this.pendingTotal > 1e-9)) this.pendingTotal = 0;
    out.pages = sent; out.zeroPages = zero; out.skippedPages = skipped;
  }

  /**
   * A `share` of segment `s`'s pending pages leave it, a `sentShare` of those sent (the rest skipped)
   * and a `contentShare` of the sent non-zero: the never-sent pages among them go in proportion
   * (exact for a segment the first pass has not reached: all its pending pages are new), and their
   * sent non-zero ones are the destination's first content. (A zero page sent and written afterwards
   * is not counted again here; page level counts it.)
   */
  private sentNew(s: number, share: number, sentShare: number, contentShare: number): void {
    if (!(this.newAtDestination[s] > 0) || !(share > 0)) return;
    const n = this.newAtDestination[s] * Math.min(1, share);
    this.newAtDestination[s] -= n;
    this.firstContentPages += n * sentShare * contentShare;
  }

  takeByRewriteRate(maxPages: number, ratePagesPerSecond: number, fromSeconds: number, toSeconds: number, skipRedirtied: boolean, nowSeconds: number, out: TakeResult): number {
    out.pages = 0; out.zeroPages = 0; out.skippedPages = 0;
    const { ratePerPage, order } = rewriteOrder(this.workload, fromSeconds, toSeconds);
    let left = maxPages, acc = 0, sent = 0, zero = 0, skipped = 0;
    for (const s of order) {
      if (!(left > 0) || acc >= ratePagesPerSecond) break;
      const p = this.pending[s];
      if (!(p > 0)) continue;
      const byRate = ratePerPage[s] > 0 ? (ratePagesPerSecond - acc) / ratePerPage[s] : Infinity;
      const t = Math.min(p, left, byRate);
      const z = this.pendingZero[s] * (t / p);
      const d = skipRedirtied ? segmentDirtyFraction(this.workload, s, this.lastSyncSeconds, nowSeconds) : 0;
      this.takeArc(s, t);
      this.pending[s] -= t; this.pendingZero[s] -= z;
      sent += t * (1 - d); skipped += t * d; zero += z * (1 - d); left -= t; acc += t * ratePerPage[s];
    }
    this.pendingTotal -= sent + skipped;
    if (!(this.pendingTotal > 1e-9)) this.pendingTotal = 0;
    out.pages = sent; out.zeroPages = zero; out.skippedPages = skipped;
    return acc;
  }

  /**
   * `t` pages taken from segment `s`: for the positional sweep, the first pending ones in address
   * order from where the scan stopped in the buffer (QEMU's scan resumes where it left off:
   * ram_find_and_save_block() starts at last_seen_block / last_page, migration/ram.c).
   */
  private takeArc(s: number, t: number): void {
    const a = this.arcs;
    if (!a || s !== a.segment || !(t > 0)) return;
    a.cursor = a.set.takeFrom(a.cursor, t).next;
  }

  /** Before the first bitmap read after tracking starts: pages still to send lie in address order. */
  private firstPass = false;

  /** Pending pages from the scan position to the end of its segment (so a scan can stop at segment boundaries). */
  pendingToBoundary(): number {
    return this.cursor < this.nSeg ? this.pending[this.cursor] : 0;
  }

  /** Scan position for address-order takes (a segment index). */
  private cursor = 0;

  rewind(): void {
    this.cursor = 0;
    if (this.arcs) this.arcs.cursor = 0;
  }

  /**
   * Skips `count` steady-state periods: the log was read at the end of each, with the same outcome
   * as the last read. Only the clock and the zero-page content move: a still-zero page stays zero
   * over the whole skipped span with the span's clean probability (independent increments, so this
   * equals the product over the periods). In a steady state no pending page is zero any more; the
   * pending zero count is scaled the same way only for completeness.
   */
  skipPeriods(periodSeconds: number, count: number): void {
    const d = this.scratch;
    const end = this.lastSyncSeconds + periodSeconds * count;
    dirtyFractions(this.workload, this.lastSyncSeconds, end, d);
    this.scratchTo = NaN;
    for (let s = 0; s < this.nSeg; s++) {
      this.zeroContent[s] *= 1 - d[s];
      this.pendingZero[s] *= 1 - d[s];
    }
    // The sweep's pending pattern moves on with its pointer, period after period.
    const a = this.arcs;
    if (a) {
      const shift = (end - this.lastSyncSeconds) * a.pagesPerSecond;
      a.set.rotate(shift);
      a.cursor = (a.cursor + shift) % a.set.size;
    }
    this.lastSyncSeconds = end;
  }
}
