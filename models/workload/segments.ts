import { BOUNDS, boundText } from '../bounds.ts';
import { InputError } from '../input/errors.ts';

/**
 * The compiled form of every rate-based dirtying workload: guest memory cut into contiguous
 * page ranges ("segments"), and a list of time phases. In each phase a segment's pages are
 * written as independent Poisson processes with a per-page rate (writes/s/page), and optionally a
 * sequential sweep runs over one contiguous buffer.
 *
 * What costs a migration is the number of *distinct* pages written since the last dirty-bitmap
 * read, not the number of writes. For a Poisson page with cumulative intensity Λ over an interval
 * the probability of staying clean is exp(−Λ); for a sweep of r pages/s over a buffer of B pages
 * the clean fraction is max(0, 1 − r·Δt/B). Both fidelity levels use these same numbers: the fluid
 * tracker takes expectations in closed form, the page-level tracker draws the exact pages.
 */
export interface SweepSpec {
  firstPage: number;
  bufferPages: number;
  pagesPerSecond: number;
  /** The page (in the order the sweep writes them, 0 ≤ startPage < bufferPages) its pointer writes first when its phase begins (workload.startPage). */
  startPage: number;
  /** The buffer's physical order (workload.layoutFile; page fidelity only): virtual page k is page firstPage + order[k]. Absent: in order. */
  order?: Int32Array;
}

export interface Phase {
  startSeconds: number;
  /** Infinity for the last phase of a non-repeating workload. */
  endSeconds: number;
  /** Per segment: Poisson writes per second per page. */
  ratePerPage: Float64Array;
  sweep: SweepSpec | null;
}

export interface SegmentedWorkload {
  readonly kind: 'segments';
  totalPages: number;
  segmentFirstPage: Float64Array;
  segmentPages: Float64Array;
  /** Phases in time order, covering [0, cycleSeconds) (or [0, ∞) when not repeating). */
  phases: Phase[];
  /** When finite, the phase list repeats with this period. */
  cycleSeconds: number;
  /** For each segment, whether the sweep of phase p covers it (index p * segments + s). */
  sweepCovers: Uint8Array;
  /** Nominal page writes per second averaged over one cycle (for reports). */
  nominalWritesPerSecond: number;
}

/** A single-phase building block before segmentation: page ranges with per-page rates, or a sweep. */
export interface PhaseDraft {
  durationSeconds: number;
  /** background: the guest OS's own writes (vm.osHotPages), left out of the nominal write rate. */
  ranges: { firstPage: number; pageCount: number; ratePerPage: number; background?: boolean }[];
  sweep: SweepSpec | null;
}

/** Cuts memory at every range and sweep boundary of every phase, so each phase is constant per segment. */
export function buildSegmentedWorkload(totalPages: number, drafts: PhaseDraft[], repeat: boolean): SegmentedWorkload {
  const cuts = new Set<number>([0, totalPages]);
  for (const d of drafts) {
    for (const r of d.ranges) { cuts.add(r.firstPage); cuts.add(r.firstPage + r.pageCount); }
    if (d.sweep) { cuts.add(d.sweep.firstPage); cuts.add(d.sweep.firstPage + d.sweep.bufferPages); }
  }
  const points = [...cuts].filter((p) => p >= 0 && p <= totalPages).sort((a, b) => a - b);
  const segmentFirstPage: number[] = [];
  const segmentPages: number[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    if (points[i + 1] > points[i]) { segmentFirstPage.push(points[i]); segmentPages.push(points[i + 1] - points[i]); }
  }
  const nSeg = segmentFirstPage.length;
  // Every phase holds a rate per segment: distinct page ranges in many phases multiply.
  if (nSeg * drafts.length > BOUNDS.workloadCells.value) throw new InputError(`workload: ${drafts.length.toLocaleString('en-US')} phases over ${nSeg.toLocaleString('en-US')} memory segments (one per distinct range boundary) is ${(nSeg * drafts.length).toLocaleString('en-US')} cells; ${boundText('workloadCells')}`);
  const phases: Phase[] = [];
  const sweepCovers = new Uint8Array(nSeg * drafts.length);
  let t = 0;
  let writesTimesSeconds = 0;
  drafts.forEach((d, p) => {
    const rate = new Float64Array(nSeg);
    for (const r of d.ranges) {
      for (let s = 0; s < nSeg; s++) {
        if (segmentFirstPage[s] >= r.firstPage && segmentFirstPage[s] + segmentPages[s] <= r.firstPage + r.pageCount) rate[s] += r.ratePerPage;
      }
      if (!r.background) writesTimesSeconds += r.ratePerPage * r.pageCount * (Number.isFinite(d.durationSeconds) ? d.durationSeconds : 1);
    }
    if (d.sweep) {
      for (let s = 0; s < nSeg; s++) {
        if (segmentFirstPage[s] >= d.sweep.firstPage && segmentFirstPage[s] + segmentPages[s] <= d.sweep.firstPage + d.sweep.bufferPages) sweepCovers[p * nSeg + s] = 1;
      }
      writesTimesSeconds += d.sweep.pagesPerSecond * (Number.isFinite(d.durationSeconds) ? d.durationSeconds : 1);
    }
    const isLast = p === drafts.length - 1;
    const end = isLast && !repeat ? Infinity : t + d.durationSeconds;
    phases.push({ startSeconds: t, endSeconds: end, ratePerPage: rate, sweep: d.sweep });
    t = end;
  });
  const cycleSeconds = repeat ? t : Infinity;
  const totalDuration = drafts.reduce((a, d) => a + (Number.isFinite(d.durationSeconds) ? d.durationSeconds : 1), 0);
  return {
    kind: 'segments',
    totalPages,
    segmentFirstPage: Float64Array.from(segmentFirstPage),
    segmentPages: Float64Array.from(segmentPages),
    phases,
    cycleSeconds,
    sweepCovers,
    nominalWritesPerSecond: totalDuration > 0 ? writesTimesSeconds / totalDuration : 0,
  };
}

/**
 * Calls `visit(phaseIndex, overlapSeconds, phaseStartAbsolute)` for each phase overlapping [t0, t1),
 * unrolling repetitions of a cyclic workload.
 */
export function forEachPhaseOverlap(w: SegmentedWorkload, t0: number, t1: number, visit: (phase: number, overlapSeconds: number, from: number, phaseStartAbsolute: number) => void): void {
  if (!(t1 > t0)) return;
  const phases = w.phases;
  if (phases.length === 1 && !Number.isFinite(w.cycleSeconds)) { visit(0, t1 - t0, t0, 0); return; }
  const cycle = w.cycleSeconds;
  let base = Number.isFinite(cycle) ? Math.floor(t0 / cycle) * cycle : 0;
  for (;;) {
    for (let p = 0; p < phases.length; p++) {
      const a = base + phases[p].startSeconds;
      const b = base + phases[p].endSeconds;
      const lo = Math.max(a, t0);
      const hi = Math.min(b, t1);
      if (hi > lo) visit(p, hi - lo, lo, a);
    }
    if (!Number.isFinite(cycle)) return;
    base += cycle;
    if (base >= t1) return;
  }
}

/**
 * Fills `out[s]` with the probability that a page of segment s is written at least once in
 * [t0, t1) (the expected dirty fraction of the segment). Independent phases multiply.
 */
export function dirtyFractions(w: SegmentedWorkload, t0: number, t1: number, out: Float64Array | number[]): void {
  const nSeg = w.segmentPages.length;
  if (!(t1 > t0)) { out.fill(0); return; }
  const phases = w.phases;
  if (phases.length === 1 && !Number.isFinite(w.cycleSeconds)) {
    const rate = phases[0].ratePerPage;
    const dt = t1 - t0;
    const sw = phases[0].sweep;
    const sweepClean = sw ? Math.max(0, 1 - (sw.pagesPerSecond * dt) / sw.bufferPages) : 1;
    for (let s = 0; s < nSeg; s++) {
      let clean = Math.exp(-rate[s] * dt);
      if (sw && w.sweepCovers[s] === 1) clean *= sweepClean;
      out[s] = 1 - clean;
    }
    return;
  }
  out.fill(1); // holds "clean" probabilities until the end
  forEachPhaseOverlap(w, t0, t1, (p, dt) => {
    const phase = phases[p];
    const sw = phase.sweep;
    const sweepClean = sw ? Math.max(0, 1 - (sw.pagesPerSecond * dt) / sw.bufferPages) : 1;
    for (let s = 0; s < nSeg; s++) {
      let clean = Math.exp(-phase.ratePerPage[s] * dt);
      if (sw && w.sweepCovers[p * nSeg + s] === 1) clean *= sweepClean;
      out[s] *= clean;
    }
  });
  for (let s = 0; s < nSeg; s++) out[s] = 1 - out[s];
}

/** The probability that a page of segment `s` is written at least once in [t0, t1) (one entry of `dirtyFractions`). */
export function segmentDirtyFraction(w: SegmentedWorkload, s: number, t0: number, t1: number): number {
  if (!(t1 > t0)) return 0;
  const nSeg = w.segmentPages.length;
  if (w.phases.length === 1 && !Number.isFinite(w.cycleSeconds)) {
    const phase = w.phases[0], dt = t1 - t0, sw = phase.sweep;
    let clean = Math.exp(-phase.ratePerPage[s] * dt);
    if (sw && w.sweepCovers[s] === 1) clean *= Math.max(0, 1 - (sw.pagesPerSecond * dt) / sw.bufferPages);
    return 1 - clean;
  }
  let clean = 1;
  forEachPhaseOverlap(w, t0, t1, (p, dt) => {
    const phase = w.phases[p];
    clean *= Math.exp(-phase.ratePerPage[s] * dt);
    const sw = phase.sweep;
    if (sw && w.sweepCovers[p * nSeg + s] === 1) clean *= Math.max(0, 1 - (sw.pagesPerSecond * dt) / sw.bufferPages);
  });
  return 1 - clean;
}

/** Expected number of distinct pages written in [t0, t1). */
export function expectedDistinctPages(w: SegmentedWorkload, t0: number, t1: number, scratch: Float64Array | number[] = new Float64Array(w.segmentPages.length)): number {
  dirtyFractions(w, t0, t1, scratch);
  let sum = 0;
  for (let s = 0; s < scratch.length; s++) sum += scratch[s] * w.segmentPages[s];
  return sum;
}

/**
 * The same workload with its segment containing `page` cut in two at `page` (each half keeps the
 * segment's rates and sweep coverage), or `w` itself when `page` is already a boundary. Whole
 * pages only: `page` is rounded down.
 */
export function splitSegmentAt(w: SegmentedWorkload, page: number): SegmentedWorkload {
  const at = Math.floor(page);
  const nSeg = w.segmentPages.length;
  let s = 0;
  while (s < nSeg && w.segmentFirstPage[s] + w.segmentPages[s] <= at) s++;
  if (s >= nSeg || at <= w.segmentFirstPage[s]) return w;
  const first = Array.from(w.segmentFirstPage), pages = Array.from(w.segmentPages);
  first.splice(s + 1, 0, at);
  pages.splice(s, 1, at - w.segmentFirstPage[s], w.segmentFirstPage[s] + w.segmentPages[s] - at);
  const covers = new Uint8Array((nSeg + 1) * w.phases.length);
  const phases = w.phases.map((ph, p) => {
    for (let k = 0; k <= nSeg; k++) covers[p * (nSeg + 1) + k] = w.sweepCovers[p * nSeg + (k <= s ? k : k - 1)];
    const rate = new Float64Array(nSeg + 1);
    for (let k = 0; k <= nSeg; k++) rate[k] = ph.ratePerPage[k <= s ? k : k - 1];
    return { ...ph, ratePerPage: rate };
  });
  return { ...w, segmentFirstPage: Float64Array.from(first), segmentPages: Float64Array.from(pages), phases, sweepCovers: covers };
}

/**
 * Per segment, its pages' rewriting rate over [t0, t1): the share of them written in the interval
 * per second (Microwiper's stripe rate, in expectation), and the segments in ascending order of it.
 */
export function rewriteOrder(w: SegmentedWorkload, t0: number, t1: number): { ratePerPage: Float64Array; order: number[] } {
  const n = w.segmentPages.length;
  const ratePerPage = new Float64Array(n);
  if (t1 > t0) { dirtyFractions(w, t0, t1, ratePerPage); for (let s = 0; s < n; s++) ratePerPage[s] /= t1 - t0; }
  const order = Array.from({ length: n }, (_, s) => s).sort((a, b) => ratePerPage[a] - ratePerPage[b] || a - b);
  return { ratePerPage, order };
}
