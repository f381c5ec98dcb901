/**
 * The switchover's cost on real hosts, from measured migrations (`miglab testbed qemu
 * --measure-switchover`).
 *
 * Model: downtime = fixedSeconds + finalPassBytes / rate. QEMU lifts its rate limit for the final
 * pass (migration/ram.c ram_save_complete() sends every dirty page without the
 * migration_rate_exceeded() check ram_save_iterate() makes), so the final pass runs at what the
 * hosts' migration stream sustains — the link, or on a fast link the two QEMUs' migration threads
 * — not at max-bandwidth; `rate` is that, in the bytes miglab counts on the wire. `fixedSeconds`
 * is the rest of QEMU's downtime (vm_stop, the last dirty-bitmap sync, the device state, the
 * completion handshake): miglab's migration.resumeSeconds.
 *
 * Fitted by least squares over migrations with final passes of different sizes (the idle guest's,
 * nearly nothing; a written guest's, tens of MiB). QEMU reports downtime in whole milliseconds:
 * the larger the final passes, the smaller that error in the rate. Final passes far beyond what a
 * downtime limit allows (hundreds of MiB) run slower on the testbed (the receiving QEMU falls
 * behind: 0.9 GB/s for 200 MiB against 2.5 GB/s for 20-65 MiB), so the fit uses passes of the
 * size migrations end with.
 */
import { median } from '../stats/median.ts';

export interface SwitchoverPoint { downtimeSeconds: number; bytes: number }

export interface SwitchoverFit { fixedSeconds: number; bytesPerSecond: number; bitsPerSecond: number }

/** The least-squares line through the points, or null where downtime does not grow with the final pass. */
function fitSwitchover(points: SwitchoverPoint[]): SwitchoverFit | null {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.bytes, 0) / n, my = points.reduce((a, p) => a + p.downtimeSeconds, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.bytes - mx) ** 2, 0), sxy = points.reduce((a, p) => a + (p.bytes - mx) * (p.downtimeSeconds - my), 0);
  const slope = sxx > 0 ? sxy / sxx : NaN;
  if (!(slope > 0)) return null;
  const bytesPerSecond = 1 / slope;
  return { fixedSeconds: Math.max(0, my - slope * mx), bytesPerSecond, bitsPerSecond: bytesPerSecond * 8 };
}

export function solveSwitchover(points: SwitchoverPoint[]): SwitchoverFit {
  const fit = fitSwitchover(points);
  if (!fit) throw new Error(`the switchover needs longer downtimes for larger final passes, got ${points.map((p) => `${p.bytes} bytes in ${p.downtimeSeconds} s`).join('; ')}`);
  return fit;
}

/**
 * The switchover from the small final passes only: those up to `maxBytes` (null with fewer than
 * two sizes at least 1 MiB apart, or where their downtimes do not grow with their size — on a busy
 * host the few ms of an idle guest's switchover can take longer than an 8 MiB one's). Most migrations end with at most cap × downtime limit left
 * (64 MiB/s × 250 ms = 16 MiB), and the switchover need not be one line beyond that: on the third
 * machine it took 2–3 ms + 1 ms per MiB up to 15 MiB but 2–3 ms per MiB from 21 MiB on
 * (scenarios/calibration/qemu-switchover-sizes.json), so a fit over all sizes lets the largest
 * passes set the rate the small ones are predicted with.
 */
export const SMALL_FINAL_PASS_BYTES = 16 * 1024 * 1024;
export function solveSwitchoverUpTo(points: SwitchoverPoint[], maxBytes: number): SwitchoverFit | null {
  const small = points.filter((p) => p.bytes <= maxBytes);
  if (small.length < 2 || Math.max(...small.map((p) => p.bytes)) - Math.min(...small.map((p) => p.bytes)) < 1024 * 1024) return null;
  return fitSwitchover(small);
}

/**
 * The switchover with the destination's first touch apart (migration.firstTouchSecondsPerPage):
 * downtime = fixedSeconds + finalPassBytes / rate + firstTouchPages × firstTouchSecondsPerPage.
 * A final pass is either pages the guest wrote again since an earlier pass sent them — none new to
 * the destination (a busy guest after several passes) — or the tail of the first pass: memory the
 * destination has never had, every non-zero page of it first touched there (an idle guest, or one
 * that wrote its memory before the migration and barely since, stopped right after its first pass).
 * In two steps: the line through the busy guests' final passes (fixed part and rate, as
 * solveSwitchover), then each tail's downtime beyond that line per page first touched, the median
 * over the tails — on the testbed the same tail took 5 and 11 ms, 93 and 121 ms from one migration
 * to the next (whether the host had the memory at hand), where the busy passes kept within a
 * millisecond. Null without two sizes of busy pass whose downtime grows with size, or without a tail.
 */
export interface FirstTouchSwitchoverPoint extends SwitchoverPoint { firstTouchPages: number }
export interface FirstTouchSwitchoverFit extends SwitchoverFit { firstTouchSecondsPerPage: number }

export function solveSwitchoverWithFirstTouch(points: FirstTouchSwitchoverPoint[]): FirstTouchSwitchoverFit | null {
  const busy = points.filter((p) => p.firstTouchPages === 0), tails = points.filter((p) => p.firstTouchPages > 0);
  const line = solveSwitchoverUpTo(busy, Infinity);
  if (!line || tails.length === 0) return null;
  const each = tails.map((p) => Math.max(0, p.downtimeSeconds - line.fixedSeconds - p.bytes / line.bytesPerSecond) / p.firstTouchPages);
  return { ...line, firstTouchSecondsPerPage: median(each) };
}

/**
 * The hosts' time per zero page (network.zeroPageSeconds), from uncapped migrations of a mostly-zero
 * (idle, large) guest: its first pass is the stream's time for the non-zero bytes at the final
 * pass's rate (`bytesPerSecond`, solveSwitchover) plus the zero pages' — the two are pipelined in
 * the model, but in such a guest they lie in separate regions and follow each other. The median
 * over the migrations: on the testbed the cost of one migration's zero pages varied 1.6× from one
 * migration to the next (whether the host backed the guest's untouched memory with huge pages).
 */
export interface ZeroPagePoint { firstPassSeconds: number; firstPassBytes: number; zeroPages: number }

export function solveZeroPageSeconds(points: ZeroPagePoint[], bytesPerSecond: number): number {
  const each = points.map((p) => Math.max(0, p.firstPassSeconds - p.firstPassBytes / bytesPerSecond) / p.zeroPages);
  if (each.length === 0 || !each.every(Number.isFinite)) throw new Error(`the zero-page cost needs migrations with zero pages, got ${JSON.stringify(points)}`);
  return median(each);
}
