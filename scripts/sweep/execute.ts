import { availableParallelism } from 'node:os';
import { Tinypool } from 'tinypool';
import { resolve as resolvePath } from 'node:path';
import type { SweepRunner } from './runs.ts';

/**
 * Runs [from, to) and hands rows to `onRow` strictly in run order, whatever order workers finish
 * in. workers = 1 runs in this thread; more use a pool of worker threads fed chunks of runs.
 */
export async function executeRuns(runner: SweepRunner, from: number, to: number, workers: number, onRow: (run: number, row: string[]) => Promise<void> | void): Promise<void> {
  if (workers <= 1 || to - from < 2) {
    for (let i = from; i < to; i++) await onRow(i, runner.row(i));
    return;
  }
  const here = import.meta.url;
  const filename = here.endsWith('.ts') ? new URL('./worker.mjs', here).href : new URL('./worker.js', here).href;
  const pool = new Tinypool({ filename, minThreads: workers, maxThreads: workers, isolateWorkers: false });
  const n = to - from;
  const chunk = Math.max(1, Math.min(500, Math.ceil(n / (workers * 16))));
  const pending = new Map<number, string[][]>();
  let next = from;
  const tasks: Promise<void>[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    for (;;) {
      const rows = pending.get(next);
      if (!rows) return;
      pending.delete(next);
      for (const r of rows) await onRow(next++, r);
    }
  };
  try {
    for (let a = from; a < to; a += chunk) {
      const b = Math.min(to, a + chunk);
      tasks.push(pool.run({ sweepFile: resolvePath(runner.sweep.file), hash: runner.sweep.hash, from: a, to: b }).then((rows: string[][]) => {
        pending.set(a, rows);
        flushing = flushing.then(flush);
        return flushing;
      }));
    }
    await Promise.all(tasks);
    await flushing;
  } finally {
    await pool.destroy();
  }
}

export const defaultWorkers = (): number => availableParallelism();
