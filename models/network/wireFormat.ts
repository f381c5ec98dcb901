import { PAGE_SIZE_BYTES } from '../memory/pageSize.ts';

/**
 * Bytes a batch of pages costs on the wire.
 *
 * - `qemu`: each normal page is an 8-byte header (offset | flags) + the 4096-byte page; a zero page
 *   is the header + 1 byte (migration/ram.c save_zero_page / save_normal_page). The block-id string
 *   sent on a RAM-block change is ignored (one block per guest here).
 * - `xen`: migration stream v2 PAGE_DATA records of at most 1024 pages (MAX_BATCH_SIZE,
 *   xg_save_restore.h): an 8-byte record header + 8-byte page-data header + an 8-byte pfn entry per
 *   page + 4096 bytes per page (xg_sr_save.c write_batch). Zero pages are sent in full.
 * - `raw`: exactly 4096 bytes per page, no framing (SimGrid's model).
 */
export type WireFormatName = 'qemu' | 'xen' | 'raw';

export interface WireFormat {
  readonly name: WireFormatName;
  /** Bytes for `pages` pages of which `zeroPages` are zero pages, sent as one contiguous run. */
  bytes(pages: number, zeroPages: number): number;
  /** Bytes of one non-zero page, for converting byte budgets to page counts. */
  readonly bytesPerPage: number;
}

export const QEMU_PAGE_HEADER_BYTES = 8;
export const QEMU_ZERO_PAGE_BYTES = QEMU_PAGE_HEADER_BYTES + 1;
export const XEN_BATCH_PAGES = 1024;
export const XEN_BATCH_HEADER_BYTES = 16;
export const XEN_PFN_ENTRY_BYTES = 8;

const formats: Record<WireFormatName, WireFormat> = {
  qemu: {
    name: 'qemu',
    bytesPerPage: PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES,
    bytes: (pages, zeroPages) => (pages - zeroPages) * (PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES) + zeroPages * QEMU_ZERO_PAGE_BYTES,
  },
  xen: {
    name: 'xen',
    bytesPerPage: PAGE_SIZE_BYTES + XEN_PFN_ENTRY_BYTES,
    bytes: (pages) => (pages <= 0 ? 0 : pages * (PAGE_SIZE_BYTES + XEN_PFN_ENTRY_BYTES) + Math.ceil(pages / XEN_BATCH_PAGES) * XEN_BATCH_HEADER_BYTES),
  },
  raw: {
    name: 'raw',
    bytesPerPage: PAGE_SIZE_BYTES,
    bytes: (pages) => pages * PAGE_SIZE_BYTES,
  },
};

export function wireFormat(name: WireFormatName): WireFormat {
  return formats[name];
}
