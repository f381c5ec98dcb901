import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Tinypool } from 'tinypool';
import type { SweepRunner } from './runs.ts';
import type { WorkerTask } from './worker.ts';
import { rowsToCsv } from './output.ts';

/**
 * Runs a sweep's design points on `workers` computing lanes: this thread plus `workers − 1` worker
 * threads (a tinypool pool), all taking chunks of runs from one queue, so a worker thread's start-up
 * (loading modules, compiling schemas, warming the JIT) costs no idle time: this thread computes
 * meanwhile. `check` validates every design point before anything is written; `run` hands each
 * chunk's CSV text (formatted where it was computed) to `onChunk` strictly in run order, whatever
 * order the lanes finish in.
 */
export class SweepExecutor {
  private pool: Tinypool | null = null;

  constructor(private readonly runner: SweepRunner, private readonly workers: number) {
    const threads = workers - 1;
    if (threads > 0) {
      const here = import.meta.url;
      const filename = here.endsWith('.ts') ? new URL('./worker.mjs', here).href : new URL('./worker.js', here).href;
      this.pool = new Tinypool({ filename, minThreads: threads, maxThreads: threads, isolateWorkers: false });
      // Warm every worker thread (module loading, schema compilation) while this thread checks the design.
      this.warming = Promise.all(Array.from({ length: threads }, () => this.task({ kind: 'warm', from: 0, to: 0 }))).then(() => undefined);
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

  /**
   * Computes runs [from, to). Nothing reaches `onChunk` before `gate` resolves (the design check);
   * if it rejects, the run stops with that error and nothing was handed over.
   */
  async run(from: number, to: number, onChunk: (csvText: string, runs: number) => Promise<void> | void, gate: Promise<void> = Promise.resolve()): Promise<void> {
    const chunks = this.chunks(from, to);
    let taken = 0;
    let failed = false;
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
    const deliver = (a: number, text: string, runs: number): void => {
      pending.set(a, { text, runs });
      flushing = flushing.then(flush);
      flushing.catch(() => { failed = true; });
    };
    // This thread's lane: one chunk at a time, yielding in between so the other lanes' results are
    // received and written (and a kill loses at most the chunks not yet written).
    const here = async (): Promise<void> => {
      while (taken < chunks.length && !failed) {
        const [a, b] = chunks[taken++];
        const rows: string[][] = [];
        for (let i = a; i < b; i++) rows.push(this.runner.row(i));
        deliver(a, rowsToCsv(rows), b - a);
        await new Promise((r) => setImmediate(r));
      }
    };
    // A worker thread's lane keeps two chunks in flight, so it never waits for this thread.
    const thread = async (): Promise<void> => {
      while (taken < chunks.length && !failed) {
        const [a, b] = chunks[taken++];
        deliver(a, (await this.task({ kind: 'run', from: a, to: b })) as string, b - a);
      }
    };
    gate.catch(() => { failed = true; });
    const lanes = [here()];
    for (let t = 0; t < 2 * (this.workers - 1); t++) lanes.push(thread());
    const work = Promise.all(lanes);
    try {
      await Promise.race([work, gate.then(() => work)]);
    } catch (e) {
      await gate; // a bad design point: the check's message (naming the point) comes first
      throw e;
    }
    await gate;
    await flushing;
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
    this.pool = null;
  }
}

export const defaultWorkers = (): number => availableParallelism();
