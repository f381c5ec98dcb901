import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../models/run/runScenario.ts';
import { scenario, relErr } from '../helpers/scenario.ts';

/** CR/TR-Motion (models/migration/compositions/traceReplay.ts), checked by hand. */
const MiB = 1048576;
const run = (migration: Record<string, unknown>, extra: Record<string, unknown> = {}) => runScenario(scenario({
  vm: { memoryMiB: 64 }, workload: { type: 'uniform', writesPerSecond: 5000 }, network: { bandwidthBitsPerSecond: 1e9, wireFormat: 'raw' },
  migration: { algorithm: 'trace-replay', traceLogBytesPerSecond: 1e6, replaySpeedup: 2, ...migration }, ...extra,
}));

test('hand-worked: the checkpoint, then logs each covering the last one\'s replay; every recorded second shipped once', () => {
  const r = run({});
  const rate = 125e6; // 1 Gbit/s in bytes/s
  const T0 = (64 * MiB) / rate; // the checkpoint: all of memory, raw
  assert.ok(relErr(r.roundRows[0].bytes, 64 * MiB) < 1e-12);
  assert.ok(relErr(r.roundRows[0].durationSeconds, T0) < 1e-9);
  // Log round 1: what was recorded during the checkpoint's transfer.
  const L1 = 1e6 * T0;
  assert.ok(relErr(r.roundRows[1].bytes, L1) < 1e-9, `${r.roundRows[1].bytes} vs ${L1}`);
  // Round 2 starts when chunk 1 is replayed: it arrives after L1 / rate, replays in T0 / 2.
  const t1 = T0 + L1 / rate + T0 / 2;
  assert.ok(relErr(r.roundRows[2].bytes, 1e6 * (t1 - T0)) < 1e-9);
  // The chunks shrink by the replay speed-up (their transfer adds a little).
  const logs = r.roundRows.slice(1, -1).map((x) => x.bytes);
  for (let k = 1; k < logs.length; k++) assert.ok(logs[k] / logs[k - 1] > 0.5 && logs[k] / logs[k - 1] < 0.52, `chunk ${k}: ${logs[k] / logs[k - 1]}`);
  // Converged: the pause is within the limit; the whole recording crossed once.
  assert.is(r.stopReason, 'converged');
  assert.ok(r.downtimeSeconds <= 0.03 && r.downtimeSeconds > r.roundRows.at(-1)!.bytes / rate);
  const suspend = r.totalTimeSeconds - r.downtimeSeconds;
  assert.ok(relErr(r.bytesTransferred, 64 * MiB + 1e6 * suspend) < 1e-9, 'image + every recorded second of log');
  // Independent of the page-write rate: the log records events, not pages.
  const busy = run({}, { workload: { type: 'uniform', writesPerSecond: 500000 } });
  assert.ok(relErr(busy.totalTimeSeconds, r.totalTimeSeconds) < 1e-12 && relErr(busy.bytesTransferred, r.bytesTransferred) < 1e-12);
});

test('a replay slower than the recording never catches up: the round cap stops it, with the backlog as downtime', () => {
  const r = run({ replaySpeedup: 0.8, maxIterations: 5 });
  assert.is(r.stopReason, 'iteration-cap');
  assert.is(r.rounds, 1 + 5 + 1);
  assert.ok(r.downtimeSeconds > 0.1, `downtime ${r.downtimeSeconds}`);
});

test('trace-replay needs its two inputs, and a downtime limit moves the stop', () => {
  assert.throws(() => scenario({ migration: { algorithm: 'trace-replay', replaySpeedup: 2 } }), /migration\.traceLogBytesPerSecond: expected a number for algorithm "trace-replay", which needs it \(how fast the guest.s execution log grows/);
  assert.throws(() => scenario({ migration: { algorithm: 'trace-replay', traceLogBytesPerSecond: 1e6 } }), /migration\.replaySpeedup: expected a number for algorithm "trace-replay"/);
  assert.throws(() => scenario({ migration: { algorithm: 'precopy', policy: 'xen', replaySpeedup: 2 } }), /migration\.replaySpeedup: not used by precopy/);
  const tight = run({ downtimeLimitSeconds: 0.005 }), loose = run({ downtimeLimitSeconds: 0.2 });
  assert.ok(tight.rounds > loose.rounds && tight.downtimeSeconds < loose.downtimeSeconds && tight.downtimeSeconds <= 0.005);
  for (const fidelity of ['fluid', 'page']) assert.is(run({}, { fidelity }).stopReason, 'converged');
});

test.run();
