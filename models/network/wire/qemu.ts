import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import type { WireFormat } from './types.ts';

/**
 * QEMU's RAM stream: each normal page is an 8-byte header (offset | flags) + the 4096-byte page; a
 * zero page is the header + 1 byte (migration/ram.c save_zero_page / save_normal_page). The
 * block-id string sent on a RAM-block change is ignored (one block per guest here).
 */
export const QEMU_PAGE_HEADER_BYTES = 8;
export const QEMU_ZERO_PAGE_BYTES = QEMU_PAGE_HEADER_BYTES + 1;

export const qemuWire: WireFormat = {
  name: 'qemu',
  bytesPerPage: PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES,
  bytes: (pages, zeroPages) => (pages - zeroPages) * (PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES) + zeroPages * QEMU_ZERO_PAGE_BYTES,
};
