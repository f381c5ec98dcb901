import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

/**
 * MECOM's wire (models/network/wire/mecom.ts), hand-worked with the schema's defaults: a non-zero
 * page costs 8 (pfn) + 4 (length) + 4096 × (0.5 × 0.5 + 0.5 × 0.475) = 2,008.8 bytes; encoding it
 * takes 4096 × (0.5 / 517.5e6 + 0.5 / 414e6) = 8.9043 µs, decoding 4096 × (0.5 / 862.5e6 +
 * 0.5 / 600e6) = 5.7878 µs: one core encodes 112,305 pages/s (225.6 MB/s on the wire).
 */
const PAGES = 65536; // 256 MiB
const PER_PAGE_BYTES = 8 + 4 + 4096 * 0.4875;
const ENCODE_SECONDS = 4096 * (0.5 / 517.5e6 + 0.5 / 414e6);
const stopAndCopy = (bitsPerSecond: number, extra: Record<string, unknown> = {}) => runScenario(scenario({
  vm: { memoryMiB: 256 }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: bitsPerSecond, latencySeconds: 0, wireFormat: 'mecom' },
  migration: { algorithm: 'stop-and-copy' }, ...extra,
}));

test('bytes: each class its own size, Xen framing around them', () => {
  const r = stopAndCopy(1e9);
  assert.ok(relErr(r.bytesTransferred, PAGES * PER_PAGE_BYTES + 64 * 16) < 1e-12, `${r.bytesTransferred}`);
  const zero = stopAndCopy(1e9, { vm: { memoryMiB: 256, zeroPageFraction: 1 } });
  assert.is(zero.bytesTransferred, PAGES * 8 + 64 * 16, 'zero pages: a pfn entry each');
});

test('time: the link\'s pace on a Gigabit link, the encoder\'s on 10 Gbit/s (compression then slower than raw Xen)', () => {
  const slow = stopAndCopy(1e9);
  assert.ok(relErr(slow.totalTimeSeconds, slow.bytesTransferred / 125e6) < 1e-9, `link-bound ${slow.totalTimeSeconds}`);
  const fast = stopAndCopy(1e10);
  assert.ok(relErr(fast.totalTimeSeconds, PAGES * ENCODE_SECONDS) < 1e-9, `CPU-bound ${fast.totalTimeSeconds} vs ${PAGES * ENCODE_SECONDS}`);
  const raw = runScenario(scenario({ vm: { memoryMiB: 256 }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e10, latencySeconds: 0, wireFormat: 'xen' }, migration: { algorithm: 'stop-and-copy' } }));
  assert.ok(fast.totalTimeSeconds > raw.totalTimeSeconds, 'on a fast link the compressor is the bottleneck');
  const four = stopAndCopy(1e10, { compression: { threads: 4 } });
  assert.ok(relErr(four.totalTimeSeconds, Math.max(PAGES * ENCODE_SECONDS / 4, four.bytesTransferred / 1.25e9)) < 1e-9, `4 threads ${four.totalTimeSeconds}`);
});

test('pre-copy with Xen\'s policies, both fidelities: fewer bytes and rounds of the same pages', () => {
  for (const fidelity of ['fluid', 'page']) {
    for (const policy of ['xen', 'xen-legacy']) {
      const s = (wireFormat: string) => scenario({ fidelity, seed: 2, vm: { memoryMiB: 512, zeroPageFraction: 0.3 }, workload: { type: 'hotcold', writesPerSecond: 8000, hotSetMiB: 32, hotWriteFraction: 0.9 },
        network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 1e-4, wireFormat }, migration: { algorithm: 'precopy', policy } });
      const xen = runScenario(s('xen')), mecom = runScenario(s('mecom'));
      assert.ok(mecom.bytesTransferred < 0.5 * xen.bytesTransferred, `${fidelity} ${policy}: ${mecom.bytesTransferred} vs ${xen.bytesTransferred}`);
      assert.ok(mecom.totalTimeSeconds < xen.totalTimeSeconds && mecom.downtimeSeconds < xen.downtimeSeconds, `${fidelity} ${policy}: time and downtime fall`);
    }
  }
});

test('mecom is refused where it is not modelled; compression without it is refused', () => {
  assert.throws(() => scenario({ network: { bandwidthBitsPerSecond: 1e9, wireFormat: 'mecom' }, migration: { algorithm: 'precopy', policy: 'qemu' } }),
    /network\.wireFormat: "mecom" is modelled on Xen's stream: expected algorithm "precopy" with policy "xen", "xen-legacy" or "clark05", or algorithm "stop-and-copy"; got algorithm "precopy" with policy "qemu"/);
  assert.throws(() => scenario({ network: { bandwidthBitsPerSecond: 1e9, wireFormat: 'mecom' }, migration: { algorithm: 'postcopy' } }), /got algorithm "postcopy"/);
  assert.throws(() => scenario({ compression: { threads: 2 } }), /test\.json: compression: used only with network\.wireFormat "mecom", got wireFormat "xen"/);
  assert.throws(() => scenario({ network: { bandwidthBitsPerSecond: 1e9, wireFormat: 'mecom' }, compression: { otherCompressedFraction: 0 } }), /compression\.otherCompressedFraction/);
  const echoed = scenario({ network: { bandwidthBitsPerSecond: 1e9, wireFormat: 'mecom' } }).compression!;
  assert.is(echoed.generalCompressBytesPerSecond, 414e6, 'defaults filled in and echoed');
});

test.run();
