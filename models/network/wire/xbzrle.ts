import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import { QEMU_PAGE_HEADER_BYTES, QEMU_ZERO_PAGE_BYTES } from './qemu.ts';
import type { WireFormat } from './types.ts';

/** xbzrle-cache-size default: 64 MiB (migration/options.c DEFAULT_MIGRATE_XBZRLE_CACHE_SIZE). */
export const XBZRLE_DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
/** A cached page is not replaced by another for two generations (migration/page_cache.c CACHED_PAGE_LIFETIME). */
export const CACHED_PAGE_LIFETIME = 2;
/** An XBZRLE page on the wire: the page header, ENCODING_FLAG_XBZRLE (1 byte), the encoded length (2 bytes), then the encoding (ram.c save_xbzrle_page). */
export const XBZRLE_PAGE_OVERHEAD_BYTES = QEMU_PAGE_HEADER_BYTES + 1 + 2;
/** "sustained bandwidth of 2-2.5 GB/s for typical workloads" (QEMU docs/xbzrle.txt): the encoder's pace, taken as 2.25 GB/s of pages compared. */
export const XBZRLE_DEFAULT_ENCODE_BYTES_PER_SECOND = 2.25e9;

export interface XbzrleParameters {
  /** xbzrle-cache-size, bytes (QEMU needs a power of two pages). */
  cacheBytes: number;
  /** Bytes of page the encoder compares per second (its CPU pace on the source). */
  encodeBytesPerSecond: number;
}

/** Like query-migrate's `xbzrle-cache`: what the cache did over the migration. */
export interface XbzrleSummary {
  cacheBytes: number;
  /** Cache hits: pages encoded (sent as a delta, or whole on overflow) — QEMU's xbzrle-cache.pages. */
  pages: number;
  /** Their bytes on the wire without the 8-byte page header (a whole page on overflow) — xbzrle-cache.bytes. */
  bytes: number;
  cacheMisses: number;
  /** Hits whose encoding did not fit in a page: sent whole. */
  overflows: number;
  /** Bytes of page encoded per byte sent for them: pages × 4096 / bytes (QEMU's encoding-rate, over the whole migration). */
  encodingRate: number;
}

/** Page bytes encoded per byte sent for them (0 when nothing was encoded). */
export const xbzrleEncodingRate = (pages: number, bytes: number): number => (bytes > 0 ? (pages * PAGE_SIZE_BYTES) / bytes : 0);

/** ULEB128 length of `n`: 7 bits a byte. */
const ulebBytes = (n: number): number => (n < 128 ? 1 : n < 16384 ? 2 : 3);

/**
 * QEMU's XBZRLE (migration/xbzrle.c, page_cache.c, ram.c save_xbzrle_page) as a wire format that
 * prices each page as the page tracker hands it out.
 *
 * The cache: one slot per page of `cacheBytes`, a page's slot its page number modulo the slots
 * (direct-mapped on the address, not LRU — page_cache.c cache_get_cache_pos). Each slot holds a
 * page and its age, the generation (dirty-sync count) it was last hit or inserted at. Before the
 * first pass has covered memory (`started` false) nothing is cached or encoded. After it, a page
 * sent:
 *   - zero page: sent as a zero page; its slot is set to it where the slot may be replaced;
 *   - hit (its slot holds it): encoded against the cached copy, the cache updated to what is sent;
 *     the encoding is one run of the bytes changed since the copy was sent — a zero-run length
 *     (1 byte), the run's length (ULEB128) and the bytes — unless that exceeds a page (overflow:
 *     the page is sent whole); a page not written since its copy was sent (dirtied again before
 *     that send read it) encodes to nothing and is not sent, though QEMU counts it as encoded;
 *   - miss: sent whole and inserted, unless its slot holds another page hit or inserted less than
 *     CACHED_PAGE_LIFETIME generations ago (then not cached).
 * In the last stage (`lastStage`: the guest is stopped) hits are still encoded but the cache is no
 * longer updated.
 *
 * Assumption (stated, not QEMU's): the workload's writes to a page change the same
 * `bytesChangedPerWrite` bytes each time (a record or counter rewritten in place), so a page written
 * once or many times since it was last sent differs in that many bytes. A workload whose writes
 * land at scattered offsets changes more, and XBZRLE then helps less than predicted.
 *
 * `bytes(pages, zeroPages)` returns the bytes of the pages handed out since the previous call (the
 * tracker reports each through `onPage`), so every sender that asks the wire for a batch's bytes —
 * the policy's passes and the stop-and-copy alike — gets XBZRLE's.
 */
export class XbzrleStream implements WireFormat {
  readonly name = 'qemu+xbzrle';
  /** Generation: QEMU's dirty-sync-count (1 after the sync at setup), bumped at every bitmap sync. */
  generation = 1;
  /** Set once the first pass has covered memory (ram.c xbzrle_started). */
  started = false;
  lastStage = false;
  private readonly slots: number;
  private readonly slotPage: Int32Array;
  private readonly slotAge: Float64Array;
  /** The page's version the cached copy holds. */
  private readonly slotVersion: Uint32Array;
  private readonly deltaWireBytes: number;
  private readonly overflowing: boolean;
  private batchBytes = 0;
  private batchPages = 0;
  private batchHits = 0;
  private lastBytesPerPage = PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES;
  private readonly counters = { pages: 0, bytes: 0, cacheMisses: 0, overflows: 0 };

  /** `versions`: each page's write count (the page tracker's), to tell an unchanged page from a changed one. */
  constructor(private readonly p: XbzrleParameters, bytesChangedPerWrite: number, private readonly versions: Uint32Array, readonly zeroPageSeconds = 0) {
    this.slots = Math.max(1, Math.floor(p.cacheBytes / PAGE_SIZE_BYTES));
    this.slotPage = new Int32Array(this.slots).fill(-1);
    this.slotAge = new Float64Array(this.slots);
    this.slotVersion = new Uint32Array(this.slots);
    const changed = Math.min(PAGE_SIZE_BYTES, bytesChangedPerWrite);
    const encoded = 1 + ulebBytes(changed) + changed;
    this.overflowing = encoded > PAGE_SIZE_BYTES;
    this.deltaWireBytes = XBZRLE_PAGE_OVERHEAD_BYTES + encoded;
  }

  /** A bitmap sync: a new generation; the first pass is over (ram.c sets xbzrle_started when the scan wraps). */
  onBitmapSync(): void {
    this.generation++;
    this.started = true;
  }

  /** The tracker's onTaken: prices one page. */
  readonly onPage = (page: number, zero: boolean): void => {
    this.batchPages++;
    if (zero) {
      this.batchBytes += QEMU_ZERO_PAGE_BYTES;
      if (this.started && !this.lastStage) this.insert(page);
      return;
    }
    if (!this.started) { this.batchBytes += PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES; return; }
    const slot = page % this.slots;
    if (this.slotPage[slot] !== page) {
      this.counters.cacheMisses++;
      if (!this.lastStage) this.insert(page);
      this.batchBytes += PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES;
      return;
    }
    this.slotAge[slot] = this.generation;
    this.batchHits++;
    this.counters.pages++;
    // Not written since its copy was sent (it was dirtied, then sent with that write already in
    // it): the encoding is empty and QEMU sends nothing (save_xbzrle_page returns 0).
    if (this.versions[page] === this.slotVersion[slot]) return;
    if (!this.lastStage) this.slotVersion[slot] = this.versions[page];
    if (this.overflowing) {
      this.counters.overflows++;
      this.counters.bytes += PAGE_SIZE_BYTES;
      this.batchBytes += PAGE_SIZE_BYTES + QEMU_PAGE_HEADER_BYTES;
      return;
    }
    this.counters.bytes += this.deltaWireBytes - QEMU_PAGE_HEADER_BYTES;
    this.batchBytes += this.deltaWireBytes;
  };

  private insert(page: number): void {
    const slot = page % this.slots;
    const held = this.slotPage[slot];
    if (held !== -1 && held !== page && this.slotAge[slot] + CACHED_PAGE_LIFETIME > this.generation) return;
    this.slotPage[slot] = page;
    this.slotAge[slot] = this.generation;
    this.slotVersion[slot] = this.versions[page];
  }

  bytes(pages: number, _zeroPages: number): number {
    if (pages !== this.batchPages) throw new Error(`internal: XBZRLE priced ${this.batchPages} pages, the sender asks for ${pages}`);
    const bytes = this.batchBytes;
    this.last = { pages, hits: this.batchHits };
    if (pages > 0) this.lastBytesPerPage = bytes / pages;
    this.batchBytes = 0; this.batchPages = 0; this.batchHits = 0;
    return bytes;
  }

  /** The batch just priced: its pages and cache hits (for its encoding time). */
  private last = { pages: 0, hits: 0 };

  /** Bytes of the last batch per page: how a byte budget turns into pages (a full page before any delta). */
  get bytesPerPage(): number {
    return this.lastBytesPerPage;
  }

  /**
   * The migration thread's encoding time for the batch just priced (after `bytes`): each hit
   * compares a page against its cached copy at `encodeBytesPerSecond`. Pipelined with the link by
   * the sender (encoderCap), it matters only where the encoder is slower than the link.
   */
  cpuSeconds(pages: number, _zeroPages: number): number {
    return pages === this.last.pages ? (this.last.hits * PAGE_SIZE_BYTES) / this.p.encodeBytesPerSecond : 0;
  }

  summary(): XbzrleSummary {
    const c = this.counters;
    return { cacheBytes: this.p.cacheBytes, pages: c.pages, bytes: c.bytes, cacheMisses: c.cacheMisses, overflows: c.overflows, encodingRate: xbzrleEncodingRate(c.pages, c.bytes) };
  }
}
