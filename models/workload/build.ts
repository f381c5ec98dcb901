import { PAGE_SIZE_BYTES, MIB_BYTES } from '../units/pageSize.ts';
import { buildSegmentedWorkload, type PhaseDraft, type SegmentedWorkload } from './segments.ts';
import type { WorkloadSpec } from './spec.ts';
import { loadDirtyTrace, type DirtyTrace } from './trace.ts';
import { loadBufferLayout } from './layout.ts';
import { InputError } from '../input/errors.ts';

export type CompiledWorkload = SegmentedWorkload | DirtyTrace;

const mibToPages = (mib: number): number => Math.round((mib * MIB_BYTES) / PAGE_SIZE_BYTES);

/**
 * Zipf-like popularity is bucketed: ranks are grouped into buckets whose widths grow by this
 * factor, and every page of a bucket gets the bucket's mean rate. Both fidelity levels use the same
 * buckets, so they agree; within a bucket the rates differ from the exact Zipf law by at most the
 * ratio of its end ranks' weights (≤ 1.25^s).
 */
export const ZIPF_BUCKET_GROWTH = 1.25;

function zipfRanges(first: number, count: number, writesPerSecond: number, exponent: number): PhaseDraft['ranges'] {
  // Normaliser H = Σ_{k=1..count} k^−s, computed per bucket (exact sums for small ranks, integral approximation beyond).
  const bucketWeight = (a: number, b: number): number => {
    // Σ_{k=a..b} k^−s
    if (b - a < 64) { let s = 0; for (let k = a; k <= b; k++) s += Math.pow(k, -exponent); return s; }
    const f = (x: number): number => (Math.abs(exponent - 1) < 1e-12 ? Math.log(x) : Math.pow(x, 1 - exponent) / (1 - exponent));
    return f(b + 0.5) - f(a - 0.5);
  };
  const buckets: [number, number, number][] = [];
  let a = 1;
  let width = 1;
  while (a <= count) {
    const b = Math.min(count, a + Math.max(1, Math.floor(width)) - 1);
    buckets.push([a, b, bucketWeight(a, b)]);
    a = b + 1;
    width *= ZIPF_BUCKET_GROWTH;
  }
  const total = buckets.reduce((s, x) => s + x[2], 0);
  return buckets.map(([lo, hi, w]) => ({ firstPage: first + lo - 1, pageCount: hi - lo + 1, ratePerPage: (writesPerSecond * w) / total / (hi - lo + 1) }));
}

/** Where a workload's region starts (offsetMiB) and a size of it in pages, clipped to the guest (absent: the rest of memory). */
function regionOf(spec: WorkloadSpec, totalPages: number): { offset: number; span: (mib: number | undefined) => number } {
  const offset = 'offsetMiB' in spec && spec.offsetMiB !== undefined ? mibToPages(spec.offsetMiB) : 0;
  return { offset, span: (mib) => Math.min(totalPages - offset, mib === undefined ? totalPages - offset : mibToPages(mib)) };
}

/** A sweep's buffer in pages, as compiled (the size a workload.layoutFile must hold). */
export function sweepBufferPages(spec: WorkloadSpec & { type: 'sweep' }, totalPages: number): number {
  return regionOf(spec, totalPages).span(spec.bufferMiB);
}

function draftOf(spec: WorkloadSpec, totalPages: number, durationSeconds: number, resolvePath: (p: string) => string): PhaseDraft {
  const { offset, span } = regionOf(spec, totalPages);
  switch (spec.type) {
    case 'idle':
      return { durationSeconds, ranges: [], sweep: null };
    case 'uniform': {
      const ws = span(spec.workingSetMiB);
      return { durationSeconds, ranges: ws > 0 ? [{ firstPage: offset, pageCount: ws, ratePerPage: spec.writesPerSecond / ws }] : [], sweep: null };
    }
    case 'hotcold': {
      const ws = span(spec.workingSetMiB);
      const hot = Math.min(ws, mibToPages(spec.hotSetMiB));
      const cold = ws - hot;
      const ranges: PhaseDraft['ranges'] = [];
      if (hot > 0) ranges.push({ firstPage: offset, pageCount: hot, ratePerPage: (spec.writesPerSecond * spec.hotWriteFraction) / hot });
      if (cold > 0) ranges.push({ firstPage: offset + hot, pageCount: cold, ratePerPage: (spec.writesPerSecond * (1 - spec.hotWriteFraction)) / cold });
      return { durationSeconds, ranges, sweep: null };
    }
    case 'sweep': {
      const buf = span(spec.bufferMiB);
      if (!(buf > 0 && spec.writesPerSecond > 0)) return { durationSeconds, ranges: [], sweep: null };
      const order = spec.layoutFile !== undefined ? loadBufferLayout(resolvePath(spec.layoutFile), buf) : undefined;
      return { durationSeconds, ranges: [], sweep: { firstPage: offset, bufferPages: buf, pagesPerSecond: spec.writesPerSecond, startPage: spec.startPage ?? 0, ...(order ? { order } : {}) } };
    }
    case 'zipf': {
      const ws = span(spec.workingSetMiB);
      return { durationSeconds, ranges: ws > 0 ? zipfRanges(offset, ws, spec.writesPerSecond, spec.exponent ?? 1) : [], sweep: null };
    }
    case 'phases':
    case 'trace':
      throw new Error(`workload type '${spec.type}' cannot be nested inside a phase`);
  }
}

/**
 * The guest OS's own hot pages (vm.osHotPages): a few pages its kernel rewrites all the time (per-CPU
 * data, the timer wheel, stacks, console rings), dirty again at every bitmap read however short the
 * pass. Each is written OS_HOT_PAGE_WRITES_PER_SECOND times a second: the timer tick of Debian's
 * kernels (CONFIG_HZ_250), so a page stays clean through a 20 ms pass with probability e^−5 < 1 %.
 * They sit at the top of guest memory.
 */
export const OS_HOT_PAGE_WRITES_PER_SECOND = 250;

/** Pages one 4 KiB x86-64 page-table page maps (512 eight-byte entries). */
export const PAGES_PER_PAGE_TABLE = 512;

/** What the guest adds to a workload's own writes (vm.osHotPages, vm.pageWalksDirtyPageTables). */
export interface GuestDirt { osHotPages: number; pageWalksDirtyPageTables: boolean }
export const NO_GUEST_DIRT: GuestDirt = { osHotPages: 0, pageWalksDirtyPageTables: false };

/** A rate-based workload's per-page record (workload.recordBytesPerPage), 0 where it has none. */
const recordBytesOf = (spec: WorkloadSpec): number => ('recordBytesPerPage' in spec ? spec.recordBytesPerPage ?? 0 : 0);

/**
 * The pages a phase dirties besides the pages its workload writes, all at the top of guest memory
 * and outside the workload's nominal rate (background), from the top down:
 *  - the OS's hot pages (above);
 *  - the workload's records (workload.recordBytesPerPage): a program that keeps a record per page of
 *    its memory (a version, a flag) in an array updates it with each write — ⌈pages × bytes / 4 KiB⌉
 *    pages, record page k holding the records of the workload's pages k × 4 KiB / bytes onwards in
 *    address order, so each is written at the rate of the pages it covers (a hot set's records
 *    are hot, a cold set's cold; a sweep's buffer is taken as written evenly);
 *  - its page tables (vm.pageWalksDirtyPageTables): QEMU's TCG marks every page-table page its page
 *    walker reads dirty for migration, content unchanged (target/i386/tcg/system/excp_helper.c
 *    ptw_translate() probes each with MMU_DATA_STORE, since it may set accessed/dirty bits;
 *    accel/tcg/cputlb.c probe_access_full_mmu() calls notdirty_write() on a page still clean since
 *    the last bitmap sync), and a walk follows every TLB miss. Modelled: one page-table page per 512
 *    written pages, each touched at the write rate of the 512 pages it maps — every write a miss, as
 *    for writes spread over more pages than the TLB holds; a small hot set that stays in the TLB is
 *    overcounted. KVM (hardware page walks) has no such dirt: leave it off there.
 */
function withGuestDirt(d: PhaseDraft, totalPages: number, g: GuestDirt, recordBytesPerPage: number): PhaseDraft {
  const extra: PhaseDraft['ranges'] = [];
  let top = totalPages;
  const below = (count: number, writesPerSecond: number): void => {
    const n = Math.min(top, count);
    if (n <= 0 || !(writesPerSecond > 0)) return;
    top -= n;
    extra.push({ firstPage: top, pageCount: n, ratePerPage: writesPerSecond / n, background: true });
  };
  below(Math.round(g.osHotPages), OS_HOT_PAGE_WRITES_PER_SECOND * Math.round(g.osHotPages));
  const runs = ownRuns(d);
  if (recordBytesPerPage > 0) for (const r of coveringPages(runs, PAGE_SIZE_BYTES / recordBytesPerPage)) below(r.count, r.writesPerSecond);
  if (g.pageWalksDirtyPageTables) for (const p of coveringPages(runs, PAGES_PER_PAGE_TABLE)) below(p.count, p.writesPerSecond);
  return extra.length === 0 ? d : { ...d, ranges: [...d.ranges, ...extra] };
}

/** A phase's own pages in address order as runs of equal write rate: its ranges, then its sweep's buffer (taken as written evenly). */
function ownRuns(d: PhaseDraft): { pages: number; ratePerPage: number }[] {
  const runs = d.ranges.filter((r) => !r.background).sort((a, b) => a.firstPage - b.firstPage).map((r) => ({ pages: r.pageCount, ratePerPage: r.ratePerPage }));
  if (d.sweep && d.sweep.bufferPages > 0) runs.push({ pages: d.sweep.bufferPages, ratePerPage: d.sweep.pagesPerSecond / d.sweep.bufferPages });
  return runs.filter((r) => r.pages > 0 && r.ratePerPage > 0);
}

/**
 * The bookkeeping pages that each cover `perPage` consecutive own pages (a page table: 512; a record
 * array: 4 KiB / record bytes), ⌈pages / perPage⌉ of them, each written at the summed rate of the
 * pages it covers; consecutive ones of equal rate grouped ({count, their writes per second}).
 */
function coveringPages(runs: { pages: number; ratePerPage: number }[], perPage: number): { count: number; writesPerSecond: number }[] {
  const total = runs.reduce((a, r) => a + r.pages, 0);
  const n = Math.ceil(total / perPage - 1e-9);
  const groups: { count: number; writesPerSecond: number }[] = [];
  let run = 0;
  let usedOfRun = 0;
  for (let k = 0; k < n; k++) {
    let left = Math.min(perPage, total - k * perPage);
    let rate = 0;
    while (left > 1e-9 && run < runs.length) {
      const take = Math.min(left, runs[run].pages - usedOfRun);
      rate += take * runs[run].ratePerPage;
      left -= take;
      usedOfRun += take;
      if (runs[run].pages - usedOfRun <= 1e-9) { run++; usedOfRun = 0; }
    }
    const last = groups[groups.length - 1];
    if (last && Math.abs(last.writesPerSecond / last.count - rate) <= 1e-9 * rate) { last.count++; last.writesPerSecond += rate; } else groups.push({ count: 1, writesPerSecond: rate });
  }
  return groups;
}

/** Compiles a workload spec for a guest of `totalPages` pages. `resolvePath` resolves trace file paths. */
export function compileWorkload(spec: WorkloadSpec, totalPages: number, resolvePath: (p: string) => string = (p) => p, guest: GuestDirt = NO_GUEST_DIRT): CompiledWorkload {
  if (spec.type === 'trace') {
    if (guest.osHotPages > 0) throw new InputError('vm.osHotPages: a trace workload already holds every write the guest made (its OS\'s too): expected 0 with a trace, got ' + guest.osHotPages);
    if (guest.pageWalksDirtyPageTables) throw new InputError('vm.pageWalksDirtyPageTables: a trace workload already holds every page the guest dirtied (its page tables too): expected false with a trace');
    return loadDirtyTrace(resolvePath(spec.file), spec.repeat ?? false);
  }
  if (spec.type === 'phases') {
    const drafts = spec.phases.map((p) => withGuestDirt(draftOf(p.workload, totalPages, p.durationSeconds, resolvePath), totalPages, guest, recordBytesOf(p.workload)));
    return buildSegmentedWorkload(totalPages, drafts, spec.repeat ?? false);
  }
  return buildSegmentedWorkload(totalPages, [withGuestDirt(draftOf(spec, totalPages, Infinity, resolvePath), totalPages, guest, recordBytesOf(spec))], false);
}

/** Compiled rate-based workloads by (guest size, spec): a sweep or a benchmark compiles each once. */
const compiled = new Map<string, SegmentedWorkload>();
const COMPILED_CACHE_ENTRIES = 256;
/** The same, by spec object: a sweep's replicates share their scenario's spec (scenarios are never written to). */
const compiledBySpec = new WeakMap<WorkloadSpec, { totalPages: number; guest: GuestDirt; workload: SegmentedWorkload }>();

/**
 * `compileWorkload`, remembering rate-based workloads (compiled workloads are never mutated, so runs
 * can share them). Trace workloads are read from their file every time.
 */
export function compileWorkloadCached(spec: WorkloadSpec, totalPages: number, resolvePath?: (p: string) => string, guest: GuestDirt = NO_GUEST_DIRT): CompiledWorkload {
  if (spec.type === 'trace') return compileWorkload(spec, totalPages, resolvePath, guest);
  const known = compiledBySpec.get(spec);
  if (known?.totalPages === totalPages && known.guest.osHotPages === guest.osHotPages && known.guest.pageWalksDirtyPageTables === guest.pageWalksDirtyPageTables) return known.workload;
  const text = JSON.stringify(spec);
  // A layout file's path is relative to its scenario: such workloads are kept by spec object only.
  const key = text.includes('"layoutFile"') ? null : `${totalPages} ${guest.osHotPages} ${guest.pageWalksDirtyPageTables} ${text}`;
  let w = key === null ? undefined : compiled.get(key);
  if (!w) {
    w = compileWorkload(spec, totalPages, resolvePath, guest) as SegmentedWorkload;
    if (compiled.size >= COMPILED_CACHE_ENTRIES) compiled.clear();
    if (key !== null) compiled.set(key, w);
  }
  compiledBySpec.set(spec, { totalPages, guest, workload: w });
  return w;
}
