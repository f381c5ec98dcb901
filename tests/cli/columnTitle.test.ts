import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { columnTitle } from '../../scripts/lib/columnTitle.ts';

test('column titles carry the unit the name carries', () => {
  assert.is(columnTitle('totalTimeSeconds'), 'total time (s)');
  assert.is(columnTitle('bytesTransferred'), 'bytes transferred');
  assert.is(columnTitle('precopyBytes'), 'precopy (B)');
  assert.is(columnTitle('network.bandwidthBitsPerSecond'), 'network bandwidth (bit/s)');
  assert.is(columnTitle('migration.maxBandwidthBytesPerSecond'), 'migration max bandwidth (B/s)');
  assert.is(columnTitle('workload.writesPerSecond'), 'workload writes (/s)');
  assert.is(columnTitle('vm.memoryMiB'), 'vm memory (MiB)');
  assert.is(columnTitle('vm.zeroPageFraction'), 'vm zero page (fraction)');
  assert.is(columnTitle('rounds'), 'rounds');
  assert.is(columnTitle('Seconds'), 'seconds', 'a bare unit stays a word');
});

test.run();
