import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Tinypool } from 'tinypool';
import { InputError } from '../../models/scenario/errors.ts';
import type { SweepRunner } from './runs.ts';
import type { WorkerTask } from './worker.ts';
import { rowsToCsv } from './output.ts';

/**
 * Runs a sweep's design points, in this thread (workers = 1) or on a pool of worker threads fed
 * chunks of runs. Two phases share the pool: `check` validates every design point before anything
 * is written; `run` hands each chunk's CSV text (formatted where it was computed) to `onChunk`
 * strictly in run order, whatever order workers finish in. The main thread only orders and writes.
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
   * Validates every design point in this thread, in slices that leave the event loop free (so
   * workers' results keep arriving meanwhile); throws the first problem as an InputError.
   */
  async check(): Promise<void> {
    const points = this.runner.design.points.length;
    for (let a = 0; a < points; a += 256) {
      this.runner.checkPoints(a, Math.min(points, a + 256));
      if (this.pool) await new Promise((r) => setImmediate(r));
    }
  }

  /** Validates design points on the pool (for callers with no other work to overlap it with). */
  async checkOnPool(): Promise<void> {
    const points = this.runner.design.points.length;
    if (!this.pool || points < 200) { this.runner.checkPoints(0, points); return; }
    const results = (await Promise.all(this.chunks(0, points).map(([a, b]) => this.task({ kind: 'check', from: a, to: b })))) as (string | null)[];
    const first = results.find((r) => r !== null);
    if (first) throw new InputError(first);
  }

  /**
   * Computes runs [from, to). Nothing reaches `onChunk` before `gate` resolves (the design check);
   * if it rejects, the run stops with that error and nothing was handed over.
   */
  async run(from: number, to: number, onChunk: (csvText: string, runs: number) => Promise<void> | void, gate: Promise<void> = Promise.resolve()): Promise<void> {
    if (!this.pool || to - from < 2) {
      await gate;
      // Chunks of ~20 ms, handed over as they finish: a kill loses at most one chunk.
      let rows: string[][] = [];
      let started = performance.now();
      for (let i = from; i < to; i++) {
        rows.push(this.runner.row(i));
        if (performance.now() - started > 20 || i === to - 1) {
          await onChunk(rowsToCsv(rows), rows.length);
          rows = [];
          await new Promise((r) => setImmediate(r));
          started = performance.now();
        }
      }
      return;
    }
    const pending = new Map<number, { text: string; runs: number }>();
    let next = from;
    let flushing: Promise<void> = Promise.resolve();
    let gateOpen = false;
    const flush = async (): Promise<void> => {
      if (!gateOpen) { await gate; gateOpen = true; }
      for (;;) {
        const c = pending.get(next);
        if (!c) return;
        pending.delete(next);
        await onChunk(c.text, c.runs);
        next += c.runs;
      }
    };
    gate.catch(() => undefined); // observed below through `flushing`
    const work = Promise.all(this.chunks(from, to).map(([a, b]) => this.task({ kind: 'run', from: a, to: b }).then((text) => {
      pending.set(a, { text: text as string, runs: b - a });
      flushing = flushing.then(flush);
      return flushing;
    })));
    await Promise.race([work, gate.then(() => work)]);
    await flushing;
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
    this.pool = null;
  }
}

export const defaultWorkers = (): number => availableParallelism();
