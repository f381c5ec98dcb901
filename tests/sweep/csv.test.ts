import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'csv-stringify/sync';
import { rowsToCsv } from '../../scripts/sweep/output.ts';
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

test.run();
