// Helper of `npm run bench`: computes sweep rows [from, to) (simulation and CSV, in chunks of 100,
// as a sweep lane does but with no coordination at all) and reports the milliseconds it took. Run
// as a worker thread (workerData; posts the time) or as a process (argv: file from to; prints it):
// two of them at once show what two threads, or two processes, of this machine give this work.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadSweep } from './sweep/spec.ts';
import { SweepRunner } from './sweep/runs.ts';
import { chunkCsv } from './sweep/lanes.ts';

const { file, from, to } = isMainThread
  ? { file: process.argv[2], from: Number(process.argv[3]), to: Number(process.argv[4]) }
  : (workerData as { file: string; from: number; to: number });
const runner = new SweepRunner(loadSweep(file));
const t0 = performance.now();
for (let a = from; a < to; a += 100) chunkCsv(runner, a, Math.min(to, a + 100));
const ms = performance.now() - t0;
if (isMainThread) console.log(ms);
else parentPort!.postMessage(ms);
