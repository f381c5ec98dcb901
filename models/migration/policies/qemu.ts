import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import { newTakeResult } from '../../memory/tracker.ts';
import { ThrottledTracker } from '../../memory/throttledTracker.ts';
import { encoderCap, streamCap } from '../../network/wire/types.ts';
import { XbzrleStream } from '../../network/wire/xbzrle.ts';
import { qemuWire } from '../../network/wire/qemu.ts';
import { MULTIFD_PAGES_PER_PACKET } from '../../network/wire/multifd.ts';
import { SteadyStateSkipper } from '../steadyState.ts';
import { capOrInfinity, type LivePolicy, type MigrationContext, type SwitchoverHints } from '../types.ts';
import { AutoConverge, type AutoConvergeParameters } from './qemuAutoConverge.ts';

/**
 * downtime-limit and max-bandwidth (300 ms and 128 MiB/s by default, migration/options.c;
 * scenario.schema.json), and the auto-converge capability's parameters (null: off). XBZRLE is the
 * wire's (network/wire/xbzrle.ts; this policy tells it of each sync), the throttle the tracker's
 * (memory/throttledTracker.ts; this policy sets it).
 */
export interface QemuParameters { downtimeLimitSeconds: number; maxBandwidthBytesPerSecond: number | null; windowOverrunSeconds: number; autoConverge: AutoConvergeParameters | null; multifdChannels: number | null }
export const QEMU_PARAMETERS = ['downtimeLimitSeconds', 'maxBandwidthBytesPerSecond', 'windowOverrunSeconds'] as const;
/** The capabilities' sections (absent: off): auto-converge read here, XBZRLE and multifd by the wire (models/run/runScenario.ts). */
export const QEMU_FEATURES = ['autoConverge', 'xbzrle', 'multifd'] as const;

/** The rate limit is lifted at switchover; the last pass's dirty count is already on its row. */
const FINAL: SwitchoverHints = { capBytesPerSecond: Infinity, recordDirtied: false };

/**
 * Pre-copy as QEMU 9.x/10.x does it (migration/migration.c migration_iteration_run(),
 * migration_rate_limit(), migration_update_counters(); migration/ram.c ram_save_iterate()).
 *
 * The migration thread loops over *iterations*:
 *   1. pending = dirty pages not yet sent × 4096 (ram_state_pending_estimate);
 *      if pending < threshold: sync the dirty bitmap (pending_exact; dirty-sync-count + 1);
 *      if pending == 0 or pending < threshold: stop the VM and send the rest (completion).
 *   2. send pages in address order until the 100 ms window's byte budget (max-bandwidth / 10, up to
 *      the end of a flush batch: FLUSH_BATCH_PAGES) is used or 50 ms have passed (MAX_WAIT), then, if the
 *      budget is used, sleep to the window's end.
 *   3. at each window end (≥ 100 ms, BUFFER_DELAY): bandwidth = bytes of the window / its length;
 *      threshold = bandwidth × downtime-limit. A window whose budget was used lasts 100 ms plus
 *      migration.windowOverrunSeconds (below).
 * There is no iteration cap: a guest that dirties faster than the link never completes (the
 * scenario's max time then cancels or forces the stop). The rate limit is lifted at switchover.
 *
 * With auto-converge, each sync also feeds QEMU's throttle decision (qemuAutoConverge.ts), whose
 * dirty-sync timer (QEMU ≥ 9.2) may force a sync in the middle of a long pass; the throttle slows
 * the guest's writes from then on and is lifted at switchover (the guest then runs stopped, or at
 * the destination). With XBZRLE, each sync starts a new cache generation, the first ends the bulk
 * pass (pages are encoded from then on), and the stop-and-copy is its last stage.
 *
 * Speed: far from the threshold no sync can happen, so fluid (and XBZRLE, multifd) sends whole
 * windows as one transfer at the capped rate (exact at window boundaries); near it, and at page
 * level always, the loop goes iteration by iteration.
 * A round row is one pass between two bitmap syncs.
 */
export const WINDOW_SECONDS = 0.1; // BUFFER_DELAY
/*
 * A window that used its budget lasts longer than 100 ms. The migration thread sleeps to its end
 * (migration_rate_limit(): qemu_sem_timedwait() for the window's start + BUFFER_DELAY − now, in
 * whole milliseconds of QEMU_CLOCK_REALTIME) and the next window starts when it has woken and read
 * the clock again (migration_update_counters() → update_iteration_initial_status()): the rounding
 * to milliseconds averages out, the thread's wake-up does not. That overrun is the host's
 * (migration.windowOverrunSeconds; scenario.schema.json gives where its default comes from), and
 * the byte budget stays max-bandwidth / 10 per window whatever its length — so a capped migration
 * sends a little under its cap, and near saturation, where each window shrinks the backlog by the
 * small difference between its budget and the guest's writes in it, the passes take longer.
 */
export const MAX_WAIT_SECONDS = 0.05; // ram.c MAX_WAIT
/** Window ends compared to the clock's rounding (a day into a run, 1e-12 s is below a double's resolution). */
const clockSlack = (nowSeconds: number): number => 1e-12 * Math.max(1, nowSeconds);
/**
 * QEMU sends a little more than max-bandwidth: a window's sending stops only once the bytes
 * *flushed* to the channel pass its budget (migration-stats.c migration_rate_exceeded() compares
 * migration_transferred_bytes(), which counts flushed bytes), and the QEMUFile flushes in batches
 * of MAX_IOV_SIZE = 64 iovecs (qemu-file.c) — FLUSH_BATCH_PAGES = 32 full pages, each one iovec for
 * its header and one for its data (a run of zero pages' 9-byte records shares one). Each iteration
 * ends with a flush (ram_save_iterate()'s end-of-section mark), so the next window's batches start
 * afresh (migration_rate_reset()): a window sends its budget rounded up to whole batches — at
 * 32 MiB/s, 817.6 pages' budget → 26 batches = 832 pages, as measured on the testbed near saturation
 * (832 per 100 ms window); at 16 MiB/s, 13 batches = 416 (the testbed's cancelled 16 MiB/s run sent
 * 0.2 % more than that in 40 s, where half a batch on average would say 1.9 % more). Page level
 * takes the pages (zero pages among them) until the batch ends; fluid sends the batches' pages.
 * XBZRLE's pages are copied into the QEMUFile's buffer (flushed when 32 KiB full) and take no
 * iovecs of their own: its windows keep half a batch's average, FLUSH_EXCESS_PAGES.
 */
export const FLUSH_BATCH_PAGES = 32;
export const FLUSH_EXCESS_PAGES = FLUSH_BATCH_PAGES / 2;
/** A window's pages of `bytesPerPage`: its budget at `capBytesPerSecond`, rounded up to whole flush batches. */
export const windowBatchPages = (capBytesPerSecond: number, bytesPerPage: number): number => Math.ceil((capBytesPerSecond * WINDOW_SECONDS) / bytesPerPage / FLUSH_BATCH_PAGES) * FLUSH_BATCH_PAGES;
/**
 * With multifd the pages go to the channels in 128-page packets, and a packet's bytes count towards
 * the window's budget only once its channel has written it (multifd.c adds to multifd_bytes after
 * the write), while the window's check reads the count before: each window lets about one packet
 * per channel through uncounted — instead of the main stream's flush batches. (On the testbed, first
 * passes at a 32 MiB/s cap ran at 1.35× the cap with 2 channels and 1.59× with 4; this gives 1.33×
 * and 1.65×.)
 */
export const MULTIFD_UNCOUNTED_PACKETS_PER_CHANNEL = 1;

export function qemuPolicy(p: QemuParameters): LivePolicy {
  const cap = capOrInfinity(p.maxBandwidthBytesPerSecond);
  return {
  name: 'precopy/qemu',
  start(ctx: MigrationContext): void {
    const { sim, tracker, wire, recorder } = ctx;
    // At page level (but XBZRLE's and multifd's) each window takes its pages by their bytes and ends
    // on a flush batch (sendVariablePages), with no fast-forward over windows counted in full pages.
    const xbzrle = wire instanceof XbzrleStream ? wire : null;
    const byWindow = tracker.fidelity === 'page' && !xbzrle && p.multifdChannels === null;
    const budget = !Number.isFinite(cap) ? Infinity
      : p.multifdChannels !== null ? cap * WINDOW_SECONDS + p.multifdChannels * MULTIFD_UNCOUNTED_PACKETS_PER_CHANNEL * MULTIFD_PAGES_PER_PACKET * wire.bytesPerPage
      : xbzrle ? cap * WINDOW_SECONDS + FLUSH_EXCESS_PAGES * wire.bytesPerPage
      : byWindow ? cap * WINDOW_SECONDS // the pages that end the last batch come on top (sendVariablePages)
      : windowBatchPages(cap, wire.bytesPerPage) * wire.bytesPerPage;
    const take = newTakeResult();
    tracker.startTracking(sim.nowSeconds);
    const throttled = tracker instanceof ThrottledTracker ? tracker : null;
    const ac = p.autoConverge ? new AutoConverge(p.autoConverge, sim.nowSeconds) : null;
    if (ac && !throttled) throw new Error('internal: auto-converge needs a ThrottledTracker (models/run/runScenario.ts makes one)');
    ac?.onSync(sim.nowSeconds, 0, 0); // the setup sync starts the first check period
    let sentBytes = 0;

    let windowStart = sim.nowSeconds;
    let windowBytes = 0;
    let thresholdBytes = 0;
    let bandwidthKnown = false;
    // Current pass (between two syncs).
    let passStart = sim.nowSeconds;
    let pass = { pages: 0, zero: 0, bytes: 0 };
    const steady = new SteadyStateSkipper(ctx);

    // The transfer in flight (its pages are already on the pass). A cancel counts the pass's bytes
    // sent before it (the context adds what of it arrived), but no round: QEMU counts a pass at its sync.
    let inFlight = { pages: 0, bytes: 0 };
    const send = (bytes: number, cap: number, pages: number, then: (bytes: number) => void): void => {
      inFlight = { pages, bytes };
      ctx.send(bytes, cap, () => { inFlight = { pages: 0, bytes: 0 }; then(bytes); });
    };
    ctx.onCancel(() => {
      recorder.bytesByPhase.precopy += pass.bytes - inFlight.bytes;
      recorder.pagesTransferred += pass.pages - inFlight.pages;
    });

    const closePass = (dirtied: number): void => {
      recorder.addRound({ phase: 'precopy', startAbsoluteSeconds: passStart, durationSeconds: sim.nowSeconds - passStart, pagesSent: pass.pages, zeroPagesSent: pass.zero, pagesSkipped: 0, pagesDirtied: dirtied, bytes: pass.bytes });
      passStart = sim.nowSeconds;
      pass = { pages: 0, zero: 0, bytes: 0 };
    };

    const updateWindow = (): void => {
      const now = sim.nowSeconds;
      if (now - windowStart >= WINDOW_SECONDS - clockSlack(now)) {
        const bw = windowBytes / (now - windowStart);
        thresholdBytes = bw * p.downtimeLimitSeconds;
        bandwidthKnown = true;
        windowStart = now;
        windowBytes = 0;
      }
    };

    /** A bitmap sync: the pass ends; XBZRLE starts a generation; auto-converge judges the period. */
    const syncBitmap = (): void => {
      const now = sim.nowSeconds;
      const dirtied = tracker.dirtySinceSync(now);
      const before = tracker.pendingPages;
      tracker.sync(now);
      closePass(dirtied);
      wire.onBitmapSync?.();
      if (ac && ac.onSync(now, tracker.pendingPages - before, sentBytes)) throttled!.setThrottle(ac.throttlePercent / 100, now);
    };

    /** The live rounds end: the throttle is lifted, XBZRLE's last stage begins, the final phase runs. */
    const switchover = (reason: 'converged' | 'timeout-forced'): void => {
      if (pass.pages > 0) closePass(tracker.dirtySinceSync(sim.nowSeconds));
      if (ac) {
        const now = sim.nowSeconds;
        recorder.autoConverge = { ...ac.stats, guestCpuSecondsLost: throttled!.cpuSecondsLost(now), workloadSecondsLost: throttled!.workloadSecondsLost(now) };
        throttled!.setThrottle(0, now);
      }
      if (xbzrle) xbzrle.lastStage = true;
      ctx.switchover(reason, FINAL);
    };

    const iterate = (): void => {
      const now = sim.nowSeconds;
      if (ctx.mustStop) { switchover('timeout-forced'); return; }
      // 0. The dirty-sync timer (auto-converge, QEMU ≥ 9.2) ticks between iterations.
      while (ac && now >= ac.nextTimerSeconds - 1e-12) if (ac.tick()) syncBitmap();
      // 1. Convergence check.
      let pendingBytes = tracker.pendingPages * PAGE_SIZE_BYTES;
      if (pendingBytes < thresholdBytes) {
        const period = now - passStart;
        syncBitmap();
        pendingBytes = tracker.pendingPages * PAGE_SIZE_BYTES;
        // A non-converging steady state: jump over identical passes (then this same check again).
        const dt = pendingBytes >= thresholdBytes ? steady.observe(period, [thresholdBytes, windowBytes, now - windowStart, bandwidthKnown ? 1 : 0]) : 0;
        if (dt > 0) {
          passStart += dt;
          windowStart += dt;
          sim.schedule(dt, iterate);
          return;
        }
      }
      if (pendingBytes <= 0 || pendingBytes < thresholdBytes) { switchover('converged'); return; }

      // 2. Decide how much to send before the next check.
      const rate = ctx.link.soloRate();
      const wirePerPage = wire.bytesPerPage;
      const perWindowBytes = Math.min(budget, rate * WINDOW_SECONDS);
      // A window that sends its budget sleeps to its end and overruns it; one the link limits does not sleep.
      const windowSeconds = WINDOW_SECONDS + (perWindowBytes >= budget ? p.windowOverrunSeconds : 0);
      const headroomWireBytes = ((pendingBytes - thresholdBytes) / PAGE_SIZE_BYTES) * wirePerPage;
      // …but not past the time a stop is due (a forced stop-and-copy, hybrid's switch to post-copy)
      // or the dirty-sync timer's next tick.
      const nextEvent = Math.min(ctx.stopDueAtSeconds, ac ? ac.nextTimerSeconds : Infinity);
      const windowsAhead = Math.min(Math.floor(headroomWireBytes / perWindowBytes) - 1, Math.floor((nextEvent - now) / windowSeconds));
      // Not when zero pages cost time (network.zeroPageSeconds): a window that meets a run of them
      // spends its 100 ms there and sends little, which one transfer over many windows would average away.
      // Not byWindow either: there each window takes its pages by their bytes, as below, and a zero
      // page's 9 bytes let a window run through thousands of them, so whole windows cannot be counted
      // in full pages ahead of time.
      if (!byWindow && bandwidthKnown && windowBytes === 0 && windowsAhead >= 2 && !((wire.zeroPageSeconds ?? 0) > 0)) {
        // Fast-forward whole windows: no sync can happen before the pending set nears the threshold.
        // Where the pages ran out first (the cap below, or nothing left pending), the last window is
        // part-sent: it goes on as QEMU's iteration does — sending to its budget, then sleeping to its
        // end — before the next check, so the windows keep their grid. (Restarting the windows
        // there put fluid's later checks part-way into page level's windows, and its switchover a
        // pass early: scenarios/precopy-qemu.json.)
        const fastForwarded = (bytes: number): void => {
          // (A last page's bytes past the windows' end belong to the last window, as QEMU's check comes after it.)
          const full = Math.floor(bytes / perWindowBytes + 1e-9);
          // multifd's windows count full pages (sendPages, above), not bytes: a window is never part-sent there.
          const partial = p.multifdChannels === null && bytes < windowsAhead * perWindowBytes * (1 - 1e-9) ? Math.max(0, bytes - full * perWindowBytes) : 0;
          const now = sim.nowSeconds;
          if (partial > 1e-9 * perWindowBytes && tracker.pendingPages > 0) {
            const partialSeconds = (partial / perWindowBytes) * windowSeconds;
            if (full > 0) thresholdBytes = ((bytes - partial) / (now - partialSeconds - windowStart)) * p.downtimeLimitSeconds;
            windowStart = now - partialSeconds;
            windowBytes = partial;
            sendIteration();
            return;
          }
          const elapsed = now - windowStart;
          if (elapsed > 0) thresholdBytes = (bytes / elapsed) * p.downtimeLimitSeconds;
          windowStart = now;
          windowBytes = 0;
          iterate();
        };
        // The windows' pages by their bytes too (a zero page costs 9), but never past one window's
        // pages short of the threshold: the check there must come at a window's start.
        if (xbzrle) sendVariablePages(windowsAhead * perWindowBytes, perWindowBytes / windowSeconds, fastForwarded);
        else if (p.multifdChannels === null) sendVariablePages(windowsAhead * perWindowBytes, perWindowBytes / windowSeconds, fastForwarded, Infinity, 0, (pendingBytes - thresholdBytes) / PAGE_SIZE_BYTES - perWindowBytes / wirePerPage);
        else sendPages((windowsAhead * perWindowBytes) / wirePerPage, perWindowBytes / windowSeconds, fastForwarded);
        return;
      }
      // One iteration (ram_save_iterate()): pages until the window's budget is *exceeded*
      // (migration_rate_exceeded() counts the bytes sent, a zero page's 9 included) or MAX_WAIT has
      // passed; the next convergence check comes only after it (and after the window's sleep, if the
      // budget was used). At page level the pages are taken by their bytes (sendVariablePages): the
      // page crossing the budget is sent, and a run of zero pages costs the budget little — taking a
      // page count from the full page's size instead ended iterations early and checked up to 100 ms
      // before QEMU does, with a window's pages fewer sent and its dirt not yet found.
      sendIteration();
    };

    const iterated = (bytes: number): void => {
      windowBytes += bytes;
      if (windowBytes >= budget * (1 - 1e-9) && sim.nowSeconds < windowStart + WINDOW_SECONDS - clockSlack(sim.nowSeconds)) {
        sim.at(windowStart + WINDOW_SECONDS + p.windowOverrunSeconds, () => { updateWindow(); iterate(); });
        return;
      }
      updateWindow();
      iterate();
    };
    const sendIteration = (): void => {
      const wirePerPage = wire.bytesPerPage;
      const iterationBytes = Math.min(budget - windowBytes, ctx.link.soloRate() * MAX_WAIT_SECONDS);
      if (xbzrle) sendVariablePages(Math.max(wirePerPage, iterationBytes), Infinity, iterated);
      else if (byWindow || (p.multifdChannels === null && Number.isFinite(budget))) sendVariablePages(budget - windowBytes, Infinity, iterated, MAX_WAIT_SECONDS, byWindow ? FLUSH_BATCH_PAGES : 0);
      else sendPages(Math.max(1, iterationBytes / wirePerPage), Infinity, iterated);
    };

    const sendPages = (pages: number, capBytesPerSecond: number, then: (bytes: number) => void): void => {
      let n = Math.min(pages, tracker.pendingPages);
      if (tracker.fidelity === 'page') n = Math.max(1, Math.floor(n));
      tracker.take(n, false, sim.nowSeconds, take);
      const bytes = wire.bytes(take.pages, take.zeroPages);
      pass.pages += take.pages; pass.zero += take.zeroPages; pass.bytes += bytes;
      sentBytes += bytes;
      send(bytes, encoderCap(wire, take.pages, take.zeroPages, bytes, capBytesPerSecond, ctx.link.soloRate()), take.pages, then);
    };

    /**
     * A page costs from a few bytes (a zero page; an unchanged XBZRLE page) to a whole page, so a byte
     * budget is not a page count: pages are taken until their bytes reach `budgetBytes` (as QEMU
     * checks its rate limit page by page), each round sized for full pages so none overshoots by more
     * than one, and — for an iteration — until `maxSeconds` of the link and of zero-page checks
     * (network.zeroPageSeconds) have passed (MAX_WAIT). With `batchPages`, an iteration that used its
     * budget goes on to the end of its flush batch of full pages (FLUSH_BATCH_PAGES).
     */
    const fullPageBytes = xbzrle ? qemuWire.bytesPerPage : wire.bytesPerPage;
    const sendVariablePages = (budgetBytes: number, capBytesPerSecond: number, then: (bytes: number) => void, maxSeconds = Infinity, batchPages = 0, maxPages = Infinity): void => {
      let bytes = 0, cpuSeconds = 0, zeroSeconds = 0, pages = 0, zero = 0;
      const link = ctx.link.soloRate();
      const elapsed = (): number => Math.max(cpuSeconds, bytes / link + zeroSeconds);
      const takePages = (n: number): void => {
        tracker.take(n, false, sim.nowSeconds, take);
        const b = wire.bytes(take.pages, take.zeroPages);
        cpuSeconds += wire.cpuSeconds?.(take.pages, take.zeroPages) ?? 0;
        zeroSeconds += take.zeroPages * (wire.zeroPageSeconds ?? 0);
        bytes += b; pages += take.pages; zero += take.zeroPages;
        pass.pages += take.pages; pass.zero += take.zeroPages; pass.bytes += b;
      };
      const room = (): number => Math.min(maxPages - pages, Math.min(budgetBytes - bytes, (maxSeconds - elapsed()) * link) / fullPageBytes);
      if (tracker.fidelity === 'page') {
        do takePages(Math.max(1, Math.floor(room())));
        while (bytes < budgetBytes && tracker.pendingPages > 0 && elapsed() < maxSeconds && pages < maxPages);
      } else {
        // Fluid: fractions of pages, until the bytes (or the pages, or the time) are used to 1e-9.
        for (let n = room(); n > 1e-12 * Math.max(1, pages) && tracker.pendingPages > 0; n = room()) takePages(n);
        // A budget met to rounding is met exactly: the windows of a steady state must repeat (steadyState.ts).
        if (Math.abs(budgetBytes - bytes) <= 1e-9 * budgetBytes) { pass.bytes += budgetBytes - bytes; bytes = budgetBytes; }
      }
      if (batchPages > 0 && bytes >= budgetBytes) while ((pages - zero) % batchPages !== 0 && tracker.pendingPages > 0) takePages(batchPages - ((pages - zero) % batchPages));
      sentBytes += bytes;
      send(bytes, streamCap(bytes, cpuSeconds, zeroSeconds, capBytesPerSecond, ctx.link.soloRate()), pages, then);
    };
    iterate();
  },
};
}
