import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import type { WireFormat } from './types.ts';

/**
 * QEMU's multifd (migration/multifd.c, multifd-nocomp.c, multifd-zlib.c, multifd-zstd.c,
 * multifd-zero-page.c), QEMU ≥ 9.0:
 *
 * The migration thread queues the pages it finds dirty into packets of MULTIFD_PACKET_SIZE =
 * 512 KiB (128 pages); each packet goes to the next free of `channels` sender threads, each with
 * its own TCP connection. A packet is a fixed header — MultiFDPacket_t, 320 bytes, then the
 * offsets of all 128 pages it can hold, 8 bytes each: 1,344 bytes — followed by the data of its
 * non-zero pages. Zero pages are found by the sender threads (zero-page-detection "multifd", the
 * default with multifd) and cost only their offset. With compression the threads compress each
 * packet's non-zero pages as one stream (zlib: deflate, Z_SYNC_FLUSH at the packet's end; zstd:
 * one frame); the receiving threads decompress.
 *
 * Bytes: a page costs 1,344 / 128 = 10.5 bytes of its packet's header, plus its data: 4,096 bytes,
 * or with compression what it compresses to — stated inputs, the guest's data decides, not QEMU:
 * the workload's pages `compressedPageBytes`, the idle guest's footprint (its OS)
 * `footprintCompressedPageBytes`. The first pass sends both (each non-zero page at their average
 * over the guest's non-zero pages, `firstPassPageBytes`), later passes what the workload dirtied.
 * Packets are taken as full (pages are queued across a pass until 128 are waiting; a sync flushes
 * a partial packet, which this model does not price).
 *
 * Pace (the CPU cost, pipelined with the link): the compressing senders and decompressing receivers
 * work in parallel, one core each; a batch of n non-zero pages takes
 *   max(n × 4096 / (channels × compressBytesPerSecond), n × 4096 / (channels × decompressBytesPerSecond))
 * seconds of wall time, and the link waits for the slower end. Without compression the threads only
 * copy, at no cost worth modelling. All channels share one path: the model sends the stream as one
 * transfer at the link's rate (channels help when the CPU, not the link, limits).
 */
export type MultifdCompression = 'none' | 'zlib' | 'zstd';

export interface MultifdParameters {
  /** multifd-channels (QEMU default 2). */
  channels: number;
  /** multifd-compression (QEMU default none). */
  compression: MultifdCompression;
  /** Bytes a page the workload writes compresses to (with zlib or zstd; its data decides). */
  compressedPageBytes: number | null;
  /** Bytes a page of the idle guest's footprint compresses to (absent: compressedPageBytes). */
  footprintCompressedPageBytes?: number;
  /** Bytes of page one sender thread compresses per second (null: the compressor's default below). */
  compressBytesPerSecond: number | null;
  /** Bytes of page one receiver thread decompresses per second (null: the compressor's default below). */
  decompressBytesPerSecond: number | null;
}

/** MULTIFD_PACKET_SIZE / 4096 (multifd.h). */
export const MULTIFD_PAGES_PER_PACKET = 128;
/** sizeof(MultiFDPacket_t) (multifd.h, QEMU ≥ 9.0: 12 + 4 × 3 + 8 + 4 + 4 + 24 + 256) + 8 bytes per page slot. */
export const MULTIFD_PACKET_HEADER_BYTES = 320 + 8 * MULTIFD_PAGES_PER_PACKET;

/**
 * The compressors' speeds at QEMU's default levels (multifd-zlib-level 1, multifd-zstd-level 1),
 * per thread, measured on this project's testbed host (Intel Xeon, 2 cores; 2026-12-01) on 512 KiB
 * packets of pages holding 1,024 random bytes and 3,072 constant ones (≈ 1,030 bytes compressed):
 * zlib 1.2.13 via Python's zlib, zstd 1.5.4 via `zstd -b1 -B524288`. Data-dependent: zlib
 * compresses all-constant pages at ≈ 420 MB/s and random ones at ≈ 32 MB/s on the same host.
 */
export const COMPRESSOR_DEFAULTS: Record<Exclude<MultifdCompression, 'none'>, { compressBytesPerSecond: number; decompressBytesPerSecond: number }> = {
  zlib: { compressBytesPerSecond: 121e6, decompressBytesPerSecond: 462e6 },
  zstd: { compressBytesPerSecond: 946e6, decompressBytesPerSecond: 3893e6 },
};

/** What the channels carried (summary.json `multifd`). */
export interface MultifdSummary {
  channels: number;
  compression: MultifdCompression;
  /** Bytes each channel carried: the packets (query-migrate's multifd-bytes) over the channels, round robin. */
  bytesPerChannel: number;
}

/** The channels' share of a migration's bytes: every page goes through them (the main channel's few control bytes aside). */
export function multifdSummary(p: MultifdParameters, bytesTransferred: number): MultifdSummary {
  return { channels: p.channels, compression: p.compression, bytesPerChannel: bytesTransferred / p.channels };
}

/**
 * `firstPassPageBytes`: what a non-zero page of the first pass costs on average — with compression
 * the footprint's and the workload's compressed sizes weighted by their pages (runScenario.ts).
 */
export function multifdWire(p: MultifdParameters, firstPassPageBytes = p.compressedPageBytes ?? PAGE_SIZE_BYTES, zeroPageSeconds = 0): WireFormat {
  const perPageHeader = MULTIFD_PACKET_HEADER_BYTES / MULTIFD_PAGES_PER_PACKET;
  // Zero pages are found in the channels' threads (QEMU ≥ 9.0, zero-page-detection "multifd": multifd-zero-page.c), each its share.
  const zero = zeroPageSeconds > 0 ? { zeroPageSeconds: zeroPageSeconds / p.channels } : {};
  if (p.compression === 'none') {
    return {
      name: 'qemu+multifd',
      ...zero,
      bytesPerPage: PAGE_SIZE_BYTES + perPageHeader,
      bytes: (pages, zeroPages) => pages * perPageHeader + (pages - zeroPages) * PAGE_SIZE_BYTES,
    };
  }
  if (p.compressedPageBytes === null) throw new Error('internal: multifd compression needs compressedPageBytes (the scenario validator asks for it)');
  const later = p.compressedPageBytes;
  let data = firstPassPageBytes;
  const d = COMPRESSOR_DEFAULTS[p.compression];
  const compress = p.compressBytesPerSecond ?? d.compressBytesPerSecond;
  const decompress = p.decompressBytesPerSecond ?? d.decompressBytesPerSecond;
  const slower = Math.min(compress, decompress) * p.channels;
  return {
    name: `qemu+multifd-${p.compression}`,
    ...zero,
    get bytesPerPage() { return data + perPageHeader; },
    bytes: (pages, zeroPages) => pages * perPageHeader + (pages - zeroPages) * data,
    cpuSeconds: (pages, zeroPages) => ((pages - zeroPages) * PAGE_SIZE_BYTES) / slower,
    onBitmapSync: () => { data = later; },
  };
}

/** The first pass's average compressed page: the footprint's and the workload's non-zero pages, each at its size. */
export function firstPassPageBytes(p: MultifdParameters, nonZeroPages: number, workloadPages: number): number {
  const w = p.compressedPageBytes ?? PAGE_SIZE_BYTES;
  const f = p.footprintCompressedPageBytes ?? w;
  if (!(nonZeroPages > 0)) return w;
  const fromWorkload = Math.min(workloadPages, nonZeroPages);
  return (fromWorkload * w + (nonZeroPages - fromWorkload) * f) / nonZeroPages;
}
