import { loadSweep } from './spec.ts';
import { SweepRunner } from './runs.ts';
import { rowsToCsv } from './output.ts';

/** A worker-thread task: warm up, or compute the rows of runs [from, to) as CSV text. */
export interface WorkerTask { kind: 'warm' | 'run'; sweepFile: string; hash: string; from: number; to: number }

const cache = new Map<string, SweepRunner>();

function runnerFor(task: WorkerTask): SweepRunner {
  const key = `${task.sweepFile}\0${task.hash}`;
  let runner = cache.get(key);
  if (!runner) {
    const loaded = loadSweep(task.sweepFile);
    if (loaded.hash !== task.hash) throw new Error(`${task.sweepFile} changed while the sweep was running`);
    runner = new SweepRunner(loaded);
    cache.set(key, runner);
  }
  return runner;
}

export default function runTask(task: WorkerTask): string | null {
  const runner = runnerFor(task);
  if (task.kind === 'warm') {
    // Loads the modules, compiles the schemas and warms the JIT; a bad run is reported by the check, not here.
    try { runner.row(0); } catch { /* ignored */ }
    return null;
  }
  const rows: string[][] = [];
  for (let i = task.from; i < task.to; i++) rows.push(runner.row(i));
  return rowsToCsv(rows);
}
