import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nonZeroPagesPerMiB, topBlockMiB } from '../../real/qemu/memoryMap.ts';

test('a memory dump mapped: non-zero pages per MiB, and the dense block at the top', () => {
  const mib = 1048576;
  const ram = new Uint8Array(8 * mib);
  // MiB 0: 3 pages; MiB 5: 100 pages (sparse: not part of the top block); MiB 6 and 7: 200 and 256 pages.
  for (const p of [0, 7, 255]) ram[p * 4096 + 4095] = 1;
  for (let p = 0; p < 100; p++) ram[5 * mib + p * 4096 + 17] = 2;
  for (let p = 0; p < 200; p++) ram[6 * mib + p * 4096] = 3;
  for (let p = 0; p < 256; p++) ram[7 * mib + p * 4096 + 8] = 4;
  const map = nonZeroPagesPerMiB(ram);
  assert.equal(Array.from(map), [3, 0, 0, 0, 0, 100, 200, 256]);
  assert.is(topBlockMiB(map), (200 + 256) / 256);
  assert.is(topBlockMiB(new Uint32Array([256, 0])), 0, 'nothing dense at the very top: no block');
});

test.run();
