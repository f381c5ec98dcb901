import { splitSegmentAt, type SegmentedWorkload } from '../workload/segments.ts';
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
 * Whatever the placement, the top `topNonZeroPages` of memory hold no zero pages when the guest's
 * footprint says so (vm.footprint.topMiB: the kernel's early, top-down allocations; the workload is
 * first cut there, `withTopBoundary`), and the zero pages are placed in the rest.
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
  let n = 0;
  for (let s = 0; s < w.segmentPages.length; s++) if (segmentWritten(w, s)) n += w.segmentPages[s];
  return n;
}

/** Whether the workload writes segment `s` at some time (a rate in some phase, or a sweep across it). */
export function segmentWritten(w: SegmentedWorkload, s: number): boolean {
  const nSeg = w.segmentPages.length;
  return w.phases.some((phase, p) => phase.ratePerPage[s] > 0 || (phase.sweep !== null && w.sweepCovers[p * nSeg + s] === 1));
}

/**
 * The zero-page fraction from what a researcher knows about the guest image, measured once
 * (`miglab testbed qemu --measure-footprint`): its idle footprint N0 (vm.footprint.idleMiB: what
 * the OS, page cache and daemons hold, plus memory they freed without zeroing it) and the freed
 * part F of it (vm.footprint.reusableMiB). A workload that writes W pages allocates them; the guest's
 * allocator hands out freed (dirty) pages among never-touched (zero) ones, a steady share of each
 * allocation until the freed ones run out: the non-zero memory is N0 + W − min(F, REUSE_FRACTION·W),
 * the rest is zero.
 * Assumed: the workload's pages have all been written before the migration starts (a program
 * touches the buffer it allocates; the testbed's dirtier fills its buffer first).
 */
export function zeroFractionFromFootprint(totalPages: number, footprintPages: number, reusablePages: number, workloadPages: number): number {
  return Math.min(1, Math.max(0, totalPages - footprintPages - workloadPages + reusedPages(workloadPages, reusablePages)) / totalPages);
}

/** Of W newly written pages, how many land on the footprint's F freed pages: min(F, REUSE_FRACTION·W). Any unit. */
export function reusedPages(workload: number, reusable: number): number {
  return Math.max(0, Math.min(reusable, REUSE_FRACTION * workload));
}

/**
 * The footprint (N0, F) from two measured non-zero sizes (`miglab testbed qemu --measure-footprint`,
 * all in MiB): the idle guest, and the guest with a large buffer of B MiB. N0 is the idle guest as
 * measured — on the testbed with its dirtier's heartbeat buffer of 1 MiB (real/dirtier.ts
 * IDLE_DIRTIER_MIB), which a workload's own buffer replaces: within (1 − REUSE_FRACTION) MiB, the
 * same either way. With the large buffer past the freed pages (REUSE_FRACTION·B ≥ F), F = N0 + B −
 * big: the model then gives both measured sizes back exactly. Where it is not, the large buffer's
 * size does not depend on F: refused, a larger buffer is needed.
 */
export function solveFootprint(idleNonZero: number, bigNonZero: number, B: number): { idleMiB: number; reusableMiB: number } {
  const f = Math.min(idleNonZero, Math.max(0, idleNonZero + B - bigNonZero));
  // At F = REUSE_FRACTION·B the large buffer may not have got past the freed pages (any larger F gives the same non-zero size).
  if (f >= REUSE_FRACTION * B * (1 - 1e-9)) throw new Error(`the footprint's freed part (at least ${f.toFixed(1)} MiB) may be more than a ${B} MiB buffer reuses (${REUSE_FRACTION} of it): measure with a buffer of at least ${Math.ceil((2 * f) / REUSE_FRACTION)} MiB`);
  return { idleMiB: idleNonZero, reusableMiB: f };
}

/**
 * The share of a new allocation's pages that land on the footprint's freed pages, until those run
 * out. A calibration on the QEMU testbed (Debian 6.1 cloud kernel + busybox initramfs), from runs of
 * its own (scenarios/calibration/qemu-footprint-reuse.json, 2026-12-02: the 256 MiB guest with
 * buffers of 16–160 MiB, twice each, reproducible to 0.01 MiB; 512 and 1024 MiB guests): what the
 * 256 MiB guest's buffers reused grows by ≈ 0.57 MiB a MiB up to ≈ 40 MiB and then stays at F
 * (8.7, 18.3, 22.2, 22.3, 22.7, 23.0 and 22.7 MiB for 16, 32, 48, 64, 96, 128 and 160 MiB). With
 * 0.57 the interior points are within 0.5 MiB (0.19 % of guest memory); the former rule, a gradual
 * exponential (F·(1 − exp(−W / 1.4F)), fitted to 2026-11-30's data), was off by up to 4 MiB at
 * 32–48 MiB. Data and procedure: scripts/experiments/footprint-reuse.md.
 */
export const REUSE_FRACTION = 0.57;

const cutAtTop = new WeakMap<SegmentedWorkload, Map<number, SegmentedWorkload>>();

/**
 * The workload cut `topNonZeroPages` below the top of memory (so the top block is its own
 * segments), memoized per workload and size (a sweep reuses one compiled workload for many runs).
 */
export function withTopBoundary(w: SegmentedWorkload, topNonZeroPages: number): SegmentedWorkload {
  const top = Math.min(w.totalPages, Math.round(topNonZeroPages));
  if (top <= 0) return w;
  let bySize = cutAtTop.get(w);
  const known = bySize?.get(top);
  if (known) return known;
  const cut = splitSegmentAt(w, w.totalPages - top);
  if (!bySize) cutAtTop.set(w, (bySize = new Map()));
  if (bySize.size < 64) bySize.set(top, cut);
  return cut;
}

export function zeroFractionsBySegment(w: SegmentedWorkload, zeroPageFraction: number, placement: ZeroPagePlacement, topNonZeroPages = 0): Float64Array {
  const nSeg = w.segmentPages.length;
  // The top block (vm.footprint.topMiB) holds no zero pages; the same number lie in the rest.
  const topFrom = w.totalPages - Math.min(w.totalPages, Math.max(0, Math.round(topNonZeroPages)));
  const zeroPages = Math.min(zeroPageFraction * w.totalPages, topFrom);
  const out = new Float64Array(nSeg).fill(topFrom > 0 ? zeroPages / topFrom : 0);
  for (let s = 0; s < nSeg; s++) if (w.segmentFirstPage[s] >= topFrom) out[s] = 0;
  if (placement === 'uniform' || zeroPageFraction <= 0) return out;
  const written = new Uint8Array(nSeg);
  w.phases.forEach((phase, p) => {
    for (let s = 0; s < nSeg; s++) if (phase.ratePerPage[s] > 0 || (phase.sweep && w.sweepCovers[p * nSeg + s] === 1)) written[s] = 1;
  });
  let unwrittenPages = 0, writtenPages = 0;
  for (let s = 0; s < nSeg; s++) {
    if (w.segmentFirstPage[s] >= topFrom) continue;
    if (written[s]) writtenPages += w.segmentPages[s];
    else unwrittenPages += w.segmentPages[s];
  }
  const inUnwritten = Math.min(zeroPages, unwrittenPages);
  const fUnwritten = unwrittenPages > 0 ? inUnwritten / unwrittenPages : 0;
  const fWritten = writtenPages > 0 ? Math.min(1, (zeroPages - inUnwritten) / writtenPages) : 0;
  for (let s = 0; s < nSeg; s++) out[s] = w.segmentFirstPage[s] >= topFrom ? 0 : written[s] ? fWritten : fUnwritten;
  return out;
}
