import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import type { WireFormat } from './types.ts';

/** Exactly one page's bytes per page, no framing (SimGrid's model). */
export const rawWire: WireFormat = {
  name: 'raw',
  bytesPerPage: PAGE_SIZE_BYTES,
  bytes: (pages) => pages * PAGE_SIZE_BYTES,
};
