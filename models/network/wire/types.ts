/**
 * How pages are encoded on the wire (a plug-in orthogonal to the migration policy): the bytes a
 * batch of pages costs. One file per format in this folder, listed in registry.ts.
 */
export interface WireFormat {
  readonly name: string;
  /** Bytes for `pages` pages of which `zeroPages` are zero pages, sent as one contiguous run. */
  bytes(pages: number, zeroPages: number): number;
  /** Bytes of one non-zero page, for converting byte budgets to page counts. */
  readonly bytesPerPage: number;
}
