import { PAGE_SIZE_BYTES } from '../../units/pageSize.ts';
import { newTakeResult } from '../../memory/tracker.ts';
import { ThrottledTracker } from '../../memory/throttledTracker.ts';
import { encoderCap } from '../../network/wire/types.ts';
import { XbzrleStream } from '../../network/wire/xbzrle.ts';
import { SteadyStateSkipper } from '../steadyState.ts';
import { capOrInfinity, type LivePolicy, type MigrationContext, type SwitchoverHints } from '../types.ts';
import { AutoConverge, type AutoConvergeParameters } from './qemuAutoConverge.ts';

/**
 * downtime-limit and max-bandwidth (300 ms and 128 MiB/s by default, migration/options.c;
 * scenario.schema.json), and the auto-converge capability's parameters (null: off). XBZRLE is the
 * wire's (network/wire/xbzrle.ts; this policy tells it of each sync), the throttle the tracker's
 * (memory/throttledTracker.ts; this policy sets it).
 */
export interface QemuParameters { downtimeLimitSeconds: number; maxBandwidthBytesPerSecond: number | null; autoConverge: AutoConvergeParameters | null }
export const QEMU_PARAMETERS = ['downtimeLimitSeconds', 'maxBandwidthBytesPerSecond'] as const;
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
 *   2. send pages in address order until the 100 ms window's byte budget (max-bandwidth / 10, plus
 *      half a flush batch: FLUSH_EXCESS_PAGES) is used or 50 ms have passed (MAX_WAIT), then, if the
 *      budget is used, sleep to the window's end.
 *   3. at each window end (≥ 100 ms, BUFFER_DELAY): bandwidth = bytes of the window / its length;
 *      threshold = bandwidth × downtime-limit.
 * There is no iteration cap: a guest that dirties faster than the link never completes (the
 * scenario's max time then cancels or forces the stop). The rate limit is lifted at switchover.
 *
 * With auto-converge, each sync also feeds QEMU's throttle decision (qemuAutoConverge.ts), whose
 * dirty-sync timer (QEMU ≥ 9.2) may force a sync in the middle of a long pass; the throttle slows
 * the guest's writes from then on and is lifted at switchover (the guest then runs stopped, or at
 * the destination). With XBZRLE, each sync starts a new cache generation, the first ends the bulk
 * pass (pages are encoded from then on), and the stop-and-copy is its last stage.
 *
 * Speed: far from the threshold no sync can happen, so whole windows are sent as one transfer at
 * the capped rate (exact at window boundaries); near it the loop goes iteration by iteration.
 * A round row is one pass between two bitmap syncs.
 */
export const WINDOW_SECONDS = 0.1; // BUFFER_DELAY
export const MAX_WAIT_SECONDS = 0.05; // ram.c MAX_WAIT
/**
 * QEMU sends a little more than max-bandwidth: a window's sending stops only once the bytes
 * *flushed* to the channel pass its budget (migration-stats.c migration_rate_exceeded() compares
 * migration_transferred_bytes(), which counts flushed bytes), and the QEMUFile flushes in batches
 * of MAX_IOV_SIZE = 64 iovecs (qemu-file.c) — 32 pages, each one iovec for its header and one for
 * its data. The batch that crosses the budget is sent whole and the next window starts counting
 * afresh (migration_rate_reset()), so each window sends its budget plus on average half a batch:
 * 16 pages. (On the testbed, near saturation at 32 MiB/s: 832 pages per 100 ms window measured,
 * 817.6 + 16 = 833.6 predicted.)
 */
export const FLUSH_EXCESS_PAGES = 16;

export function qemuPolicy(p: QemuParameters): LivePolicy {
  const cap = capOrInfinity(p.maxBandwidthBytesPerSecond);
  return {
  name: 'precopy/qemu',
  start(ctx: MigrationContext): void {
    const { sim, tracker, wire, recorder } = ctx;
    const budget = Number.isFinite(cap) ? cap * WINDOW_SECONDS + FLUSH_EXCESS_PAGES * wire.bytesPerPage : Infinity;
    const take = newTakeResult();
    tracker.startTracking(sim.nowSeconds);
    const xbzrle = wire instanceof XbzrleStream ? wire : null;
    if (xbzrle) xbzrle.generation = 1; // the sync at setup (ram_init_bitmaps) is dirty-sync-count 1
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

    const closePass = (dirtied: number): void => {
      recorder.addRound({ phase: 'precopy', startAbsoluteSeconds: passStart, durationSeconds: sim.nowSeconds - passStart, pagesSent: pass.pages, zeroPagesSent: pass.zero, pagesSkipped: 0, pagesDirtied: dirtied, bytes: pass.bytes });
      passStart = sim.nowSeconds;
      pass = { pages: 0, zero: 0, bytes: 0 };
    };

    const updateWindow = (): void => {
      const now = sim.nowSeconds;
      if (now - windowStart >= WINDOW_SECONDS - 1e-12) {
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
      if (xbzrle) { xbzrle.generation++; xbzrle.started = true; }
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
      const headroomWireBytes = ((pendingBytes - thresholdBytes) / PAGE_SIZE_BYTES) * wirePerPage;
      // …but not past the time a stop is due (a forced stop-and-copy, hybrid's switch to post-copy)
      // or the dirty-sync timer's next tick.
      const nextEvent = Math.min(ctx.stopDueAtSeconds, ac ? ac.nextTimerSeconds : Infinity);
      const windowsAhead = Math.min(Math.floor(headroomWireBytes / perWindowBytes) - 1, Math.floor((nextEvent - now) / WINDOW_SECONDS));
      if (bandwidthKnown && windowBytes === 0 && windowsAhead >= 2) {
        // Fast-forward whole windows: no sync can happen before the pending set nears the threshold.
        sendPages((windowsAhead * perWindowBytes) / wirePerPage, perWindowBytes / WINDOW_SECONDS, (bytes) => {
          const elapsed = sim.nowSeconds - windowStart;
          if (elapsed > 0) thresholdBytes = (bytes / elapsed) * p.downtimeLimitSeconds;
          windowStart = sim.nowSeconds;
          windowBytes = 0;
          iterate();
        });
        return;
      }
      // One iteration: until the window budget is used or MAX_WAIT has passed.
      const iterationBytes = Math.min(budget - windowBytes, rate * MAX_WAIT_SECONDS);
      sendPages(Math.max(1, iterationBytes / wirePerPage), Infinity, (bytes) => {
        windowBytes += bytes;
        if (windowBytes >= budget * (1 - 1e-9) && sim.nowSeconds < windowStart + WINDOW_SECONDS) {
          sim.at(windowStart + WINDOW_SECONDS, () => { updateWindow(); iterate(); });
          return;
        }
        updateWindow();
        iterate();
      });
    };

    const sendPages = (pages: number, capBytesPerSecond: number, then: (bytes: number) => void): void => {
      let n = Math.min(pages, tracker.pendingPages);
      if (tracker.fidelity === 'page') n = Math.max(1, Math.floor(n));
      tracker.take(n, false, sim.nowSeconds, take);
      const bytes = wire.bytes(take.pages, take.zeroPages);
      pass.pages += take.pages; pass.zero += take.zeroPages; pass.bytes += bytes;
      sentBytes += bytes;
      ctx.send(bytes, encoderCap(wire, take.pages, take.zeroPages, capBytesPerSecond), () => then(bytes));
    };
    iterate();
  },
};
}
