import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Tinypool } from 'tinypool';
import type { SweepRunner } from './runs.ts';
import type { WorkerTask } from './worker.ts';
import { rowsToCsv } from './output.ts';

/**
 * Runs a sweep's design points on up to `workers` computing lanes: this thread plus `workers − 1`
 * worker threads (a tinypool pool), all taking chunks of runs from one queue, so this thread
 * computes while a worker thread starts. Starting a thread costs ≈ 0.3 s (loading modules,
 * compiling schemas) and its first thousand runs are slow (JIT warm-up), so by default the threads
 * start only once this thread's timing projects more than `parallelAfterSeconds` of work left; 0
 * starts them at once. `check` validates every design point before anything is written; `run`
 * hands each chunk's CSV text (formatted where it was computed) to `onChunk` strictly in run order,
 * whatever order the lanes finish in. Which lane computes which run never changes a result.
 */
export const DEFAULT_PARALLEL_AFTER_SECONDS = 2;

/** Chunks queued in each worker thread at once (tinypool's concurrentTasksPerWorker), so a thread never waits for this one. */
const LANE_DEPTH = 4;

export class SweepExecutor {
  private pool: Tinypool | null = null;

  constructor(private readonly runner: SweepRunner, private readonly workers: number, private readonly parallelAfterSeconds = DEFAULT_PARALLEL_AFTER_SECONDS) {
    // Threads at once: warm them (module loading, schema compilation) while this thread checks the design.
    if (parallelAfterSeconds <= 0) this.startPool(true);
  }

  private startPool(warm: boolean): void {
    const threads = this.workers - 1;
    if (this.pool || threads <= 0) return;
    const here = import.meta.url;
    const filename = here.endsWith('.ts') ? new URL('./worker.mjs', here).href : new URL('./worker.js', here).href;
    this.pool = new Tinypool({ filename, minThreads: threads, maxThreads: threads, isolateWorkers: false, concurrentTasksPerWorker: LANE_DEPTH });
    if (warm) {
      const warming = Promise.all(Array.from({ length: threads }, () => this.task({ kind: 'warm', from: 0, to: 0 })));
      warming.catch(() => {}); // a pool closed early (bad input) rejects these; nobody waits for them then
    }
  }

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
    const errors: unknown[] = [];
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
    const lanes: Promise<void>[] = [];
    const lane = (p: Promise<void>): void => { lanes.push(p.catch((e) => { failed = true; errors.push(e); })); };
    // A worker thread's lane: its next chunk is always queued in the thread (LANE_DEPTH of them).
    const thread = async (): Promise<void> => {
      while (taken < chunks.length && !failed) {
        const [a, b] = chunks[taken++];
        deliver(a, (await this.task({ kind: 'run', from: a, to: b })) as string, b - a);
      }
    };
    const startThreads = (): void => {
      this.startPool(false);
      if (this.pool) for (let t = 0; t < LANE_DEPTH * (this.workers - 1); t++) lane(thread());
    };
    if (this.pool) startThreads();
    // This thread's lane: one chunk at a time, yielding in between so the other lanes' results are
    // received and written (a kill loses at most the chunks not yet written). It decides when
    // worker threads are worth starting.
    const here = async (): Promise<void> => {
      let busyMs = 0, done = 0;
      while (taken < chunks.length && !failed) {
        const [a, b] = chunks[taken++];
        const t0 = performance.now();
        const rows: string[][] = [];
        for (let i = a; i < b; i++) rows.push(this.runner.row(i));
        deliver(a, rowsToCsv(rows), b - a);
        busyMs += performance.now() - t0;
        done += b - a;
        if (!this.pool && this.workers > 1 && (done >= 200 || busyMs > 50)) {
          const left = taken < chunks.length ? to - chunks[taken][0] : 0;
          if ((busyMs / done) * left > this.parallelAfterSeconds * 1000) startThreads();
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    gate.catch(() => { failed = true; });
    lane(here());
    for (let i = 0; i < lanes.length; i++) await lanes[i]; // lanes started meanwhile are appended
    await gate; // a bad design point: the check's message (naming the point) comes first
    if (errors.length) throw errors[0];
    await flushing;
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
    this.pool = null;
  }
}

export const defaultWorkers = (): number => availableParallelism();
