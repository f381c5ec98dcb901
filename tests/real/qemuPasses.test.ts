import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { passesFromSamples, type MigrateSample } from '../../real/qemu/passes.ts';
import { PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';

/** A poll: counters in pages (normal, zero, remaining), bytes = 4 KiB per normal page. */
const poll = (t: number, sync: number, normal: number, zero: number, remaining: number | null, status = 'active'): MigrateSample => ({
  t, status, transferred: normal * PAGE_SIZE_BYTES, normal, duplicate: zero, dirtySync: sync,
  raw: remaining === null ? {} : { ram: { remaining: remaining * PAGE_SIZE_BYTES } },
});

test('passes: a row per sync, the pages each sync found from remaining and the pages sent', () => {
  // Hand-worked: 1,000 pages in the bitmap after the setup sync (count 1). Poll 1: 400 sent, 600 left.
  // Between polls 1 and 2: 500 more sent, then the sync (count 2) finds 250 new → 600 − 500 + 250 = 350.
  // Between polls 2 and 3: 200 sent, nothing found. Between 3 and 4: 150 sent and two syncs (count 4)
  // that found 80 and 20 → 150 − 150 + 100 = 100 left. Poll 5: completed, the 100 and 10 more sent.
  const rows = passesFromSamples([
    poll(0, 1, 0, 0, 1000),
    poll(0.1, 1, 300, 100, 600),
    poll(0.2, 2, 700, 200, 350),
    poll(0.3, 2, 900, 200, 150),
    poll(0.4, 4, 1050, 200, 100),
    poll(0.5, 5, 1150, 210, 0, 'completed'),
  ]);
  assert.equal(rows.map((r) => r.pagesSent), [700 + 200, 150 + 200, 100 + 10]);
  assert.equal(rows.map((r) => r.pagesDirtied), [250, 100, 10]);
  assert.equal(rows.map((r) => r.phase), ['precopy', 'precopy', 'stopCopy']);
  assert.equal(rows.map((r) => r.durationSeconds), [0.2, 0.2, 0.09999999999999998]);
  assert.equal(rows[0].bytes, 700 * PAGE_SIZE_BYTES);
});

test('passes: no remaining in a poll (a cancelled run) → no dirty count claimed', () => {
  const rows = passesFromSamples([poll(0, 1, 0, 0, 500), poll(0.1, 2, 100, 0, null, 'cancelled')]);
  assert.equal(rows.length, 1);
  assert.is(rows[0].pagesDirtied, 0);
  assert.is(rows[0].pagesSent, 100);
});

test.run();
