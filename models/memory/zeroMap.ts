import { readFileSync } from 'node:fs';
import { MIB_BYTES, PAGE_SIZE_BYTES } from '../units/pageSize.ts';
import { splitSegmentAt, type SegmentedWorkload } from '../workload/segments.ts';
import { segmentWritten } from './zeroPages.ts';

/**
 * Where a guest's zero pages lie, from its image's measured memory map (vm.footprint.mapFile): the
 * idle guest's non-zero 4 KiB pages in each MiB of guest-physical memory, in the order QEMU scans it
 * (one RAM block from address 0). Measured once per image and size from a dump of the idle guest's
 * RAM (`miglab testbed qemu --measure-footprint --map-dir DIR`).
 *
 * Why it matters: zero pages are not spread evenly. The testbed's idle 512 MiB guest is a mixed low
 * region (≈ 60 MiB: kernel, initramfs, page cache), one or two runs of pure zero memory of 140-390 MiB,
 * a ≈ 40 MiB block and the top block. QEMU finds a zero page cheaply in bytes (9 on the wire) but
 * not in time (network.zeroPageSeconds): a window that crosses a pure-zero run spends its 100 ms on
 * them and sends almost nothing, and the bandwidth QEMU measures there sets its switchover threshold.
 *
 * Model (per MiB i, with nz[i] the map's non-zero pages):
 * - a page the workload writes is not a zero page, nor is the top block (vm.footprint.topMiB);
 * - MiB i holds at most 256 − nz[i] zero pages, on its pages left by those two;
 * - the workload's allocation takes the lowest free memory first: of these candidate zero pages,
 *   as many as the guest has fewer zero pages (vm.zeroPageFraction, from the footprint) are made
 *   non-zero from the bottom of memory up. (The dirtier's buffer on the testbed: its main run starts
 *   at MiB 40-48, the lowest large free area, in every layout measured — results/calibration/
 *   qemu-buffer-layout/.) The workload itself stays where the model puts it (address order).
 * - should the map leave fewer candidates than the guest's zero pages, the rest are spread evenly
 *   over the remaining unwritten pages.
 * The guest's zero-page count is unchanged: the map only says where they are.
 */
export class ZeroMapFormatError extends Error {}

const PAGES_PER_MIB = MIB_BYTES / PAGE_SIZE_BYTES;
const loaded = new Map<string, Uint16Array>();

/** Reads a map file: {"memoryMiB": N, "nonZeroPagesPerMiB": [N integers 0..256]}; throws ZeroMapFormatError naming what is wrong. */
export function loadZeroMap(path: string, memoryMiB: number): Uint16Array {
  const key = `${path}\u0000${memoryMiB}`;
  const known = loaded.get(key);
  if (known) return known;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ZeroMapFormatError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const d = data as { memoryMiB?: unknown; nonZeroPagesPerMiB?: unknown };
  if (typeof d !== 'object' || d === null || d.memoryMiB !== memoryMiB) throw new ZeroMapFormatError(`${path}: expected "memoryMiB": ${memoryMiB} (the guest's vm.memoryMiB), got ${JSON.stringify(d?.memoryMiB)}`);
  const a = d.nonZeroPagesPerMiB;
  if (!Array.isArray(a) || a.length !== memoryMiB) throw new ZeroMapFormatError(`${path}: nonZeroPagesPerMiB: expected an array of ${memoryMiB} counts (one per MiB), got ${Array.isArray(a) ? `${a.length} items` : JSON.stringify(a)}`);
  const out = new Uint16Array(memoryMiB);
  a.forEach((x, i) => {
    if (!Number.isInteger(x) || x < 0 || x > PAGES_PER_MIB) throw new ZeroMapFormatError(`${path}: nonZeroPagesPerMiB[${i}]: expected an integer 0..${PAGES_PER_MIB} (non-zero 4 KiB pages in that MiB), got ${JSON.stringify(x)}`);
    out[i] = x;
  });
  if (loaded.size < 64) loaded.set(key, out);
  return out;
}

/** Calls f(i, n) for each MiB i that [from, to) overlaps, with the n pages it holds of it. */
function forEachMiB(from: number, to: number, f: (i: number, n: number) => void): void {
  for (let p = from; p < to;) { const i = Math.floor(p / PAGES_PER_MIB), end = Math.min(to, (i + 1) * PAGES_PER_MIB); f(i, end - p); p = end; }
}

/** Per MiB, its pages neither written by the workload nor in the top block (where zero pages may lie). */
function freePagesByMiB(w: SegmentedWorkload, topNonZeroPages: number): Float64Array {
  const free = new Float64Array(Math.ceil(w.totalPages / PAGES_PER_MIB));
  const topFrom = w.totalPages - Math.min(w.totalPages, Math.max(0, Math.round(topNonZeroPages)));
  for (let s = 0; s < w.segmentPages.length; s++) {
    if (!segmentWritten(w, s)) forEachMiB(w.segmentFirstPage[s], Math.min(w.segmentFirstPage[s] + w.segmentPages[s], topFrom), (i, n) => { free[i] += n; });
  }
  return free;
}

/** Zero pages per MiB of the guest (see above): `zeroPages` in all, placed by the map. */
export function zeroPagesByMiB(nonZeroPerMiB: Uint16Array, w: SegmentedWorkload, zeroPages: number, topNonZeroPages: number): Float64Array {
  const free = freePagesByMiB(w, topNonZeroPages);
  const nMiB = free.length;
  const zero = new Float64Array(nMiB);
  let candidates = 0;
  for (let i = 0; i < nMiB; i++) { zero[i] = Math.min(PAGES_PER_MIB - (nonZeroPerMiB[i] ?? PAGES_PER_MIB), free[i]); candidates += zero[i]; }
  const target = Math.max(0, Math.min(zeroPages, free.reduce((a, x) => a + x, 0)));
  if (candidates >= target) {
    let consume = candidates - target; // the allocation takes the lowest free memory first
    for (let i = 0; i < nMiB && consume > 0; i++) { const r = Math.min(zero[i], consume); zero[i] -= r; consume -= r; }
  } else {
    let spare = 0;
    for (let i = 0; i < nMiB; i++) spare += free[i] - zero[i];
    const share = spare > 0 ? (target - candidates) / spare : 0;
    for (let i = 0; i < nMiB; i++) zero[i] += (free[i] - zero[i]) * share;
  }
  return zero;
}

/** The page boundaries at which the zero-page density per MiB changes (where the workload must be cut). */
export function zeroMapCuts(zeroByMiB: Float64Array, totalPages: number): number[] {
  const cuts: number[] = [];
  const density = (i: number): number => zeroByMiB[i] / Math.min(PAGES_PER_MIB, totalPages - i * PAGES_PER_MIB);
  for (let i = 1; i < zeroByMiB.length; i++) if (Math.abs(density(i) - density(i - 1)) > 1e-12) cuts.push(i * PAGES_PER_MIB);
  return cuts;
}

/** Each segment's zero-page fraction: its MiBs' zero pages over its pages not written (written segments: 0). */
export function zeroFractionsFromMap(w: SegmentedWorkload, zeroByMiB: Float64Array, topNonZeroPages: number): Float64Array {
  const topFrom = w.totalPages - Math.min(w.totalPages, Math.max(0, Math.round(topNonZeroPages)));
  // Zero pages per free page of each MiB, so a segment that covers part of a MiB gets its share.
  const free = freePagesByMiB(w, topNonZeroPages);
  const out = new Float64Array(w.segmentPages.length);
  for (let s = 0; s < out.length; s++) {
    if (segmentWritten(w, s)) continue;
    let z = 0;
    forEachMiB(w.segmentFirstPage[s], Math.min(w.segmentFirstPage[s] + w.segmentPages[s], topFrom), (i, n) => { if (free[i] > 0) z += (zeroByMiB[i] * n) / free[i]; });
    out[s] = w.segmentPages[s] > 0 ? Math.min(1, z / w.segmentPages[s]) : 0;
  }
  return out;
}

const cutByWorkload = new WeakMap<SegmentedWorkload, Map<string, SegmentedWorkload>>();
const mapOfWorkload = new WeakMap<SegmentedWorkload, Float64Array>();

/**
 * The workload cut wherever the map's zero-page density changes, remembering its zero pages per
 * MiB for the trackers (zeroMapOf); memoized per workload, map and zero-page count (a sweep reuses
 * one compiled workload for many runs).
 */
export function withZeroMap(w: SegmentedWorkload, nonZeroPerMiB: Uint16Array, zeroPages: number, topNonZeroPages: number, mapKey: string): SegmentedWorkload {
  const key = `${mapKey}\u0000${zeroPages}\u0000${topNonZeroPages}`;
  let byKey = cutByWorkload.get(w);
  const known = byKey?.get(key);
  if (known) return known;
  const zeroByMiB = zeroPagesByMiB(nonZeroPerMiB, w, zeroPages, topNonZeroPages);
  let cut = w;
  for (const p of zeroMapCuts(zeroByMiB, w.totalPages)) cut = splitSegmentAt(cut, p);
  if (cut === w) cut = { ...w }; // its own object, to carry the map
  mapOfWorkload.set(cut, zeroByMiB);
  if (!byKey) cutByWorkload.set(w, (byKey = new Map()));
  if (byKey.size < 64) byKey.set(key, cut);
  return cut;
}

/** The zero pages per MiB a workload was cut for (withZeroMap), or undefined: the placement rules apply. */
export function zeroMapOf(w: SegmentedWorkload): Float64Array | undefined {
  return mapOfWorkload.get(w);
}
