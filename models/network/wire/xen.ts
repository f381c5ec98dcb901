import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import type { WireFormat } from './types.ts';

/**
 * Xen's migration stream v2: PAGE_DATA records of at most 1024 pages (MAX_BATCH_SIZE,
 * xg_save_restore.h): an 8-byte record header + 8-byte page-data header + an 8-byte pfn entry per
 * page + 4096 bytes per page (xg_sr_save.c write_batch). Zero pages are sent in full.
 */
export const XEN_BATCH_PAGES = 1024;
export const XEN_BATCH_HEADER_BYTES = 16;
export const XEN_PFN_ENTRY_BYTES = 8;

export const xenWire: WireFormat = {
  name: 'xen',
  bytesPerPage: PAGE_SIZE_BYTES + XEN_PFN_ENTRY_BYTES,
  bytes: (pages) => (pages <= 0 ? 0 : pages * (PAGE_SIZE_BYTES + XEN_PFN_ENTRY_BYTES) + Math.ceil(pages / XEN_BATCH_PAGES) * XEN_BATCH_HEADER_BYTES),
};
