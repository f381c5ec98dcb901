import { segmentWritten, zeroFractionsBySegment, type ZeroPagePlacement } from './zeroPages.ts';
import { zeroFractionsFromMap, zeroMapOf } from './zeroMap.ts';
import type { RandomStream } from '../../sim/random.ts';
import { rewriteOrder, forEachPhaseOverlap, type SegmentedWorkload } from '../workload/segments.ts';
import { forEachTraceWrite, type DirtyTrace } from '../workload/trace.ts';
import type { DirtyTracker, TakeResult } from './tracker.ts';

/**
 * Page-level fidelity: exact bitmaps (one bit per 4 KiB page in Uint32Arrays) of the pending set,
 * the log-dirty bitmap and zero-content pages, plus an optional per-page version stamp.
 *
 * Writes are drawn lazily, interval by interval, when time advances: for a Poisson page the
 * number of writes in disjoint intervals is independent, so drawing "written at least once in
 * [t0, t1)" per interval (probability 1 − exp(−Λ)) is exact, whatever the interval boundaries.
 * Pages to mark are found by geometric skipping, so the cost is proportional to the pages
 * actually written, not to memory size. A sweep marks the range its pointer crosses (in the buffer's
 * physical order when workload.layoutFile gives one).
 */
export class PageTracker implements DirtyTracker {
  readonly fidelity = 'page' as const;
  readonly totalPages: number;
  private readonly words: number;
  private readonly pendingBits: Uint32Array;
  private readonly dirtyBits: Uint32Array;
  private readonly zeroBits: Uint32Array;
  /** Pages whose content the destination has not received yet (set at the start of a migration; cleared when the page is sent non-zero). */
  private readonly newAtDestinationBits: Uint32Array;
  /** Pages the destination received content for the first time, since the tracker began (DirtyTracker.firstContentPages). */
  firstContentPages = 0;
  /** Page versions: incremented on every write interval that touches the page (when enabled). */
  readonly versions: Uint32Array | null;
  private dirtyList: Int32Array;
  private dirtyListLength = 0;
  private pendingCount = 0;
  /** Pending pages whose dirty bit is set (written since the last sync). */
  private pendingDirtyCount = 0;
  private generatedUntil = 0;
  private cursorWord = 0;
  private readonly lambda: Float64Array;
  private servingFaults = false;
  faultsServed = 0;

  serveFaults(order: 'forward' | 'bubble' | 'backward' = 'forward'): void {
    this.servingFaults = true;
    this.faultsServed = 0;
    this.bubble = order === 'bubble';
    this.backward = order === 'backward';
    this.backWord = this.cursorWord - 1;
    this.backNext = false;
  }

  /** Bubbling (post-copy pre-paging): the scan goes out from the last fault in both directions. */
  private bubble = false;
  /** Backward pre-paging: the scan goes down from the last fault (wrapping to the top past page 0). */
  private backward = false;
  /** The next word of the downward scan (−1: below page 0, done). */
  private backWord = -1;
  /** Whether the next word the bubbling scan takes is the downward one. */
  private backNext = false;

  onTaken: ((page: number, zero: boolean) => void) | null = null;

  /** Optional observer of every page write drawn (page, end of the interval it was drawn in). */
  onWrite: ((page: number, nowSeconds: number) => void) | null = null;

  constructor(
    private readonly workload: SegmentedWorkload | DirtyTrace,
    zeroPageFraction: number,
    private readonly rng: RandomStream,
    memoryRng: RandomStream,
    trackVersions = false,
    zeroPagePlacement: ZeroPagePlacement = 'unwritten-first',
    topNonZeroPages = 0,
    private readonly selfBallooning = false,
  ) {
    this.totalPages = workload.totalPages;
    this.words = Math.ceil(this.totalPages / 32);
    this.pendingBits = new Uint32Array(this.words);
    this.dirtyBits = new Uint32Array(this.words);
    this.zeroBits = new Uint32Array(this.words);
    this.newAtDestinationBits = new Uint32Array(this.words);
    this.versions = trackVersions ? new Uint32Array(this.totalPages) : null;
    this.dirtyList = new Int32Array(1024);
    this.lambda = workload.kind === 'segments' ? new Float64Array(workload.segmentPages.length) : new Float64Array(0);
    if (zeroPageFraction > 0) {
      const mark = (p: number): void => { this.zeroBits[p >>> 5] |= 1 << (p & 31); };
      const logClean = (f: number): number => (f >= 1 ? -Infinity : Math.log(1 - f));
      if (workload.kind === 'segments') {
        // Segment by segment, with the per-segment fraction of the placement (zeroPages.ts) or the image's map (zeroMap.ts).
        const map = zeroMapOf(workload);
        const fractions = map ? zeroFractionsFromMap(workload, map, topNonZeroPages) : zeroFractionsBySegment(workload, zeroPageFraction, zeroPagePlacement, topNonZeroPages);
        for (let s = 0; s < fractions.length; s++) {
          const first = workload.segmentFirstPage[s];
          if (fractions[s] > 0) forEachBernoulli(first, first + workload.segmentPages[s], logClean(fractions[s]), memoryRng, mark);
        }
      } else forEachBernoulli(0, this.totalPages, logClean(zeroPageFraction), memoryRng, mark); // a trace: uniform
    }
  }

  get pendingPages(): number {
    return this.pendingCount;
  }

  get zeroPages(): number {
    let n = 0;
    for (let w = 0; w < this.words; w++) n += popcount(this.zeroBits[w]);
    return n;
  }

  isDirty(page: number): boolean {
    return (this.dirtyBits[page >>> 5] & (1 << (page & 31))) !== 0;
  }

  isPending(page: number): boolean {
    return (this.pendingBits[page >>> 5] & (1 << (page & 31))) !== 0;
  }

  hasBaseline = false;

  setBaseline(): void {
    this.hasBaseline = true;
  }

  startTracking(nowSeconds: number): void {
    if (this.hasBaseline) { this.sync(nowSeconds); return; }
    this.advance(nowSeconds);
    // Writes before tracking began are not in the log.
    for (let i = 0; i < this.dirtyListLength; i++) {
      const p = this.dirtyList[i];
      this.dirtyBits[p >>> 5] &= ~(1 << (p & 31));
    }
    this.dirtyListLength = 0;
    this.pendingBits.fill(0xffffffff);
    const tail = this.totalPages & 31;
    if (tail) this.pendingBits[this.words - 1] = (1 << tail) - 1;
    // A fresh destination holds none of it (with a baseline, above, it holds the checkpoint's image).
    this.newAtDestinationBits.set(this.pendingBits);
    this.pendingCount = this.totalPages;
    this.pendingDirtyCount = 0;
    this.cursorWord = 0;
    if (this.selfBallooning) this.balloonFreePages();
  }

  /** Pages a self-ballooning guest's balloon held at the start (neither sent nor tracked); 0 without one. */
  balloonedPages = 0;

  /** The balloon holds the free (zero) pages where the workload never writes: they leave the pending set for good. */
  private balloonFreePages(): void {
    const w = this.workload;
    if (w.kind !== 'segments') throw new Error('internal: self-ballooning needs a segmented workload, not a trace');
    let n = 0;
    for (let s = 0; s < w.segmentPages.length; s++) {
      if (segmentWritten(w, s)) continue;
      for (let p = w.segmentFirstPage[s], end = p + w.segmentPages[s]; p < end; p++) {
        const word = p >>> 5, bit = 1 << (p & 31);
        if ((this.zeroBits[word] & bit) !== 0) { this.pendingBits[word] &= ~bit; n++; }
      }
    }
    this.pendingCount -= n;
    this.balloonedPages = n;
  }

  private mark(page: number, nowSeconds: number): void {
    const w = page >>> 5;
    const bit = 1 << (page & 31);
    if (this.servingFaults && (this.pendingBits[w] & bit) !== 0) {
      // Post-copy: the guest needs this page now; it is sent at once and the scan goes on from it.
      this.pendingBits[w] &= ~bit;
      this.pendingCount--;
      this.faultsServed++;
      this.cursorWord = w;
      this.backWord = w - 1;
      this.backNext = false;
    }
    if ((this.dirtyBits[w] & bit) === 0) {
      this.dirtyBits[w] |= bit;
      if ((this.pendingBits[w] & bit) !== 0) this.pendingDirtyCount++;
      if (this.dirtyListLength === this.dirtyList.length) {
        const grown = new Int32Array(this.dirtyList.length * 2);
        grown.set(this.dirtyList);
        this.dirtyList = grown;
      }
      this.dirtyList[this.dirtyListLength++] = page;
    }
    this.zeroBits[w] &= ~bit;
    if (this.versions) this.versions[page]++;
    if (this.onWrite) this.onWrite(page, nowSeconds);
  }

  advance(nowSeconds: number): void {
    const t0 = this.generatedUntil;
    if (!(nowSeconds > t0)) return;
    this.generatedUntil = nowSeconds;
    const w = this.workload;
    if (w.kind === 'trace') {
      forEachTraceWrite(w, t0, nowSeconds, (p) => this.mark(p, nowSeconds));
      return;
    }
    const lambda = this.lambda;
    lambda.fill(0);
    const nSeg = lambda.length;
    forEachPhaseOverlap(w, t0, nowSeconds, (p, dt, from, phaseStart) => {
      const rate = w.phases[p].ratePerPage;
      for (let s = 0; s < nSeg; s++) lambda[s] += rate[s] * dt;
      const sw = w.phases[p].sweep;
      if (sw) {
        // Sweep pointer (pages since the phase began, from its start page), continuous in time.
        const a = sw.startPage + (from - phaseStart) * sw.pagesPerSecond;
        const b = a + dt * sw.pagesPerSecond;
        const ia = Math.floor(a), ib = Math.floor(b);
        const order = sw.order;
        if (ib - ia >= sw.bufferPages) {
          for (let k = 0; k < sw.bufferPages; k++) this.mark(sw.firstPage + k, nowSeconds);
        } else if (order) {
          for (let k = ia; k < ib; k++) this.mark(sw.firstPage + order[k % sw.bufferPages], nowSeconds);
        } else {
          for (let k = ia; k < ib; k++) this.mark(sw.firstPage + (k % sw.bufferPages), nowSeconds);
        }
      }
    });
    for (let s = 0; s < nSeg; s++) {
      if (lambda[s] > 0) {
        const first = w.segmentFirstPage[s];
        forEachBernoulli(first, first + w.segmentPages[s], -lambda[s], this.rng, (p) => this.mark(p, nowSeconds));
      }
    }
  }

  dirtySinceSync(nowSeconds: number): number {
    this.advance(nowSeconds);
    return this.dirtyListLength;
  }

  pendingWrittenSinceSync(nowSeconds: number): number {
    this.advance(nowSeconds);
    return this.pendingDirtyCount;
  }

  sync(nowSeconds: number): number {
    this.advance(nowSeconds);
    this.pendingDirtyCount = 0; // every dirty bit is cleared below
    const list = this.dirtyList;
    for (let i = 0; i < this.dirtyListLength; i++) {
      const p = list[i];
      const w = p >>> 5;
      const bit = 1 << (p & 31);
      this.dirtyBits[w] &= ~bit;
      if ((this.pendingBits[w] & bit) === 0) {
        this.pendingBits[w] |= bit;
        this.pendingCount++;
      }
    }
    this.dirtyListLength = 0;
    return this.pendingCount;
  }

  take(maxPages: number, skipRedirtied: boolean, nowSeconds: number, out: TakeResult): void {
    out.pages = 0; out.zeroPages = 0; out.skippedPages = 0;
    if (this.servingFaults && (this.bubble || this.backward)) { this.takeAroundFault(maxPages, out); return; }
    if (skipRedirtied || this.onTaken) this.advance(nowSeconds);
    let budget = Math.min(Math.floor(maxPages), this.pendingCount);
    if (budget <= 0) return;
    const pending = this.pendingBits;
    let w = this.cursorWord;
    const c = { sent: 0, zeros: 0, skipped: 0, dirtyTaken: 0 };
    const words = this.words;
    while (budget > 0) {
      if (pending[w] !== 0) {
        budget -= this.takeWord(w, budget, skipRedirtied, c);
        if (pending[w] !== 0) break; // budget exhausted inside this word; resume here next time
      }
      w++;
      if (w === words) w = 0;
    }
    this.cursorWord = w;
    this.pendingCount -= c.sent + c.skipped;
    this.pendingDirtyCount -= c.dirtyTaken;
    out.pages = c.sent; out.zeroPages = c.zeros; out.skippedPages = c.skipped;
  }

  /** Takes up to `budget` pending pages of word `w`, lowest first, counting them into `c`; returns how many. */
  private takeWord(w: number, budget: number, skipRedirtied: boolean, c: { sent: number; zeros: number; skipped: number; dirtyTaken: number }): number {
    let bits = this.pendingBits[w], took = 0, n = 0;
    while (bits !== 0 && n < budget) {
      const low = bits & -bits;
      bits ^= low;
      took |= low;
      n++;
      const written = (this.dirtyBits[w] & low) !== 0;
      if (written) c.dirtyTaken++;
      if (skipRedirtied && written) c.skipped++;
      else {
        c.sent++;
        const zero = (this.zeroBits[w] & low) !== 0;
        if (zero) c.zeros++;
        else if ((this.newAtDestinationBits[w] & low) !== 0) { this.newAtDestinationBits[w] &= ~low; this.firstContentPages++; }
        if (this.onTaken) this.onTaken((w << 5) + (31 - Math.clz32(low)), zero);
      }
    }
    this.pendingBits[w] &= ~took;
    return n;
  }

  /**
   * Pre-paging around the last fault, whole 32-page words, each word's pending pages sent.
   * Bubbling: alternately the next word up from the last fault (wrapping to the bottom past the
   * top) and the next one down (until page 0). Backward: only down, wrapping to the top past page 0.
   * Faults are served as the guest writes (mark), so nothing is skipped here.
   */
  private takeAroundFault(maxPages: number, out: TakeResult): void {
    let budget = Math.min(Math.floor(maxPages), this.pendingCount);
    const c = { sent: 0, zeros: 0, skipped: 0, dirtyTaken: 0 };
    while (budget > 0) {
      if (this.backward) {
        const w = this.cursorWord;
        budget -= this.takeWord(w, budget, false, c);
        if (this.pendingBits[w] !== 0) break;
        this.cursorWord = w === 0 ? this.words - 1 : w - 1;
        continue;
      }
      const down = this.backNext && this.backWord >= 0;
      let w = down ? this.backWord : this.cursorWord;
      budget -= this.takeWord(w, budget, false, c);
      if (this.pendingBits[w] !== 0) break; // budget exhausted inside this word; it is taken up again next time
      if (down) this.backWord--;
      else { w++; this.cursorWord = w === this.words ? 0 : w; }
      if (this.backWord >= 0) this.backNext = !down;
    }
    this.pendingCount -= c.sent;
    this.pendingDirtyCount -= c.dirtyTaken;
    out.pages = c.sent; out.zeroPages = c.zeros; out.skippedPages = 0;
  }

  takeByRewriteRate(maxPages: number, ratePagesPerSecond: number, fromSeconds: number, toSeconds: number, skipRedirtied: boolean, nowSeconds: number, out: TakeResult): number {
    out.pages = 0; out.zeroPages = 0; out.skippedPages = 0;
    const w = this.workload;
    if (w.kind !== 'segments') throw new Error('internal: ordered propagation needs a segmented workload, not a trace');
    if (skipRedirtied) this.advance(nowSeconds);
    const { ratePerPage, order } = rewriteOrder(w, fromSeconds, toSeconds);
    let left = Math.floor(maxPages), acc = 0;
    for (const s of order) {
      if (left <= 0 || acc >= ratePagesPerSecond) break;
      const byRate = ratePerPage[s] > 0 ? Math.ceil((ratePagesPerSecond - acc) / ratePerPage[s]) : Infinity;
      const first = w.segmentFirstPage[s];
      const n = this.takeRange(first, first + w.segmentPages[s], Math.min(left, byRate), skipRedirtied, out);
      left -= n; acc += n * ratePerPage[s];
    }
    return acc;
  }

  /** Takes up to `limit` pending pages of [from, to) in address order into `out` (skipping re-written ones if asked); returns how many were scanned. */
  private takeRange(from: number, to: number, limit: number, skipRedirtied: boolean, out: TakeResult): number {
    let scanned = 0, dirtyTaken = 0;
    for (let p = from; p < to && scanned < limit;) {
      const w = p >>> 5;
      if (this.pendingBits[w] === 0 && (p & 31) === 0 && p + 32 <= to) { p += 32; continue; }
      const bit = 1 << (p & 31);
      if ((this.pendingBits[w] & bit) !== 0) {
        this.pendingBits[w] &= ~bit;
        scanned++;
        const written = (this.dirtyBits[w] & bit) !== 0;
        if (written) dirtyTaken++;
        if (skipRedirtied && written) out.skippedPages++;
        else {
          out.pages++;
          const zero = (this.zeroBits[w] & bit) !== 0;
          if (zero) out.zeroPages++;
          else if ((this.newAtDestinationBits[w] & bit) !== 0) { this.newAtDestinationBits[w] &= ~bit; this.firstContentPages++; }
          if (this.onTaken) this.onTaken(p, zero);
        }
      }
      p++;
    }
    this.pendingCount -= scanned;
    this.pendingDirtyCount -= dirtyTaken;
    return scanned;
  }

  rewind(): void {
    this.cursorWord = 0;
  }

  skipPeriods(): void {
    throw new Error('PageTracker.skipPeriods: the page-level tracker draws every write and cannot skip a steady state');
  }

  /** The pending pages in address order (for checkpoint bookkeeping). */
  pendingList(): Int32Array {
    const out = new Int32Array(this.pendingCount);
    let k = 0;
    for (let w = 0; w < this.words; w++) {
      let bits = this.pendingBits[w];
      while (bits !== 0) {
        const low = bits & -bits;
        out[k++] = (w << 5) + (31 - Math.clz32(low));
        bits ^= low;
      }
    }
    return out;
  }
}

/**
 * Visits each index in [from, to) independently with probability 1 − exp(logClean), in increasing
 * order, by geometric skipping (cost proportional to the number visited).
 */
export function forEachBernoulli(from: number, to: number, logClean: number, rng: RandomStream, visit: (i: number) => void): void {
  if (logClean === 0) return;
  if (logClean === -Infinity || logClean < -40) {
    for (let i = from; i < to; i++) visit(i);
    return;
  }
  let i = from - 1;
  for (;;) {
    const u = 1 - rng.uniform(); // (0, 1]
    i += 1 + Math.floor(Math.log(u) / logClean);
    if (i >= to) return;
    visit(i);
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
