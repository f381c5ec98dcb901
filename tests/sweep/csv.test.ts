import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'csv-stringify/sync';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowsToCsv } from '../../scripts/sweep/output.ts';
import { countRecords, scanCsv } from '../../scripts/sweep/csvRecords.ts';
import { RandomStream } from '../../sim/random.ts';

test('sweep rows come out byte for byte as csv-stringify writes them', () => {
  const rng = new RandomStream(7, 'csv');
  const alphabet = ['a', 'Z', '0', '9', '.', 'e', '-', '+', '=', '@', ' ', '\t', ',', '"', '\n', '\r', "'", 'é', '{', '}', ':'];
  const cell = (): string => {
    const n = rng.integer(6);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[rng.integer(alphabet.length)];
    return s;
  };
  for (let trial = 0; trial < 500; trial++) {
    const rows = Array.from({ length: 1 + rng.integer(4) }, () => Array.from({ length: 1 + rng.integer(8) }, cell));
    assert.is(rowsToCsv(rows), stringify(rows), JSON.stringify(rows));
  }
  // Typical sweep cells, and ones that need quoting (JSON values of object-valued axes).
  const rows = [['0', '0', '0', '123', 'xen', '1.5e-7', '', 'true', 'converged'], ['1', '{"type":"uniform","writesPerSecond":5}', '-3', 'say "hi"', 'a\nb']];
  assert.is(rowsToCsv(rows), stringify(rows));
  assert.is(rowsToCsv([]), '');
});

test('records, not lines: csv-parse and the byte-speed counter agree on every file, whole or torn anywhere', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'miglab-csv-'));
  try {
    const rng = new RandomStream(11, 'records');
    const alphabet = ['a', '0', '.', ' ', ',', '"', '\n', '\r', 'é'];
    const cell = (): string => Array.from({ length: rng.integer(5) }, () => alphabet[rng.integer(alphabet.length)]).join('');
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + rng.integer(5);
      const rows = Array.from({ length: rng.integer(12) }, () => Array.from({ length: width }, cell));
      const text = stringify([Array.from({ length: width }, (_, k) => `c${k}`)]) + rowsToCsv(rows);
      const file = join(dir, 'x.csv');
      writeFileSync(file, text);
      const whole = await scanCsv(file);
      assert.is(whole.records, rows.length, JSON.stringify(rows));
      assert.is(whole.stoppedBecause, null);
      assert.equal(await countRecords(file), { records: rows.length, complete: true });
      // Torn at a random byte: both see the same complete records; the tear is reported.
      const bytes = Buffer.from(text);
      const cut = rng.integer(bytes.length + 1);
      writeFileSync(file, bytes.subarray(0, cut));
      const a = await scanCsv(file), b = await countRecords(file);
      assert.is(b.records, a.records, `cut at ${cut} of ${JSON.stringify(text)}`);
      assert.is(b.complete, a.completeBytes === cut, `cut at ${cut} of ${JSON.stringify(text)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
