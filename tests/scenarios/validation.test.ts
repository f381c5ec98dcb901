import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadScenario } from '../../models/scenario/load.ts';
import { InputError } from '../../models/input/errors.ts';
import { parseDirtyTrace } from '../../models/workload/trace.ts';

const bad = (name: string): string => join('tests/fixtures/bad', name);

/** Each malformed file, and what its error must say (file name, field path, expectation). */
const cases: [string, RegExp][] = [
  ['not-json.json', /not-json\.json: not valid JSON/],
  ['array.json', /array\.json: \(top level\): expected an object, got an array/],
  ['missing-name.json', /missing-name\.json: name: expected a value \(required\), got nothing/],
  ['bad-name.json', /bad-name\.json: name: expected letters, digits.*got string "has space"/],
  ['memory-string.json', /memory-string\.json: vm\.memoryMiB: expected number, got string "1GB"/],
  ['memory-negative.json', /memory-negative\.json: vm\.memoryMiB: expected a number > 0, got number -5/],
  ['unknown-field.json', /unknown-field\.json: vm\.ram: unknown field; expected one of memoryMiB, zeroPageFraction, osHotPages, pageWalksDirtyPageTables, footprint, zeroPagePlacement, bytesChangedPerWrite/],
  ['unknown-policy.json', /unknown-policy\.json: migration\.policy: expected one of "xen", "xen-legacy", "qemu", "simgrid", "clark05", "microwiper", got string "vmware"/],
  ['precopy-no-policy.json', /precopy-no-policy\.json: migration\.policy: expected one of .* for precopy, got nothing/],
  ['policy-field-mismatch.json', /policy-field-mismatch\.json: migration\.maxIterations: not used by policy qemu; expected it only with xen, xen-legacy, clark05, microwiper \(or algorithm "trace-replay"\), got number 3/],
  ['unknown-workload.json', /unknown-workload\.json: workload\.type: expected one of "idle", "uniform", "hotcold", "sweep", "zipf", "phases", "trace", got string "random"/],
  ['workload-missing-rate.json', /workload-missing-rate\.json: workload\.writesPerSecond: expected a value \(required\), got nothing/],
  ['hot-fraction-range.json', /hot-fraction-range\.json: workload\.hotWriteFraction: expected a number <= 1, got number 1\.5/],
  ['hotset-too-big.json', /hotset-too-big\.json: workload\.hotSetMiB: expected at most the working set \(256 MiB\), got number 512/],
  ['zero-bandwidth.json', /zero-bandwidth\.json: network\.bandwidthBitsPerSecond: expected a number > 0, got number 0/],
  ['bad-timeout-rule.json', /bad-timeout-rule\.json: limits\.onTimeout: expected one of "cancel", "stop-and-copy", got string "retry"/],
  ['trace-fluid.json', /trace-fluid\.json: fidelity: expected "page" with a trace workload/],
  ['trace-missing.json', /trace-missing\.json: workload\.file: .*nope\.trace: cannot read the trace file: no such file/],
  ['phase-nested.json', /phase-nested\.json: workload\.phases\[0\]\.workload\.type: expected one of "idle", "uniform", "hotcold", "sweep", "zipf", got string "phases"/],
  ['seed-float.json', /seed-float\.json: seed: expected integer, got number 1\.5/],
];

for (const [file, pattern] of cases) {
  test(`malformed scenario ${file} gets a clear error`, () => {
    try {
      loadScenario(bad(file));
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, InputError);
      assert.match((e as Error).message, pattern);
      assert.not.match((e as Error).message, /\n\s+at /); // no stack trace
    }
  });
}

test('--set overrides are validated like the file', () => {
  assert.throws(() => loadScenario('scenarios/precopy-xen-hotcold.json', ['network.bandwidthBitsPerSecond="fast"']), /network\.bandwidthBitsPerSecond: expected number, got string "fast"/);
  assert.throws(() => loadScenario('scenarios/precopy-xen-hotcold.json', ['noequals']), /expected path=value/);
  const s = loadScenario('scenarios/precopy-xen-hotcold.json', ['migration.policy=qemu', 'vm.memoryMiB=512']).scenario;
  assert.is(s.migration.policy, 'qemu');
  assert.is(s.migration.downtimeLimitSeconds, 0.3);
  assert.is(s.migration.maxBandwidthBytesPerSecond, 134217728);
  assert.is(s.network.wireFormat, 'qemu');
  assert.is(s.vm.memoryMiB, 512);
  assert.not.ok('maxIterations' in s.migration);
});

test('trace files: format errors name the line', () => {
  assert.throws(() => parseDirtyTrace('hello\n', 't.trace', false), /t\.trace:1: expected header/);
  assert.throws(() => parseDirtyTrace('# miglab-dirty-trace v1 interval_seconds=0.1 pages=10\n1 x\n', 't.trace', false), /t\.trace:2: expected a page number or range a-b, got "x"/);
  assert.throws(() => parseDirtyTrace('# miglab-dirty-trace v1 interval_seconds=0.1 pages=10\n5-20\n', 't.trace', false), /t\.trace:2: page range 5-20 is outside 0\.\.9/);
});

test('every shipped example scenario validates', async () => {
  const { readdirSync } = await import('node:fs');
  const files = readdirSync('scenarios').filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));
  assert.ok(files.length >= 7);
  for (const f of files) loadScenario(join('scenarios', f));
});

test('a misspelled field gets "did you mean", a far-off one does not', () => {
  assert.throws(() => loadScenario('scenarios/precopy-qemu.json', ['vm.memoryMib=3']), /vm\.memoryMib: unknown field \(did you mean memoryMiB\?\); expected one of/);
  assert.throws(() => loadScenario('scenarios/precopy-qemu.json', ['network.bandwith=3']), /did you mean bandwidthBitsPerSecond|unknown field; expected/);
  assert.throws(() => loadScenario('scenarios/precopy-qemu.json', ['vm.ram=3']), (e: Error) => /vm\.ram: unknown field; expected one of/.test(e.message));
});

test.run();
