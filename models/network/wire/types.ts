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
   * network.zeroPageSeconds). Not pipelined: the migration thread that reads a page to find it zero
   * is the one that writes the others to the link, so the two add up (encoderCap). Absent: 0.
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
 * the bottleneck, and by the zero pages' time on top of the bytes' time on the link
 * (`linkBytesPerSecond`: the link's rate for this stream). The caller passes the bytes it already
 * priced (a wire priced page by page, like XBZRLE's, prices each batch once).
 */
export function encoderCap(wire: WireFormat, pages: number, zeroPages: number, bytes: number, capBytesPerSecond: number, linkBytesPerSecond = Infinity): number {
  if (pages <= 0) return capBytesPerSecond;
  return streamCap(bytes, wire.cpuSeconds?.(pages, zeroPages) ?? 0, zeroPages * (wire.zeroPageSeconds ?? 0), capBytesPerSecond, linkBytesPerSecond);
}

/**
 * The rate cap of `bytes` whose encoding takes `encoderSeconds` (pipelined with the link: the slower
 * decides) and whose zero pages take `zeroSeconds` of the sending thread (added to the bytes' time
 * on the link, `linkBytesPerSecond`); the rate limit `capBytesPerSecond` still bounds it, since
 * QEMU's window sleeps off what its thread did not use.
 */
export function streamCap(bytes: number, encoderSeconds: number, zeroSeconds: number, capBytesPerSecond: number, linkBytesPerSecond: number): number {
  let cap = capBytesPerSecond;
  if (encoderSeconds > 0) cap = Math.min(cap, bytes / encoderSeconds);
  if (zeroSeconds > 0) cap = Math.min(cap, bytes / (bytes / linkBytesPerSecond + zeroSeconds));
  return cap;
}
