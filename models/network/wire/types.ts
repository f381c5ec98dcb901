/**
 * How pages are encoded on the wire (a plug-in orthogonal to the migration policy): the bytes a
 * batch of pages costs, and the CPU time its encoding takes. One file per format in this folder,
 * listed in registry.ts.
 */
export interface WireFormat {
  readonly name: string;
  /** Bytes for `pages` pages of which `zeroPages` are zero pages, sent as one contiguous run. */
  bytes(pages: number, zeroPages: number): number;
  /** Bytes of one non-zero page, for converting byte budgets to page counts. */
  readonly bytesPerPage: number;
  /**
   * Seconds the slower end (encoding at the source, decoding at the destination, each on its
   * cores, pipelined with the link) needs for `pages` pages of which `zeroPages` are zero pages.
   * Absent: framing only, which costs no CPU time worth modelling next to the link.
   */
  cpuSeconds?(pages: number, zeroPages: number): number;
  /**
   * Seconds the hosts spend on each zero page besides that (QEMU's zero-page detection at both ends:
   * network.zeroPageSeconds), pipelined with the link like cpuSeconds. Absent: 0.
   */
  readonly zeroPageSeconds?: number;
  /**
   * Told of each bitmap sync by the policies that know one (QEMU's): a wire whose bytes depend on
   * the pass (XBZRLE's cache generations, multifd's first pass over the guest's footprint).
   */
  onBitmapSync?(): void;
}

/**
 * The rate cap (bytes/s) of sending `pages` pages (`zeroPages` of them zero), `bytes` on the wire,
 * as one stream: `capBytesPerSecond`, lowered to the encoder's pace where the CPU, not the link, is
 * the bottleneck. The caller passes the bytes it already priced (a wire priced page by page, like
 * XBZRLE's, prices each batch once).
 */
export function encoderCap(wire: WireFormat, pages: number, zeroPages: number, bytes: number, capBytesPerSecond: number): number {
  if (pages <= 0) return capBytesPerSecond;
  const cpu = wireCpuSeconds(wire, pages, zeroPages);
  return cpu > 0 ? Math.min(capBytesPerSecond, bytes / cpu) : capBytesPerSecond;
}

/** The hosts' seconds for a batch of `pages` (`zeroPages` of them zero): the encoder's and the zero pages'. */
export function wireCpuSeconds(wire: WireFormat, pages: number, zeroPages: number): number {
  return (wire.cpuSeconds?.(pages, zeroPages) ?? 0) + zeroPages * (wire.zeroPageSeconds ?? 0);
}
