import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import type { WireFormat } from './types.ts';
import { XEN_BATCH_HEADER_BYTES, XEN_BATCH_PAGES, XEN_PFN_ENTRY_BYTES } from './xen.ts';

/**
 * MECOM's adaptive zero-aware compression (Jin et al., IEEE Cluster 2009; FGCS 38, 2014) on Xen's
 * stream: each page is classed by its content and sent with its class's encoder —
 * - a zero page as a marker only (its pfn entry);
 * - a page of high word similarity (small integers, nearby pointers) with a word-based compressor
 *   (WKdm-style, Wilson & Kaplan, USENIX 1999);
 * - any other page with a general-purpose fast compressor (LZO-style).
 * Pages are compressed in batches at the source and decompressed at the destination; encoding,
 * the link and decoding are pipelined, so a stream goes at the pace of the slowest of the three.
 *
 * Model (units in the names; the inputs are the scenario's `compression` section):
 * - the content mix of the non-zero pages (`similarPageFraction`) and each class's compressed size
 *   (`similarCompressedFraction`, `otherCompressedFraction` of a 4 KiB page) are stated inputs —
 *   measured on a memory dump of the guest, or assumed; every non-zero page of a batch costs the
 *   mix's expected size (the trackers know which pages are zero, not what the others hold);
 * - framing: Xen's batch header and 8-byte pfn entry per page (xen.ts), plus a 4-byte compressed
 *   length per compressed page (assumed: the papers do not give the record layout);
 * - CPU: each class's compressor and decompressor speeds (bytes of page per second per core),
 *   `threads` cores at each end; a zero page costs no CPU time (a word scan at memory speed is
 *   far faster than either compressor — assumed negligible);
 * - a page is never sent larger than raw (the compressed fractions are at most 1).
 */
export interface MecomParameters {
  threads: number;
  similarPageFraction: number;
  similarCompressedFraction: number;
  otherCompressedFraction: number;
  wordCompressBytesPerSecond: number;
  wordDecompressBytesPerSecond: number;
  generalCompressBytesPerSecond: number;
  generalDecompressBytesPerSecond: number;
}

/** The compressed length field of each compressed page (assumption). */
export const MECOM_LENGTH_BYTES = 4;

export function mecomWire(p: MecomParameters): WireFormat {
  const f = p.similarPageFraction;
  const payload = PAGE_SIZE_BYTES * (f * p.similarCompressedFraction + (1 - f) * p.otherCompressedFraction);
  const perPage = XEN_PFN_ENTRY_BYTES + MECOM_LENGTH_BYTES + payload;
  const encodeSecondsPerPage = PAGE_SIZE_BYTES * (f / p.wordCompressBytesPerSecond + (1 - f) / p.generalCompressBytesPerSecond);
  const decodeSecondsPerPage = PAGE_SIZE_BYTES * (f / p.wordDecompressBytesPerSecond + (1 - f) / p.generalDecompressBytesPerSecond);
  const cpuSecondsPerPage = Math.max(encodeSecondsPerPage, decodeSecondsPerPage) / p.threads;
  return {
    name: 'mecom',
    bytesPerPage: perPage,
    bytes: (pages, zeroPages) => (pages <= 0 ? 0
      : (pages - zeroPages) * perPage + zeroPages * XEN_PFN_ENTRY_BYTES + Math.ceil(pages / XEN_BATCH_PAGES) * XEN_BATCH_HEADER_BYTES),
    cpuSeconds: (pages, zeroPages) => (pages - zeroPages) * cpuSecondsPerPage,
  };
}
