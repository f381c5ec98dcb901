import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { solveSwitchover, solveZeroPageSeconds } from '../../models/migration/switchover.ts';

test('the switchover from measured migrations: fixed part and final-pass rate, hand-worked', () => {
  // 2 ms + bytes / 2 GB/s: 4 MB → 4 ms, 40 MB → 22 ms, 100 MB → 52 ms.
  const s = solveSwitchover([{ downtimeSeconds: 0.004, bytes: 4e6 }, { downtimeSeconds: 0.022, bytes: 40e6 }, { downtimeSeconds: 0.052, bytes: 100e6 }]);
  assert.ok(Math.abs(s.bytesPerSecond - 2e9) < 1e-3 * 2e9);
  assert.ok(Math.abs(s.bitsPerSecond - 16e9) < 1e-3 * 16e9);
  assert.ok(Math.abs(s.fixedSeconds - 0.002) < 1e-9);
  // Whole-millisecond readings scatter around the line; least squares still lands near it.
  const r = solveSwitchover([{ downtimeSeconds: 0.004, bytes: 4e6 }, { downtimeSeconds: 0.021, bytes: 40e6 }, { downtimeSeconds: 0.023, bytes: 40e6 }, { downtimeSeconds: 0.052, bytes: 100e6 }]);
  assert.ok(Math.abs(r.bytesPerSecond - 2e9) < 0.02 * 2e9);
});

test('final passes that did not take longer with their size are refused, not turned into an infinite rate', () => {
  assert.throws(() => solveSwitchover([{ downtimeSeconds: 0.004, bytes: 4e6 }, { downtimeSeconds: 0.004, bytes: 9e6 }]), /longer downtimes for larger final passes/);
  assert.throws(() => solveSwitchover([{ downtimeSeconds: 0.009, bytes: 4e6 }, { downtimeSeconds: 0.004, bytes: 9e6 }]), /longer downtimes/);
});

test('the time per zero page: the first pass less its bytes at the final pass\'s rate, over its zero pages; the median', () => {
  // 1 GB/s: 100 MB take 0.1 s; 200,000 zero pages in the other 0.6, 0.4 and 1.6 s: 3, 2 and 8 µs → 3 µs.
  const p = (firstPassSeconds: number) => ({ firstPassSeconds, firstPassBytes: 100e6, zeroPages: 200_000 });
  assert.ok(Math.abs(solveZeroPageSeconds([p(0.7), p(0.5), p(1.7)], 1e9) - 3e-6) < 1e-12);
  assert.ok(Math.abs(solveZeroPageSeconds([p(0.7), p(0.5)], 1e9) - 2.5e-6) < 1e-12);
  assert.throws(() => solveZeroPageSeconds([{ firstPassSeconds: 1, firstPassBytes: 1, zeroPages: 0 }], 1e9), /needs migrations with zero pages/);
});

test.run();
