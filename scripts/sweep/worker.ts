/**
 * Entry of a sweep lane's worker thread. It claims chunks of runs itself from the counter it shares
 * with every other lane (lanes.ts), computes each chunk's rows, formats them as CSV and posts the
 * text to the main thread, which writes chunks in run order. Nobody hands it work, so it never
 * waits for the main thread; it stops when the chunks run out or the stop flag is set.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSweep } from './spec.ts';
import { SweepRunner } from './runs.ts';
import { InputError } from '../../models/input/errors.ts';
import { Chunks, chunkCsv, claimChunk, NEXT_CHUNK, type LaneMessage, type LaneStart } from './lanes.ts';

function runLane(start: LaneStart): void {
  const post = (m: LaneMessage): void => parentPort!.postMessage(m);
  try {
    const claims = new Int32Array(start.claims);
    const chunks = new Chunks(start);
    const count = chunks.count;
    if (Atomics.load(claims, NEXT_CHUNK) >= count) { post({ kind: 'done' }); return; } // the other lanes finished meanwhile
    const loaded = loadSweep(start.sweepFile);
    if (loaded.hash !== start.hash) throw new InputError(`${start.sweepFile}: changed while the sweep was running`);
    const runner = new SweepRunner(loaded);
    for (let chunk = claimChunk(claims, count); chunk >= 0; chunk = claimChunk(claims, count)) {
      const [a, b] = chunks.range(chunk);
      post({ kind: 'chunk', chunk, text: chunkCsv(runner, a, b) });
    }
    post({ kind: 'done' });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ kind: 'error', message: err.message, stack: err.stack, input: err instanceof InputError });
  }
}

runLane(workerData as LaneStart);
