/**
 * How long QEMU's rate-limit windows really last on a host (→ migration.windowOverrunSeconds),
 * from replays already made there: in a capped run's live passes after the bulk pass, every window
 * sends its budget (rounded up to whole flush batches, windowBatchPages), so the time between two
 * polls over the windows sent between them is one window's length. Per run, from the poll that
 * starts the first post-bulk pass to the one that starts the last (the bursts at the windows'
 * starts fall on one side of a poll or the other: ±1 window per run, no bias); the median over runs.
 * Needs runs with many post-bulk windows (near saturation: hundreds) and no zero pages sent after
 * the bulk pass.
 *   npx tsx scripts/experiments/qemu-window-length.ts <run dir>…   (each holding summary.json and rounds.csv)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { WINDOW_SECONDS, windowBatchPages } from '../../models/migration/policies/qemu.ts';
import { qemuWire } from '../../models/network/wire/qemu.ts';
import { median } from '../lib/stats.ts';

const dirs = process.argv.slice(2);
if (dirs.length === 0) { console.error('usage: qemu-window-length.ts <run dir>… (replays of a capped QEMU migration: summary.json, rounds.csv)'); process.exit(2); }
const lengths: number[] = [];
for (const dir of dirs) {
  const run = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { scenario: { migration: { maxBandwidthBytesPerSecond: number | null } } };
  const cap = run.scenario.migration.maxBandwidthBytesPerSecond;
  if (cap === null) { console.error(`${dir}: uncapped, no windows to time`); continue; }
  const rows = (parse(readFileSync(join(dir, 'rounds.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).filter((r) => r.phase === 'precopy');
  const live = rows.slice(2, -1);
  if (live.length < 3) { console.error(`${dir}: ${live.length} live passes after the bulk pass, too few`); continue; }
  const pages = live.reduce((a, r) => a + Number(r.pagesSent) - Number(r.zeroPagesSent), 0);
  const windows = pages / windowBatchPages(cap, qemuWire.bytesPerPage);
  const seconds = Number(rows[rows.length - 1].startSeconds) - Number(rows[2].startSeconds);
  lengths.push(seconds / windows);
  console.log(`${dir}: ${windows.toFixed(1)} windows in ${seconds.toFixed(3)} s: ${((seconds / windows) * 1000).toFixed(3)} ms a window`);
}
if (lengths.length) {
  const m = median(lengths);
  console.log(`median over ${lengths.length} runs: ${(m * 1000).toFixed(3)} ms a window → "migration": { "windowOverrunSeconds": ${Math.max(0, m - WINDOW_SECONDS).toPrecision(2)} }`);
}
