import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { firstTouchSecondsPerPage } from '../../real/hostMemoryProbe.ts';

// The probe's value is this machine's, so only its kind is asserted: a finite, positive time per
// page, the same order each call (both well under a second a page), for any size (a part page included).
test('the memory probe returns seconds per page touched', () => {
  for (const bytes of [4096, 1 << 20, (1 << 20) + 100]) {
    const s = firstTouchSecondsPerPage(bytes);
    assert.ok(Number.isFinite(s) && s > 0 && s < 1, `${bytes} B: ${s}`);
  }
});

test.run();
