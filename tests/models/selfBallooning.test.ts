import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

/**
 * Dynamic self-ballooning (Hines & Gopalan, VEE'09): the balloon holds the guest's free pages, so
 * they are never sent. Hand-worked case: a 1 GiB guest (262,144 pages) whose workload writes only
 * its first 128 MiB (32,768 pages), with 75 % zero pages (196,608), placed first where the workload
 * never writes (896 MiB = 229,376 pages): all 196,608 are free and ballooned, 65,536 pages remain.
 */
const base = (fidelity: string, migration: Record<string, unknown>) => scenario({
  fidelity, seed: 5, vm: { memoryMiB: 1024, zeroPageFraction: 0.75 },
  workload: { type: 'uniform', writesPerSecond: 2000, workingSetMiB: 128 }, network: { bandwidthBitsPerSecond: 1e9, latencySeconds: 1e-4 }, migration,
});

test('pre-copy: the free pages are neither sent nor tracked; the first round is the rest of memory', () => {
  for (const fidelity of ['fluid', 'page']) {
    const plain = runScenario(base(fidelity, { algorithm: 'precopy', policy: 'xen' }));
    const dsb = runScenario(base(fidelity, { algorithm: 'precopy', policy: 'xen', selfBallooning: true }));
    assert.is(plain.balloonedPages, undefined);
    const expected = 196608;
    assert.ok(relErr(dsb.balloonedPages!, expected) < (fidelity === 'fluid' ? 1e-12 : 0.01), `${fidelity}: ballooned ${dsb.balloonedPages}`);
    assert.is(plain.roundRows[0].pagesSent, 262144);
    assert.ok(Math.abs(dsb.roundRows[0].pagesSent - (262144 - dsb.balloonedPages!)) < 1e-6, `${fidelity}: first round ${dsb.roundRows[0].pagesSent}`);
    // Xen sends zero pages in full, so the saving is the balloon's pages on the wire: about 3/4 of the first round.
    assert.ok(dsb.bytesTransferred < 0.3 * plain.bytesTransferred && dsb.totalTimeSeconds < 0.3 * plain.totalTimeSeconds, `${fidelity}: ${dsb.bytesTransferred} vs ${plain.bytesTransferred}`);
  }
});

test('post-copy: the missing pages at the switch exclude the balloon; every other page still crosses once', () => {
  for (const fidelity of ['fluid', 'page']) {
    const dsb = runScenario(base(fidelity, { algorithm: 'postcopy', selfBallooning: true }));
    assert.ok(Math.abs(dsb.postcopy!.pages - (262144 - dsb.balloonedPages!)) < 1e-6, `${fidelity}: ${dsb.postcopy!.pages}`);
    assert.ok(Math.abs(dsb.postcopy!.pushedPages + dsb.postcopy!.faults - dsb.postcopy!.pages) < 1e-6);
  }
});

test('self-ballooning is refused where it has no meaning', () => {
  assert.throws(() => base('fluid', { algorithm: 'cow-checkpoint', selfBallooning: true }), /migration\.selfBallooning: not used by cow-checkpoint/);
  assert.throws(() => scenario({ fidelity: 'page', workload: { type: 'trace', file: 'tests/fixtures/traces/small.trace' }, migration: { algorithm: 'precopy', policy: 'xen', selfBallooning: true } }),
    /migration\.selfBallooning: the balloon holds the free pages where the workload never writes: expected a workload other than a trace/);
});

test.run();
