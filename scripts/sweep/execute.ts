import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Tinypool } from 'tinypool';
import { InputError } from '../../models/scenario/errors.ts';
import type { SweepRunner } from './runs.ts';
import type { WorkerTask } from './worker.ts';

/**
 * Runs a sweep's design points, in this thread (workers = 1) or on a pool of worker threads fed
 * chunks of runs. Two phases share the pool: `check` validates every design point before anything
 * is written; `run` hands rows to `onRow` strictly in run order, whatever order workers finish in.
 */
export class SweepExecutor {
  private pool: Tinypool | null = null;

  constructor(private readonly runner: SweepRunner, private readonly workers: number) {
    if (workers > 1) {
      const here = import.meta.url;
      const filename = here.endsWith('.ts') ? new URL('./worker.mjs', here).href : new URL('./worker.js', here).href;
      this.pool = new Tinypool({ filename, minThreads: workers, maxThreads: workers, isolateWorkers: false });
      // Warm every worker (module loading, schema compilation) while this thread checks the design.
      this.warming = Promise.all(Array.from({ length: workers }, () => this.task({ kind: 'warm', from: 0, to: 0 }))).then(() => undefined);
      this.warming.catch(() => {}); // a pool closed early (bad input) rejects these; nobody waits for them then
    }
  }

  private warming: Promise<void> = Promise.resolve();

  private task(t: Omit<WorkerTask, 'sweepFile' | 'hash'>): Promise<unknown> {
    return this.pool!.run({ sweepFile: resolvePath(this.runner.sweep.file), hash: this.runner.sweep.hash, ...t } satisfies WorkerTask);
  }

  private chunks(from: number, to: number): [number, number][] {
    // Small chunks balance runs of very different cost (a non-converging QEMU run costs 10× a Xen one).
    const size = Math.max(1, Math.min(100, Math.ceil((to - from) / (this.workers * 64))));
    const out: [number, number][] = [];
    for (let a = from; a < to; a += size) out.push([a, Math.min(to, a + size)]);
    return out;
  }

  /**
   * Validates every design point (here, while the workers warm up); throws the first problem as an
   * InputError. Very large designs are checked by the pool instead.
   */
  async check(): Promise<void> {
    const points = this.runner.design.points.length;
    if (!this.pool || points < 50000) { this.runner.checkPoints(0, points); return; }
    await this.warming;
    const results = (await Promise.all(this.chunks(0, points).map(([a, b]) => this.task({ kind: 'check', from: a, to: b })))) as (string | null)[];
    const first = results.find((r) => r !== null);
    if (first) throw new InputError(first);
  }

  async run(from: number, to: number, onRow: (run: number, row: string[]) => Promise<void> | void): Promise<void> {
    if (!this.pool || to - from < 2) {
      let yielded = performance.now();
      for (let i = from; i < to; i++) {
        await onRow(i, this.runner.row(i));
        // Let the file stream write what is done (a kill then loses at most ~20 ms of runs).
        if (performance.now() - yielded > 20) { await new Promise((r) => setImmediate(r)); yielded = performance.now(); }
      }
      return;
    }
    const pending = new Map<number, string[][]>();
    let next = from;
    let flushing: Promise<void> = Promise.resolve();
    const flush = async (): Promise<void> => {
      for (;;) {
        const rows = pending.get(next);
        if (!rows) return;
        pending.delete(next);
        for (const r of rows) await onRow(next++, r);
      }
    };
    await this.warming;
    await Promise.all(this.chunks(from, to).map(([a, b]) => this.task({ kind: 'run', from: a, to: b }).then((rows) => {
      pending.set(a, rows as string[][]);
      flushing = flushing.then(flush);
      return flushing;
    })));
    await flushing;
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
    this.pool = null;
  }
}

export const defaultWorkers = (): number => availableParallelism();
