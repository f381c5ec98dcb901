import type { RoundRow } from '../../models/migration/recorder.ts';
import { PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';

/** One poll of query-migrate: its time (s after the migrate command) and the ram counters read. */
export interface MigrateSample { t: number; status: string; transferred: number; normal: number; duplicate: number; dirtySync: number; raw: Record<string, unknown> }

/**
 * The measured passes (one row per pass between two bitmap syncs), from the polled query-migrate
 * samples: a row ends at the first sample whose dirty-sync-count has moved on. Times and counts are
 * as fine as the polling (100 ms); a row spans every sync that fell between two polls.
 *
 * pagesDirtied — the pages the sync(s) ending the row added to the dirty bitmap, as QEMU counts them
 * (ram.c adds only bits newly set: a page written again while still pending is not counted) —
 * follows from QEMU's own counters over the last poll interval (a, b]: the bitmap holds `remaining`
 * bytes, loses each page sent and gains each page a sync finds newly dirty, so
 *   found = remaining(b) − remaining(a) + pages sent in (a, b]
 * (exact whatever the time of the sync inside the interval). A simulated row counts every page
 * written since the last read, pending or not: the two agree where nothing is pending at the sync
 * (a small downtime limit), and QEMU's is smaller by the pages written again while pending. 0 where
 * a poll lacks `remaining` (a cancelled run's last poll).
 */
export function passesFromSamples(samples: MigrateSample[]): RoundRow[] {
  const rows: RoundRow[] = [];
  const remainingPages = (x: MigrateSample): number | null => {
    const r = (x.raw.ram as Record<string, unknown> | undefined)?.remaining;
    return typeof r === 'number' ? r / PAGE_SIZE_BYTES : null;
  };
  let passStart = 0, passBytes = 0, passPages = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i];
    if (b.dirtySync === a.dirtySync && i !== samples.length - 1) continue;
    const bytes = b.transferred - passBytes, pages = b.normal + b.duplicate - passPages;
    const ra = remainingPages(a), rb = remainingPages(b);
    const found = b.dirtySync !== a.dirtySync && ra !== null && rb !== null ? Math.max(0, rb - ra + (b.normal + b.duplicate - a.normal - a.duplicate)) : 0;
    const phase = b.status === 'completed' ? 'stopCopy' : b.status.startsWith('postcopy') ? 'postcopy' : 'precopy';
    rows.push({ round: rows.length + 1, phase, startSeconds: passStart, durationSeconds: b.t - passStart, pagesSent: pages, zeroPagesSent: 0, pagesSkipped: 0, pagesDirtied: found, bytes });
    passStart = b.t; passBytes = b.transferred; passPages = b.normal + b.duplicate;
  }
  return rows;
}
