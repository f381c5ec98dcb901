import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSweep } from '../../scripts/sweep/spec.ts';
import { SweepRunner } from '../../scripts/sweep/runs.ts';
import { SweepExecutor } from '../../scripts/sweep/execute.ts';
import { Chunks } from '../../scripts/sweep/lanes.ts';
import { InputError } from '../../models/input/errors.ts';

const scratch = mkdtempSync(join(tmpdir(), 'miglab-executor-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

const base = resolve('scenarios/precopy-xen-hotcold.json');
const sweep = (replicates: number) => JSON.stringify({
  name: 'lanes', base, seed: 3, replicates,
  axes: [
    { field: 'migration.policy', values: ['xen', 'qemu', 'simgrid', 'xen-legacy'] },
    { field: 'vm.memoryMiB', log: { from: 256, to: 4096, count: 5 } },
    { field: 'workload.writesPerSecond', log: { from: 500, to: 20000, count: 10 } },
  ],
});

async function runAll(file: string, workers: number): Promise<{ text: string; chunks: number[] }> {
  const runner = new SweepRunner(loadSweep(file));
  const executor = new SweepExecutor(runner, workers, 0);
  let text = '';
  const chunks: number[] = [];
  try {
    await executor.run(0, runner.design.totalRuns, (t, runs) => { text += t; chunks.push(runs); });
  } finally {
    await executor.close();
  }
  return { text, chunks };
}

const workerHandles = (): number => process.getActiveResourcesInfo().filter((r) => /worker/i.test(r)).length;

test('lanes: the same rows in run order with 1, 2 or 3 lanes, every run once', async () => {
  const file = join(scratch, 'lanes.json');
  writeFileSync(file, sweep(25)); // 4 × 5 × 10 points × 25 = 5,000 runs
  const one = await runAll(file, 1);
  const lines = one.text.trimEnd().split('\n');
  assert.is(lines.length, 5000);
  lines.forEach((l, i) => assert.ok(l.startsWith(`${i},${Math.floor(i / 25)},${i % 25},`), `line ${i}: ${l.slice(0, 30)}`));
  assert.is(one.chunks.reduce((a, b) => a + b, 0), 5000);
  for (const workers of [2, 3]) {
    const many = await runAll(file, workers);
    assert.ok(many.text === one.text, `${workers} lanes`);
    assert.is(many.chunks.reduce((a, b) => a + b, 0), 5000);
  }
  assert.is(workerHandles(), 0, 'no lane thread left running');
});

test('chunks cover the runs once, in order, and shrink to single runs at the end', () => {
  for (const [from, to, chunkRuns, lanes] of [[0, 960, 8, 2], [500, 1000500, 100, 2], [7, 8, 1, 4], [0, 10, 100, 3], [3, 3, 1, 2]]) {
    const chunks = new Chunks({ from, to, chunkRuns, lanes });
    let next = from, last = Infinity;
    for (let k = 0; k < chunks.count; k++) {
      const [a, b] = chunks.range(k);
      assert.is(a, next, 'contiguous');
      assert.ok(b > a && b - a <= chunkRuns && b - a <= last, `chunk ${k} of [${from}, ${to}): ${b - a} runs`);
      last = b - a;
      next = b;
    }
    assert.is(next, to, 'every run');
    assert.equal(chunks.range(chunks.count), [to, to]);
    if (to - from > 4 * lanes) {
      assert.is(chunks.range(chunks.count - 1)[1] - chunks.range(chunks.count - 1)[0], 1, 'the last chunk is one run');
      assert.ok(chunks.range(0)[1] - chunks.range(0)[0] === Math.min(chunkRuns, Math.ceil((to - from) / (4 * lanes))));
    }
  }
  // 1,000,000 runs in chunks of 100: the shrinking tail adds few chunks.
  assert.ok(new Chunks({ from: 0, to: 1e6, chunkRuns: 100, lanes: 2 }).count < 10000 + 100);
});

test('replicates share their point\'s validation but not its seed or result', async () => {
  const file = join(scratch, 'reps.json');
  writeFileSync(file, sweep(3));
  const runner = new SweepRunner(loadSweep(file));
  const rows = [0, 1, 2].map((r) => runner.row(r));
  assert.is.not(rows[0][3], rows[1][3], 'seeds differ');
  // Each replicate row equals the row computed alone, by a runner that never saw the others.
  for (const r of [2, 1]) assert.equal(new SweepRunner(loadSweep(file)).row(r), rows[r]);
});

test('a row\'s bytes by phase add up to its bytes transferred, post-copy included', () => {
  const rows: Record<string, number>[] = [];
  for (const [name, from, algorithms] of [['live', base, ['precopy', 'hybrid']], ['switch', resolve('scenarios/postcopy-hotcold.json'), ['postcopy', 'stop-and-copy']]] as const) {
    const file = join(scratch, `${name}.json`);
    writeFileSync(file, JSON.stringify({ name, base: from, seed: 5, axes: [{ field: 'migration.algorithm', values: algorithms }] }));
    const runner = new SweepRunner(loadSweep(file));
    for (const r of [0, 1]) rows.push(Object.fromEntries(runner.row(r).map((v, i) => [runner.header[i], Number(v)])));
  }
  for (const row of rows) {
    const sum = row.precopyBytes + row.stopCopyBytes + row.postcopyBytes;
    assert.ok(Math.abs(sum - row.bytesTransferred) <= 1e-9 * sum + 1, JSON.stringify(row));
  }
  const [precopy, hybrid, postcopy, stopAndCopy] = rows;
  assert.is(precopy.postcopyBytes, 0);
  assert.is(stopAndCopy.postcopyBytes, 0);
  assert.ok(hybrid.postcopyBytes > 0 && hybrid.precopyBytes > 0, 'hybrid: live rounds, then post-copy');
  assert.ok(postcopy.postcopyBytes > 0.9 * postcopy.bytesTransferred, 'pure post-copy sends nearly everything after the switch');
});

test('a sweep file changed while the sweep runs stops every lane with a clear error', async () => {
  const file = join(scratch, 'changed.json');
  writeFileSync(file, sweep(500)); // 100,000 runs: the worker thread starts long before the end
  const runner = new SweepRunner(loadSweep(file));
  writeFileSync(file, sweep(501)); // the worker threads load this one
  const executor = new SweepExecutor(runner, 2, 0);
  let handed = 0;
  try {
    await executor.run(0, runner.design.totalRuns, (_t, runs) => { handed += runs; });
    assert.unreachable('should have failed');
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /changed\.json: changed while the sweep was running/);
  } finally {
    await executor.close();
  }
  assert.ok(handed < runner.design.totalRuns, 'stopped before the end');
  assert.is(workerHandles(), 0, 'no lane thread left running');
});

test.run();
