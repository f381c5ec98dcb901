// Helper of `npm run bench`, run as a worker thread: computes sweep rows [from, to) (simulation and
// CSV, in chunks of 100, as a sweep lane does but with no coordination at all) and posts the
// milliseconds it took. Two of them at once show what two threads of this machine can give.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSweep } from './sweep/spec.ts';
import { SweepRunner } from './sweep/runs.ts';
import { rowsToCsv } from './sweep/output.ts';

const { file, from, to } = workerData as { file: string; from: number; to: number };
const runner = new SweepRunner(loadSweep(file));
const t0 = performance.now();
for (let a = from; a < to; a += 100) {
  const rows: string[][] = [];
  for (let i = a; i < Math.min(to, a + 100); i++) rows.push(runner.row(i));
  rowsToCsv(rows);
}
parentPort!.postMessage(performance.now() - t0);
