import type { GuestConsole } from './console.ts';
import type { DirtierParams } from './dirtier.ts';
import type { Scenario } from '../models/scenario/types.ts';
import { MIB_BYTES, PAGE_SIZE_BYTES } from '../models/units/pageSize.ts';

/**
 * Where the guest dirtier's sequential pointer is, seen from this machine (workload.startPage).
 *
 * The dirtier (real/guest/dirtier.c) prints "DIRTIER start" and then starts its clock (t = 0) with
 * its pointer at its `start` page; it writes at its nominal rate, paced by that clock, and once a
 * second prints `DIRTIER t=<seconds since start> writes=<writes in that second>`. So its pointer is
 * the start page plus the writes reported so far plus rate × the time since the last report, modulo
 * the buffer's pages.
 * Its start on this machine's clock is the earliest of (a line's arrival − the guest time it
 * states): the console reaches here with a delay (≈ 1 ms locally, the tail's 20 ms poll over ssh)
 * that is never negative, so the least is the best. The guest's clock runs at the host's (TCG
 * without icount; a PV guest on Xen), so over a few seconds the estimate drifts by far less than a
 * millisecond's writes.
 */
export interface DirtierReport { guestSeconds: number; writes: number; arrivalMs: number }

const REPORT = /DIRTIER (?:start\b|t=([\d.]+) writes=(\d+) )/g;

/** The dirtier's start line (guest time 0, no writes yet) and its reports, each with its arrival time here. */
export function dirtierReports(c: Pick<GuestConsole, 'text' | 'arrivals'>): DirtierReport[] {
  // Each chunk's end offset in the console's text: a line arrived with the chunk holding its end.
  const ends: number[] = [];
  let at = 0;
  for (const a of c.arrivals) { at += a.text.length; ends.push(at); }
  const out: DirtierReport[] = [];
  let k = 0;
  for (const m of c.text.matchAll(REPORT)) {
    const end = m.index! + m[0].length;
    while (k < ends.length && ends[k] < end) k++;
    if (k === ends.length) break;
    out.push({ guestSeconds: m[1] === undefined ? 0 : Number(m[1]), writes: m[2] === undefined ? 0 : Number(m[2]), arrivalMs: c.arrivals[k].ms });
  }
  // A start line again (the dirtier restarted, e.g. a new boot on the same console): only the last run counts.
  let first = 0;
  for (let i = 0; i < out.length; i++) if (out[i].guestSeconds === 0 && out[i].writes === 0) first = i;
  return out.slice(first);
}

/** A sweep's pointer as the replay sees it: the buffer's pages, the dirtier's nominal rate and the page it starts at. */
export interface SweepClock { bufferPages: number; writesPerSecond: number; firstPage: number }

/** The scenario's sweep as the dirtier runs it (seq mode), or null for any other workload. */
export function sweepClockOf(s: Scenario, d: DirtierParams): SweepClock | null {
  if (s.workload.type !== 'sweep' || d.mode !== 'seq' || !(d.rate > 0)) return null;
  return { bufferPages: (d.mb * MIB_BYTES) / PAGE_SIZE_BYTES, writesPerSecond: d.rate, firstPage: d.start ?? 0 };
}

/**
 * How long after the dirtier's start the replays mean to start the migration (migration.startSeconds
 * on top): the warm-up, after the dirtier's first report (1 s after its start) is seen (polled every
 * 0.25 s), and the QMP or xl set-up before the migrate command, with room to spare. A replay that is
 * ready later waits for the pointer's next round (at most one sweep of the buffer).
 */
export const sweepLeadSeconds = (warmupSeconds: number): number => warmupSeconds + 3;

/**
 * The dirtier's `start` page for a scenario's sweep: the pointer then reaches the scenario's
 * workload.startPage (+ rate × migration.startSeconds) `leadSeconds` (+ migration.startSeconds)
 * after the dirtier's start, so the replay's wait for it is short however slowly the sweep goes.
 */
export function dirtierStartPage(s: Scenario, d: DirtierParams, leadSeconds: number): number {
  const clock = sweepClockOf(s, d);
  if (!clock) return 0;
  return Math.round(mod(sweepPageAtMigration(s, clock) - clock.writesPerSecond * (leadSeconds + s.migration.startSeconds), clock.bufferPages)) % clock.bufferPages;
}

const mod = (x: number, n: number): number => ((x % n) + n) % n;

/**
 * The buffer page the dirtier's pointer writes at `atMs` (this machine's clock), from its reports
 * (at least its start line); null when there is none yet.
 */
export function sweepPointerAt(reports: DirtierReport[], clock: SweepClock, atMs: number): number | null {
  if (reports.length === 0) return null;
  const startMs = Math.min(...reports.map((r) => r.arrivalMs - r.guestSeconds * 1000));
  let written = 0, lastGuestSeconds = 0;
  for (const r of reports) {
    if (r.arrivalMs > atMs) break;
    written += r.writes;
    lastGuestSeconds = r.guestSeconds;
  }
  const since = (atMs - startMs) / 1000 - lastGuestSeconds;
  return mod(clock.firstPage + written + clock.writesPerSecond * since, clock.bufferPages);
}

/** Milliseconds from `nowMs` until the pointer next reaches `targetPage` (0 ≤ result < one sweep of the buffer). */
export function msUntilSweepPage(reports: DirtierReport[], clock: SweepClock, targetPage: number, nowMs: number): number {
  const here = sweepPointerAt(reports, clock, nowMs);
  if (here === null) throw new Error('internal: the dirtier has not reported its start yet');
  return (mod(targetPage - here, clock.bufferPages) / clock.writesPerSecond) * 1000;
}

/**
 * The scenario's start page (workload.startPage) at the migration's start (migration.startSeconds
 * later): the page the pointer must be at when the migration is started.
 */
export function sweepPageAtMigration(s: Scenario, clock: SweepClock): number {
  const start = s.workload.type === 'sweep' ? s.workload.startPage! : 0; // resolved: the schema's default is 0
  return mod(start + clock.writesPerSecond * s.migration.startSeconds, clock.bufferPages);
}

/** The start page a run achieved: its pointer at the migration's start, taken back to time 0. */
export function achievedStartPage(s: Scenario, clock: SweepClock, pointerAtMigration: number): number {
  return Math.round(mod(pointerAtMigration - clock.writesPerSecond * s.migration.startSeconds, clock.bufferPages)) % clock.bufferPages;
}

/** Waits until the dirtier's pointer is where the migration should start it (logged when that takes a second or more). */
export async function waitForSweepPage(s: Scenario, clock: SweepClock, reports: DirtierReport[], log: (line: string) => void): Promise<void> {
  const target = sweepPageAtMigration(s, clock);
  const ms = msUntilSweepPage(reports, clock, target, Date.now());
  if (ms >= 1000) log(`waiting ${(ms / 1000).toFixed(1)} s for the dirtier's pointer to reach page ${Math.round(target)} (workload.startPage)…`);
  await new Promise((r) => setTimeout(r, ms));
}
