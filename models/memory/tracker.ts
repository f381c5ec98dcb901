/**
 * The dirty-page tracker a migration algorithm sees: the hypervisor's log-dirty bitmap plus the
 * migration's own "still to send" set.
 *
 * - `sync` is the bitmap read: every page written since the previous sync joins the pending set
 *   (Xen's SHADOW_OP_CLEAN, QEMU's migration_bitmap_sync), and the log is cleared.
 * - `take` removes pages from the pending set in address order (both hypervisors scan pfn order),
 *   optionally skipping pages already written again since the last sync (legacy Xen's to_skip peek).
 *
 * Two implementations share this interface: `FluidTracker` (expected counts in closed form, real
 * numbers) and `PageTracker` (exact bitmaps, integer counts).
 */
export interface TakeResult {
  /** Pages actually sent (to be put on the wire). */
  pages: number;
  /** Of the sent pages, how many were zero pages (cheaper on QEMU's wire). */
  zeroPages: number;
  /** Pages removed from the pending set but not sent because they were dirty again. */
  skippedPages: number;
}

export interface DirtyTracker {
  readonly fidelity: 'fluid' | 'page';
  readonly totalPages: number;
  /** Pages still to send. */
  readonly pendingPages: number;
  /** Free pages a self-ballooning guest's balloon held from the start (never pending); 0 without one. */
  readonly balloonedPages: number;
  /**
   * Starts a migration's log-dirty mode at `nowSeconds`. Normally every page is pending (the first,
   * full round). When a checkpoint baseline exists (the destination already holds a consistent
   * image), only pages written since that image are pending: this is a plain `sync`.
   */
  startTracking(nowSeconds: number): void;
  /** Declares that the destination holds the guest's image as of the last sync (COW checkpoints). */
  setBaseline(): void;
  /** True once a baseline is set; a plain pre-copy clears it to start from all of memory. */
  hasBaseline: boolean;
  /** Brings the guest's writes up to `nowSeconds` (page level); no-op for the fluid tracker. */
  advance(nowSeconds: number): void;
  /** Distinct pages written since the last sync. */
  dirtySinceSync(nowSeconds: number): number;
  /** Of the pending pages, those written since the last sync (post-copy: pages already faulted ahead of the push). */
  pendingWrittenSinceSync(nowSeconds: number): number;
  /** Reads and clears the log: pending ∪= written-since-last-sync. Returns the pending count. */
  sync(nowSeconds: number): number;
  /** Removes up to `maxPages` pending pages (sent + skipped ≤ maxPages). */
  take(maxPages: number, skipRedirtied: boolean, nowSeconds: number, out: TakeResult): void;
  /** Restarts the address-order scan at page 0 (Xen scans the whole bitmap each round). */
  rewind(): void;
  /**
   * Page level only (post-copy with pre-paging): from now on a write to a pending page is a fault
   * served at once — the page leaves the pending set, is counted in `faultsServed`, and the scan
   * continues from it: `forward` upward in address order (QEMU), `bubble` outward from it,
   * alternately up and down (Hines & Gopalan's bubbling around the last fault), `backward` downward
   * from it, wrapping to the top past page 0 (their backward pre-paging).
   */
  serveFaults?(order?: 'forward' | 'bubble' | 'backward'): void;
  /**
   * Microwiper's ordered propagation (segmented workloads): pending pages segment by segment, the
   * least rewritten first — a segment's rewriting rate per page is the share of its pages written
   * in [fromSeconds, toSeconds) per second — until `maxPages` are taken or the summed rewriting
   * rate of the pages taken reaches `ratePagesPerSecond` (the hotter ones wait). With
   * `skipRedirtied`, a page written again since the last read (as of `nowSeconds`) is skipped, as
   * legacy Xen's scan does. Returns the rewriting rate of the pages scanned (sent or skipped).
   */
  takeByRewriteRate?(maxPages: number, ratePagesPerSecond: number, fromSeconds: number, toSeconds: number, skipRedirtied: boolean, nowSeconds: number, out: TakeResult): number;
  /**
   * Pages the destination has received content for the first time since the migration began: each
   * page sent non-zero that was never sent non-zero before (page level: exactly, per page; fluid:
   * expected, from each segment's never-sent share). The final phase reads how many its pages add:
   * the destination backs that memory as it first writes it (migration.firstTouchSecondsPerPage).
   */
  readonly firstContentPages: number;
  /** Faults served since `serveFaults` (page level). */
  readonly faultsServed?: number;
  /** Fluid only: pending pages from the scan position to the end of its memory segment. */
  pendingToBoundary?(): number;
  /**
   * Moves the tracker on by `count` periods of `periodSeconds`, each ending with a sync whose outcome
   * repeats the last one (a periodic steady state being skipped). Fluid trackers over stationary
   * workloads only; the page-level tracker draws real writes and cannot skip.
   */
  skipPeriods(periodSeconds: number, count: number): void;
  /**
   * Page level only: called with each page `take` hands out (sent, not skipped), in the order
   * taken, and whether it is a zero page — for wire formats whose bytes depend on the page
   * (XBZRLE's cache). Null: nobody listens.
   */
  onTaken?: ((page: number, zero: boolean) => void) | null;
  /**
   * Page level, when asked for: each page's write count (one per write interval that touched it),
   * so a sender can tell whether a page changed since it last sent it. With `onTaken` set, `take`
   * first brings the writes up to its time: pages are read when sent.
   */
  readonly versions?: Uint32Array | null;
}

export const newTakeResult = (): TakeResult => ({ pages: 0, zeroPages: 0, skippedPages: 0 });
