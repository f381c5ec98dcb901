import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBufferLayout, LayoutFormatError } from '../../models/workload/layout.ts';
import { compileWorkload } from '../../models/workload/build.ts';
import { PageTracker } from '../../models/memory/pageTracker.ts';
import { RandomStreams } from '../../sim/random.ts';
import { bufferRuns } from '../../real/qemu/memoryMap.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { InputError } from '../../models/input/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'miglab-layout-'));
const file = (name: string, data: unknown): string => { const f = join(dir, name); writeFileSync(f, JSON.stringify(data)); return f; };

test('layout: runs expand in virtual order and become each page\'s place in physical order', () => {
  // Frames 10, 11, then 5, 4: ranks 2, 3, 1, 0.
  assert.equal(Array.from(loadBufferLayout(file('a.json', { runs: [[10, 2, 1], [5, 2, -1]] }), 4)), [2, 3, 1, 0]);
});

test('layout: a file that does not fit the buffer is refused, saying why', () => {
  const err = (data: unknown, pages: number): string => { try { loadBufferLayout(file('b.json', data), pages); return ''; } catch (e) { assert.instance(e, LayoutFormatError); return (e as Error).message; } };
  assert.match(err({ runs: [[0, 3, 1]] }, 4), 'hold 3 pages, expected the buffer\'s 4');
  assert.match(err({ runs: [[0, 2, 1], [1, 2, 1]] }, 4), 'frame 1 appears twice');
  assert.match(err({ runs: [[0, 2, 2]] }, 2), 'runs[0]: expected [firstFrame ≥ 0, count ≥ 1, step 1 or -1]');
  assert.match(err({ runs: [[1, 3, -1]] }, 3), 'staying at frames ≥ 0');
  assert.match(err([1, 2], 2), 'expected an object with "runs"');
});

test('layout: the sweep writes its buffer in the layout\'s order (page level)', () => {
  // A 1 MiB guest (256 pages) sweeping all of it at 100 pages/s, laid out backwards: in 0.5 s the
  // sweep writes virtual pages 0..49, which lie at the top 50 pages.
  const f = file('rev.json', { runs: [[255, 256, -1]] });
  const w = compileWorkload({ type: 'sweep', writesPerSecond: 100, bufferMiB: 1, layoutFile: f }, 256);
  const streams = new RandomStreams(3);
  const t = new PageTracker(w, 0, streams.get('w'), streams.get('m'));
  t.startTracking(0);
  t.advance(0.5);
  const dirty = Array.from({ length: 256 }, (_, p) => p).filter((p) => t.isDirty(p));
  assert.equal(dirty, Array.from({ length: 50 }, (_, k) => 206 + k));
});

test('layout: refused at fluid fidelity and for a buffer of another size, naming the field', () => {
  const f = file('c.json', { runs: [[0, 256, 1]] });
  const base = { name: 'layout', vm: { memoryMiB: 4 }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'xen' }, workload: { type: 'sweep', writesPerSecond: 100, bufferMiB: 1, layoutFile: f } };
  assert.throws(() => validateScenario({ ...base, fidelity: 'fluid' }, 's.json', (p) => p), (e: Error) => e instanceof InputError && e.message.includes('workload.layoutFile') && e.message.includes('expected fidelity "page"'));
  assert.throws(() => validateScenario({ ...base, fidelity: 'page', workload: { ...base.workload, bufferMiB: 2 } }, 's.json', (p) => p), (e: Error) => e instanceof InputError && e.message.includes('workload.layoutFile') && e.message.includes('expected the buffer\'s 512'));
  const ok = validateScenario({ ...base, fidelity: 'page' }, 's.json', (p) => p);
  assert.is(runScenario(ok, { keepRounds: false }).status, 'completed');
});

test('layout: a memory dump\'s stamped pages become runs; a stale copy is passed over for the frame next to its neighbours', () => {
  // Frames 0..7; buffer pages 0..3 at frames 6, 5, 1, 2 (stamp: index, version 1, big-endian) and a
  // stale copy of page 2 at frame 7.
  const ram = new Uint8Array(8 * 4096);
  const view = new DataView(ram.buffer);
  for (const [page, frame] of [[0, 6], [1, 5], [2, 1], [3, 2], [2, 7]]) { view.setUint32(frame * 4096, page); view.setUint32(frame * 4096 + 4, 1); }
  assert.equal(bufferRuns(ram, 4), [[6, 2, -1], [1, 2, 1]]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
