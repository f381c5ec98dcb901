import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XbzrleStream } from '../../models/network/wire/xbzrle.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { scenario } from '../helpers/scenario.ts';

const FULL = 4096 + 8, ZERO = 8 + 1;

test('XBZRLE prices each page as QEMU does: bulk pass, miss and insert, hit, a fresh slot kept, last stage, overflow', () => {
  // 4 slots (16 KiB); 100 bytes changed per write → a delta of 1 + 1 + 100 bytes, + 8 + 1 + 2 on the wire = 113.
  const versions = new Uint32Array(32);
  const x = new XbzrleStream({ cacheBytes: 16384, encodeBytesPerSecond: 4096e6 }, 100, versions);
  // Each page sent was written just before (a new version), unless said otherwise.
  const send = (...pages: [number, boolean][]): number => { for (const [p, z] of pages) { versions[p]++; x.onPage(p, z); } return x.bytes(pages.length, pages.filter(([, z]) => z).length); };
  x.generation = 1;
  assert.is(send([5, false], [6, true]), FULL + ZERO); // first pass: nothing cached or encoded
  x.generation = 2; x.started = true;
  assert.is(send([5, false]), FULL); // miss: sent whole, inserted in slot 1 (age 2)
  assert.is(send([9, false]), FULL); // miss: slot 1 holds page 5, inserted 0 < 2 generations ago → not replaced
  x.generation = 3;
  assert.is(send([5, false]), 113); // hit: the delta (age → 3)
  assert.is(x.bytesPerPage, 113);
  assert.ok(Math.abs(x.cpuSeconds(1, 0) - 1e-6) < 1e-15); // one page compared at 4,096 MB/s
  x.generation = 5;
  assert.is(send([9, false], [5, false]), 2 * FULL); // 3 + 2 ≤ 5: page 9 replaces 5; then 5 misses and cannot replace 9
  x.generation = 6; x.lastStage = true;
  assert.is(send([9, false], [13, false]), 113 + FULL); // last stage: hits still encoded; misses not inserted
  x.lastStage = false;
  assert.is(send([13, false]), FULL); // slot 1 still holds 9 (age 6)
  x.generation = 7;
  assert.is(send([13, false]), FULL); // 6 + 2 > 7: still 9's
  x.generation = 8;
  assert.is(send([13, false]), FULL); // 6 + 2 ≤ 8: 13 replaces 9
  x.onPage(13, false); // dirtied, but sent with that write already in it: unchanged since its copy
  assert.is(x.bytes(1, 0), 0);
  assert.equal(x.summary(), { cacheBytes: 16384, pages: 3, bytes: 2 * (113 - 8), cacheMisses: 8, overflows: 0, encodingRate: (3 * 4096) / (2 * 105) });
  assert.throws(() => x.bytes(3, 0), /priced 0 pages, the sender asks for 3/);

  // A write changing the whole page: every hit overflows and is sent whole (counted at 4,096 bytes).
  const v = new Uint32Array(4);
  const whole = new XbzrleStream({ cacheBytes: 16384, encodeBytesPerSecond: 2.25e9 }, 4096, v);
  whole.started = true; whole.generation = 2;
  whole.onPage(1, false); whole.bytes(1, 0);
  whole.generation = 3; v[1]++;
  whole.onPage(1, false);
  assert.is(whole.bytes(1, 0), FULL);
  assert.equal(whole.summary(), { cacheBytes: 16384, pages: 1, bytes: 4096, cacheMisses: 1, overflows: 1, encodingRate: 1 });
});

// 256 MiB guest sweeping 64 MiB at 9,000 pages/s against a 32 MiB/s cap (≈ 8,200 pages/s): plain
// pre-copy cannot converge; with small deltas XBZRLE can.
const guest = (migration: Record<string, unknown>, bytesChangedPerWrite = 64, fidelity = 'page') => scenario({
  fidelity, seed: 2, vm: { memoryMiB: 256, zeroPageFraction: 0.5, bytesChangedPerWrite },
  workload: { type: 'sweep', writesPerSecond: 9000, bufferMiB: 64 }, network: { bandwidthBitsPerSecond: 1e10 },
  migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 33554432, ...migration }, limits: { maxTimeSeconds: 60, onTimeout: 'cancel' },
});

test('XBZRLE converges a guest plain pre-copy cannot: the cache covers the buffer, deltas are small', () => {
  const plain = runScenario(guest({}));
  assert.is(plain.status, 'cancelled');
  const xb = runScenario(guest({ xbzrle: {} }));
  assert.is(xb.status, 'completed');
  assert.ok(xb.converged);
  const c = xb.xbzrle!;
  // From the third pass on nearly every buffer page re-sent is a hit: 64 MiB of buffer fits the 64 MiB cache.
  assert.ok(c.pages > 0.9 * 16384 && c.overflows === 0, JSON.stringify(c));
  // Each delta is 69 bytes (3 + 1 + 1 + 64); pages dirtied but sent with the write already in them encode to nothing (and count as encoded, as in QEMU).
  assert.ok(c.encodingRate > 4096 / (1 + 1 + 64 + 3), `${c.encodingRate}`);
  assert.ok(Math.abs(c.bytes % 69) < 1e-9, `${c.bytes}`);
  // Pass 2 fills the cache, pass 3 hits what pass 2 sent; from pass 4 on nearly every page is a delta.
  const late = xb.roundRows.slice(3, -1);
  assert.ok(late.length >= 1);
  for (const r of late) assert.ok(r.bytes < 0.1 * r.pagesSent * 4104, JSON.stringify(r));
  // Whole-page writes: every hit overflows, no better than plain pre-copy.
  const whole = runScenario(guest({ xbzrle: {} }, 4096));
  assert.is(whole.status, 'cancelled');
  assert.ok(whole.xbzrle!.overflows > 0 && whole.xbzrle!.bytes === whole.xbzrle!.overflows * 4096, JSON.stringify(whole.xbzrle)); // every changed hit overflows
  // A cache a 64th of the buffer misses most pages and does not converge either (a 16th still does, slowly).
  const small = runScenario(guest({ xbzrle: { cacheBytes: 1024 * 1024 } }));
  assert.is(small.status, 'cancelled');
  assert.ok(small.xbzrle!.cacheMisses > 10 * small.xbzrle!.pages, JSON.stringify(small.xbzrle));
});

test('XBZRLE needs page fidelity and pre-copy; it is declared once, in the migration section', () => {
  assert.throws(() => guest({ xbzrle: {} }, 64, 'fluid'), /migration\.xbzrle: QEMU's XBZRLE cache is keyed by page address: expected fidelity "page"/);
  assert.throws(() => scenario({ fidelity: 'page', workload: { type: 'idle' }, migration: { algorithm: 'hybrid', policy: 'qemu', postcopyAfterSeconds: 1, xbzrle: {} } }), /migration\.xbzrle: modelled for pre-copy only/);
  assert.throws(() => scenario({ workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'xen', xbzrle: {} } }), /migration\.xbzrle: not used by policy xen/);
  assert.throws(() => scenario({ workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'qemu' }, real: { qemu: { capabilities: ['xbzrle'] } } }), /"xbzrle" is declared as migration\.xbzrle/);
  assert.equal(guest({ xbzrle: {} }).migration.xbzrle, { cacheBytes: 67108864, encodeBytesPerSecond: 2250000000 });
  assert.throws(() => guest({ xbzrle: { cacheBytes: 512 * 1048576 } }), /migration\.xbzrle\.cacheBytes: expected at most the guest's memory \(268435456 bytes\)/);
  assert.throws(() => guest({ xbzrle: { cacheBytes: 3 * 4096 } }), /migration\.xbzrle\.cacheBytes: expected a power of two pages/);
});

test.run();
