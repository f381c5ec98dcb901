import { loadSweep } from './spec.ts';
import { SweepRunner } from './runs.ts';

/** Worker-thread task: rows of runs [from, to) of a sweep. The runner is cached per sweep file. */
const cache = new Map<string, SweepRunner>();

export default function runChunk(task: { sweepFile: string; hash: string; from: number; to: number }): string[][] {
  const key = `${task.sweepFile}\0${task.hash}`;
  let runner = cache.get(key);
  if (!runner) {
    const loaded = loadSweep(task.sweepFile);
    if (loaded.hash !== task.hash) throw new Error(`${task.sweepFile} changed while the sweep was running`);
    runner = new SweepRunner(loaded);
    cache.set(key, runner);
  }
  const rows: string[][] = [];
  for (let i = task.from; i < task.to; i++) rows.push(runner.row(i));
  return rows;
}
