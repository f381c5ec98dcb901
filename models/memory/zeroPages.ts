import type { SegmentedWorkload } from '../workload/segments.ts';
import type { CompiledWorkload } from '../workload/build.ts';

/**
 * Where a guest's zero pages (pages holding only zeros at time 0: never touched, or freed and
 * scrubbed) lie. `vm.zeroPageFraction` gives how many; `vm.zeroPagePlacement` where:
 * - `unwritten-first` (default): first in memory the workload never writes (a running
 *   application's working set is not zero; the unused rest of RAM is), then, only if there are
 *   more zero pages than that, evenly over the written part. This is how a real guest looks: the
 *   QEMU testbed's dirtier fills its buffer before it starts, and the zero pages QEMU finds are
 *   the rest of memory.
 * - `uniform`: evenly over all of memory, whatever the workload writes.
 * Returns, per segment, the fraction of its pages that are zero pages. Both fidelity levels use
 * it (the fluid tracker as expectations, the page-level tracker as per-page probabilities).
 */
export type ZeroPagePlacement = 'unwritten-first' | 'uniform';

/** Pages the workload writes at some time (its working set, buffer, hot set; a trace's pages). */
export function writtenPages(w: CompiledWorkload): number {
  if (w.kind === 'trace') {
    const seen = new Uint8Array(w.totalPages);
    let n = 0;
    for (let i = 0; i < w.pages.length; i++) if (!seen[w.pages[i]]) { seen[w.pages[i]] = 1; n++; }
    return n;
  }
  const nSeg = w.segmentPages.length;
  let n = 0;
  for (let s = 0; s < nSeg; s++) {
    if (w.phases.some((phase, p) => phase.ratePerPage[s] > 0 || (phase.sweep !== null && w.sweepCovers[p * nSeg + s] === 1))) n += w.segmentPages[s];
  }
  return n;
}

/**
 * The zero-page fraction from what a researcher knows about the guest (vm.footprintMiB): its idle
 * footprint — what the OS, its page cache and daemons hold, measured once per guest image — plus
 * every page the workload writes are not zero; the rest of memory is. Assumed: the footprint and
 * the workload's pages are disjoint (the workload's buffer is its own allocation), and every page
 * of the workload's span has been written before the migration starts (a program touches the
 * buffer it allocates; the QEMU testbed's dirtier fills its buffer first).
 */
export function zeroFractionFromFootprint(totalPages: number, footprintPages: number, workloadPages: number): number {
  return Math.max(0, totalPages - footprintPages - workloadPages) / totalPages;
}

export function zeroFractionsBySegment(w: SegmentedWorkload, zeroPageFraction: number, placement: ZeroPagePlacement): Float64Array {
  const nSeg = w.segmentPages.length;
  const out = new Float64Array(nSeg).fill(zeroPageFraction);
  if (placement === 'uniform' || zeroPageFraction <= 0) return out;
  const written = new Uint8Array(nSeg);
  w.phases.forEach((phase, p) => {
    for (let s = 0; s < nSeg; s++) if (phase.ratePerPage[s] > 0 || (phase.sweep && w.sweepCovers[p * nSeg + s] === 1)) written[s] = 1;
  });
  let unwrittenPages = 0;
  for (let s = 0; s < nSeg; s++) if (!written[s]) unwrittenPages += w.segmentPages[s];
  const zeroPages = zeroPageFraction * w.totalPages;
  const inUnwritten = Math.min(zeroPages, unwrittenPages);
  const fUnwritten = unwrittenPages > 0 ? inUnwritten / unwrittenPages : 0;
  const writtenPages = w.totalPages - unwrittenPages;
  const fWritten = writtenPages > 0 ? Math.min(1, (zeroPages - inUnwritten) / writtenPages) : 0;
  for (let s = 0; s < nSeg; s++) out[s] = written[s] ? fWritten : fUnwritten;
  return out;
}
