import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { solveSwitchover } from '../../models/migration/switchover.ts';

test('the switchover from two migrations: fixed part and final-pass rate, hand-worked', () => {
  // 2 ms + 4 MB / 2 GB/s = 4 ms; 2 ms + 200 MB / 2 GB/s = 102 ms.
  const s = solveSwitchover({ downtimeSeconds: 0.004, bytes: 4e6 }, { downtimeSeconds: 0.102, bytes: 200e6 });
  assert.ok(Math.abs(s.bytesPerSecond - 2e9) < 1);
  assert.ok(Math.abs(s.bitsPerSecond - 16e9) < 8);
  assert.ok(Math.abs(s.fixedSeconds - 0.002) < 1e-12);
});

test('a larger final pass that did not take longer is refused, not turned into an infinite rate', () => {
  assert.throws(() => solveSwitchover({ downtimeSeconds: 0.004, bytes: 4e6 }, { downtimeSeconds: 0.004, bytes: 9e6 }), /longer downtime for the larger final pass/);
  assert.throws(() => solveSwitchover({ downtimeSeconds: 0.004, bytes: 4e6 }, { downtimeSeconds: 0.009, bytes: 1e6 }), /longer downtime/);
});

test.run();
