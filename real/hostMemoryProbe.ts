import { PAGE_SIZE_BYTES } from '../models/units/pageSize.ts';

/**
 * How long this host takes to back a page of memory no process has touched — what QEMU pays for
 * every page it migrates that neither end has backed yet: the source's read of a never-written
 * guest page and the destination's write (or zero check) each fault one in. On a bare-metal host
 * that is the kernel zeroing a page (≈ 0.1–1 µs); in a VM whose host takes back freed memory
 * (free page reporting, ballooning: the testbed's own machines), every fault goes out to that host
 * too, and its cost drifts with the host's state (seen: 3 µs to 26 µs per page within one hour).
 * network.zeroPageSeconds and migration.firstTouchSecondsPerPage hold only while this does, so a
 * replay records it beside what it measured.
 *
 * Allocates `bytes` (a fresh anonymous mapping: V8 takes large buffers zero-filled from calloc,
 * which leaves mmap'd pages untouched), writes one byte in each page and returns the seconds per
 * page; the buffer is garbage afterwards.
 */
export function firstTouchSecondsPerPage(bytes = 64 * 1024 * 1024): number {
  const buf = new Uint8Array(bytes);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < bytes; i += PAGE_SIZE_BYTES) buf[i] = 1;
  return Number(process.hrtime.bigint() - t0) / 1e9 / Math.ceil(bytes / PAGE_SIZE_BYTES);
}
