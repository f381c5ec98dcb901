import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { multifdWire, MULTIFD_PACKET_HEADER_BYTES } from '../../models/network/wire/multifd.ts';
import { encoderCap } from '../../models/network/wire/types.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { scenario } from '../helpers/scenario.ts';

const none = { channels: 2, compression: 'none' as const, compressedPageBytes: null, compressBytesPerSecond: null, decompressBytesPerSecond: null };

test('multifd packets: 1,344-byte headers per 128 pages, zero pages as offsets only, compressed data at its stated size', () => {
  assert.is(MULTIFD_PACKET_HEADER_BYTES, 1344);
  const w = multifdWire(none);
  assert.is(w.bytes(256, 56), 256 * 10.5 + 200 * 4096);
  assert.is(w.cpuSeconds, undefined); // plain channels only copy
  const z = multifdWire({ ...none, compression: 'zstd', compressedPageBytes: 1000 });
  assert.is(z.bytes(256, 56), 256 * 10.5 + 200 * 1000);
  // 200 pages of 4 KiB through 2 channels at zstd's 946 MB/s (the slower end: compression).
  assert.ok(Math.abs(z.cpuSeconds!(256, 56) - (200 * 4096) / (2 * 946e6)) < 1e-15);
  const slow = multifdWire({ ...none, channels: 4, compression: 'zlib', compressedPageBytes: 2048, compressBytesPerSecond: 50e6, decompressBytesPerSecond: 30e6 });
  assert.ok(Math.abs(slow.cpuSeconds!(128, 0) - (128 * 4096) / (4 * 30e6)) < 1e-15); // the decompressing end is slower here
  // The send pace: the link's cap or the compressors', whichever is lower.
  assert.ok(Math.abs(encoderCap(slow, 128, 0, slow.bytes(128, 0), 1e12) - slow.bytes(128, 0) / slow.cpuSeconds!(128, 0)) < 1e-3);
});

// A 256 MiB guest, half zero pages, over an uncapped 10 Gbit/s link.
const guest = (multifd: Record<string, unknown> | undefined, cap: number | null = null) => scenario({
  seed: 1, vm: { memoryMiB: 256, zeroPageFraction: 0.5 }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e10 },
  migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: cap, ...(multifd ? { multifd } : {}) },
});

test('compression cuts the bytes by the stated ratio; where the compressors are slower than the link they set the pace; more channels, more pace', () => {
  const plain = runScenario(guest(undefined));
  const mf = runScenario(guest({}));
  assert.ok(Math.abs(mf.bytesTransferred / plain.bytesTransferred - 1) < 0.01, `${mf.bytesTransferred} vs ${plain.bytesTransferred}`);
  assert.equal(mf.multifd, { channels: 2, compression: 'none', bytesPerChannel: mf.bytesTransferred / 2 });
  const zlib2 = runScenario(guest({ compression: 'zlib', compressedPageBytes: 1024 }));
  const nonZero = 32768;
  assert.ok(Math.abs(zlib2.bytesTransferred - (65536 * 10.5 + nonZero * 1024)) < 0.01 * zlib2.bytesTransferred, `${zlib2.bytesTransferred}`);
  // zlib at 121 MB/s a channel, two channels: the non-zero half of memory takes 32,768 × 4096 / 242e6 ≈ 0.555 s, well over the link's time.
  const expected = (nonZero * 4096) / (2 * 121e6);
  assert.ok(Math.abs(zlib2.totalTimeSeconds - expected) < 0.05 * expected, `${zlib2.totalTimeSeconds} vs ${expected}`);
  const zlib4 = runScenario(guest({ channels: 4, compression: 'zlib', compressedPageBytes: 1024 }));
  assert.ok(Math.abs(zlib4.totalTimeSeconds / zlib2.totalTimeSeconds - 0.5) < 0.05, `${zlib4.totalTimeSeconds}`);
  // Behind a 32 MiB/s cap the link sets the pace again: fewer bytes, less time than plain.
  const capped = runScenario(guest({ compression: 'zstd', compressedPageBytes: 1024 }, 33554432));
  const cappedPlain = runScenario(guest(undefined, 33554432));
  assert.ok(capped.totalTimeSeconds < 0.3 * cappedPlain.totalTimeSeconds, `${capped.totalTimeSeconds} vs ${cappedPlain.totalTimeSeconds}`);
});

test('multifd\'s inputs are checked: a compressed size with compression only, not with XBZRLE, QEMU\'s policy only', () => {
  assert.throws(() => guest({ compression: 'zstd' }), /migration\.multifd\.compressedPageBytes: expected the bytes a non-zero page of this guest compresses to with zstd/);
  assert.throws(() => guest({ compressedPageBytes: 100 }), /migration\.multifd\.compressedPageBytes: used only with compression "zlib" or "zstd"/);
  assert.throws(() => scenario({ fidelity: 'page', workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'qemu', multifd: {}, xbzrle: {} } }), /QEMU refuses multifd together with xbzrle/);
  assert.throws(() => scenario({ workload: { type: 'idle' }, migration: { algorithm: 'precopy', policy: 'xen', multifd: {} } }), /migration\.multifd: not used by policy xen/);
  assert.equal(guest({}).migration.multifd, { channels: 2, compression: 'none', compressBytesPerSecond: null, decompressBytesPerSecond: null });
});

test.run();
