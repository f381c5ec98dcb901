import { GuestClock } from '../../guest/clock.ts';
import { postcopyFaultSlowdown } from '../../guest/slowdowns/postcopyFaults.ts';
import { newTakeResult } from '../../memory/tracker.ts';
import type { StopReason } from '../recorder.ts';
import type { FinalPhase, MigrationContext } from '../types.ts';

/**
 * Post-copy: the guest moves first and its memory follows (Hines & Gopalan, VEE 2009; QEMU's
 * postcopy-ram, docs/devel/migration/postcopy.rst). At the switch the source stops, the
 * destination learns which pages it still lacks and resumes the guest; from then on the source
 * pushes the missing pages (QEMU's background stream, Hines' push; the order is below), and a
 * guest write to a page not yet received is a network-bound fault: the
 * destination requests that page, which goes ahead of the push, and the vCPU waits for it.
 * Every missing page crosses the wire exactly once, pushed or faulted.
 *
 * Model (both fidelities; units in the names):
 * - downtime = one latency + the missing-page bitmap (1 bit per page of memory) on the link +
 *   `resumeSeconds` (the device state is assumed small next to it);
 * - the push and the faults share the link; on a link shared by several migrations the push's
 *   timing assumes an equal share for each;
 * - the push scans the missing pages and skips those already faulted; a page is faulted when the
 *   guest writes it after the switch and before the push reaches it. The push
 *   reaches the k-th missing page once the link has delivered the pages before it, pushed or
 *   faulted (faulted pages take link time too); the fluid tracker judges each chunk of the scan at
 *   its midpoint, the page tracker each 1,024-page batch when the push reaches it;
 * - each fault blocks the guest for a request and a reply (2 × latency) plus the page on the link;
 *   blocked time is the sum over faults (one vCPU: faults are served one at a time);
 * - the guest runs only when not blocked: the workload's clock (which decides what it writes)
 *   falls behind the wall clock by the blocked time, so a guest that faults often writes fewer
 *   pages while the push goes on at the link's pace;
 * - only writes fault: the workload models writes, not reads, so faults are a lower bound for a
 *   guest that also reads pages it has not written;
 * - a faulted page is sent in full (a page the guest writes is rarely a zero page at the source);
 * - the push order (`PostcopyOptions.push`, the scenario's `migration.postcopyPush`): `address-order` scans the missing pages from page 0
 *   (Hines' push without pre-paging); `from-last-fault` (page level) is QEMU's: the background
 *   stream goes on from where pre-copy's scan stopped, and after serving a request it continues
 *   from the requested page (get_queued_page() in migration/ram.c: "the guest is likely to want
 *   other pages near to the page it just requested"), a form of pre-paging that spares a
 *   sequential writer most faults. There a fault is served when the guest writes (at the end of
 *   the interval its write is drawn in), not found when the push passes. `bubbling` (page level)
 *   is Hines & Gopalan's adaptive pre-paging (VEE 2009): the push goes out from the last faulting
 *   page in both directions, alternately forward and backward (one 32-page word at a time), and
 *   each new fault becomes the pivot; the single-pivot variant with the background push on. Faults
 *   are served as with `from-last-fault`. `backward` (page level), the third direction Hines &
 *   Gopalan compare: the push goes down from the last fault, wrapping to the top past page 0 (the
 *   mirror of QEMU's forward order, for a guest that walks memory downwards).
 * The summary counts the faults against the workload's working set (the pages it ever writes):
 * Hines & Gopalan report their pre-paging keeps network-bound faults "within 21 % of the VM's
 * working set" for large workloads.
 */
export interface PostcopySummary {
  /** When the guest resumed on the destination, seconds after the migration's start. */
  switchSeconds: number;
  /** From the resume until the last missing page arrived. */
  durationSeconds: number;
  /** Missing pages at the switch (all sent in this phase). */
  pages: number;
  /** Of them, sent by the background push. */
  pushedPages: number;
  /** Of them, requested by the guest (network-bound page faults). */
  faults: number;
  /** Total time the guest waited for faulted pages. */
  blockedSeconds: number;
  /** blockedSeconds / durationSeconds, at most 1. */
  appSlowdownFraction: number;
  /** The workload's working set (pages it ever writes), filled in by the run. */
  workingSetPages?: number;
  /** faults / workingSetPages (Hines & Gopalan's measure). */
  faultsPerWorkingSetPage?: number;
}

/** Pages per batch of the push at page level (a Xen PAGE_DATA batch; QEMU's chunks are of the same order). */
export const POSTCOPY_BATCH_PAGES = 1024;
/**
 * Pages per batch with QEMU's push order: its faults are served when the guest's writes are drawn,
 * once per batch, so the batch must be short next to a writer's progress (64 pages: 0.2 ms at
 * 10 Gbit/s, 2 ms at 1 Gbit/s).
 */
export const POSTCOPY_FOLLOW_BATCH_PAGES = 64;
/** Chunks the fluid push is cut into (and at memory-segment boundaries), each judged at its midpoint. */
export const FLUID_POSTCOPY_CHUNKS = 32;

export interface PostcopyOptions {
  /** Push order (see above). */
  push: 'address-order' | 'from-last-fault' | 'bubbling' | 'backward';
  /** Rate cap of the push and the faults, bytes/s (QEMU ignores max-bandwidth in post-copy: Infinity). */
  capBytesPerSecond: number;
  /** From the last byte of the bitmap to the guest running on the destination. */
  resumeSeconds: number;
}

/**
 * The post-copy phase: switches a running migration to post-copy and runs it to its end (then
 * `ctx.finish()`), with `reason` as the stop reason. The live rounds, if any, have sent pages;
 * those still pending, or written since they were sent, are the missing ones.
 */
export function postcopyPhase(o: PostcopyOptions): FinalPhase {
  return {
    name: 'postcopy',
    run(ctx: MigrationContext, reason: StopReason): void {
      const { sim, tracker, recorder: rec } = ctx;
      rec.stopReason = reason;
      rec.suspendSeconds = sim.nowSeconds;
      const dirtied = tracker.dirtySinceSync(sim.nowSeconds);
      tracker.sync(sim.nowSeconds);
      rec.setLastRoundDirtied(dirtied);
      const missing = tracker.pendingPages;
      const bitmapBytes = Math.ceil(tracker.totalPages / 8);
      ctx.send(bitmapBytes, Infinity, () => {
        const resume = (): void => {
          rec.resumeSeconds = sim.nowSeconds;
          push(ctx, o, missing);
        };
        if (o.resumeSeconds > 0) sim.schedule(o.resumeSeconds, resume);
        else resume();
      });
    },
  };
}

/** The push and the faults, from the guest's resume on the destination. */
function push(ctx: MigrationContext, o: PostcopyOptions, missing: number): void {
  const { sim, tracker, recorder: rec, link, wire } = ctx;
  const start = sim.nowSeconds;
  // The workload's clock stood still from the suspend to the resume (the guest was stopped), so the
  // guest's time since the resume is read on the tracker from the suspend, where the log was read.
  const guestOrigin = rec.suspendSeconds ?? start;
  // QEMU's push goes on from where pre-copy's scan was and jumps to each page requested (page level:
  // faults are served as the guest writes); otherwise it scans from page 0 and a page written
  // before the scan reaches it is found faulted when it does.
  const followFaults = o.push !== 'address-order' && tracker.serveFaults !== undefined;
  if (followFaults) tracker.serveFaults!(o.push === 'bubbling' ? 'bubble' : o.push === 'backward' ? 'backward' : 'forward');
  else tracker.rewind();
  const cap = o.capBytesPerSecond;
  const rate = link.soloRate(cap) / ctx.migrationsOnLink;
  const fluid = tracker.fidelity === 'fluid';
  const take = newTakeResult();
  const faultBytesEach = wire.bytes(1, 0);
  const blockPerFaultSeconds = 2 * link.latencySeconds + faultBytesEach / link.bandwidthBytesPerSecond;
  const batch = fluid ? Math.max(POSTCOPY_BATCH_PAGES, tracker.pendingPages / FLUID_POSTCOPY_CHUNKS) : followFaults ? POSTCOPY_FOLLOW_BATCH_PAGES : POSTCOPY_BATCH_PAGES;
  let pushBytes = 0, pushed = 0, zeroPushed = 0, faultsBehind = 0;
  let pushBytesPerScanned = wire.bytesPerPage;
  /** Faults by guest time `g` (seconds since the resume): those the push found, and pending pages written since. */
  const faultsBy = (g: number): number => {
    if (followFaults) { tracker.advance(guestOrigin + g); return tracker.faultsServed!; }
    return faultsBehind + tracker.pendingWrittenSinceSync(guestOrigin + g);
  };
  // The guest's clock (the workload's time since the resume, τ) falls behind the wall clock by the
  // time it waited on faults: t = τ + c·F(τ) (models/guest/clock.ts), moved forward before each chunk.
  const clock = new GuestClock([postcopyFaultSlowdown(blockPerFaultSeconds, faultsBy)]);
  while (tracker.pendingPages > 1e-9) {
    const n = Math.min(batch, tracker.pendingPages, fluid ? Math.max(batch / 8, tracker.pendingToBoundary?.() ?? Infinity) : Infinity);
    // The push reaches this chunk (its midpoint, fluid) once the link has carried what was pushed
    // before it and every page faulted so far (faulted pages go first). Following faults, the guest's
    // writes meanwhile may have taken some of its pages (or the last ones).
    clock.advanceTo((pushBytes + clock.unitsOf(0) * faultBytesEach + (fluid ? 0.5 * n * pushBytesPerScanned : 0)) / rate);
    tracker.take(Math.min(n, tracker.pendingPages), !followFaults, guestOrigin + clock.guestSeconds, take);
    const scanned = take.pages + take.skippedPages;
    if (scanned <= 0) break;
    const bytes = wire.bytes(take.pages, take.zeroPages);
    pushBytes += bytes;
    pushed += take.pages; zeroPushed += take.zeroPages; faultsBehind += take.skippedPages;
    pushBytesPerScanned = bytes / scanned;
  }
  const faults = followFaults ? tracker.faultsServed! : faultsBehind;
  const delivered = pushBytes + faults * faultBytesEach;
  const finish = (): void => {
    const durationSeconds = sim.nowSeconds - start;
    const blockedSeconds = faults * blockPerFaultSeconds;
    rec.addRound({
      phase: 'postcopy', startAbsoluteSeconds: start, durationSeconds, pagesSent: pushed + faults,
      zeroPagesSent: zeroPushed, pagesSkipped: 0, pagesDirtied: 0, bytes: delivered,
    });
    rec.postcopy = {
      switchSeconds: start - rec.startSeconds, durationSeconds, pages: missing, pushedPages: pushed, faults, blockedSeconds,
      appSlowdownFraction: durationSeconds > 0 ? Math.min(1, blockedSeconds / durationSeconds) : 0,
    };
    ctx.finish();
  };
  if (delivered > 0) ctx.send(delivered, cap, finish);
  else finish();
}
