import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../models/input/errors.ts';
import type { SweepRunner } from './runs.ts';
import { Chunks, chunkCsv, claimChunk, STOP, type LaneMessage, type LaneStart } from './lanes.ts';

/**
 * Runs a sweep's runs on up to `workers` computing lanes: this thread plus `workers − 1` worker
 * threads, every lane claiming the next chunk of runs from one shared counter (lanes.ts), so no lane
 * ever waits to be handed work. Starting a thread costs ≈ 0.2 s (loading modules, compiling schemas)
 * and its first thousand runs are slow (JIT warm-up), so by default the threads start only once this
 * thread's timing projects more than `parallelAfterSeconds` of work left; 0 starts them at once.
 * Every design point is validated (the check) before anything is handed to `onChunk`; chunks reach
 * it as CSV text (formatted where computed) strictly in run order, whatever order the lanes finish
 * in. Which lane computes which run never changes a result.
 */
export const DEFAULT_PARALLEL_AFTER_SECONDS = 2;

export class SweepExecutor {
  private readonly threads = new Set<Worker>();

  constructor(private readonly runner: SweepRunner, private readonly workers: number, private readonly parallelAfterSeconds = DEFAULT_PARALLEL_AFTER_SECONDS) {}

  /** Runs per chunk: small enough to balance runs of very different cost (a non-converging QEMU run costs 10× a Xen one). */
  private chunkRuns(runs: number): number {
    return Math.max(1, Math.min(100, Math.ceil(runs / (this.workers * 64))));
  }

  /**
   * Validates every design point in this thread, in slices that leave the event loop free while
   * worker threads run (so their results keep arriving); throws the first problem as an InputError.
   */
  async check(): Promise<void> {
    const points = this.runner.design.points.length;
    for (let a = 0; a < points; a += 256) {
      this.runner.checkPoints(a, Math.min(points, a + 256));
      if (this.threads.size) await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Checks the design, then computes runs [from, to) and hands each chunk's CSV text to `onChunk`
   * in run order. A bad design point stops everything with the check's message before anything
   * was handed over; a failing lane stops the others.
   */
  async run(from: number, to: number, onChunk: (csvText: string, runs: number) => Promise<void> | void): Promise<void> {
    const start: LaneStart = { sweepFile: resolvePath(this.runner.sweep.file), hash: this.runner.sweep.hash, claims: new SharedArrayBuffer(8), from, to, chunkRuns: this.chunkRuns(to - from), lanes: this.workers };
    const claims = new Int32Array(start.claims);
    const chunks = new Chunks(start);
    const count = chunks.count;
    const errors: unknown[] = [];
    const stop = (e?: unknown): void => {
      if (e !== undefined) errors.push(e);
      Atomics.store(claims, STOP, 1);
      for (const t of this.threads) void t.terminate();
    };

    // Chunks in run order: each waits in `pending` until those before it are handed over.
    const pending = new Map<number, string>();
    let next = 0;
    let flushing: Promise<void> = Promise.resolve();
    let gateOpen = false;
    const flush = async (): Promise<void> => {
      for (let text = pending.get(next); gateOpen && text !== undefined && !errors.length; text = pending.get(next)) {
        pending.delete(next);
        const [a, b] = chunks.range(next);
        next++;
        await onChunk(text, b - a);
      }
    };
    const kick = (): void => {
      flushing = flushing.then(flush);
      flushing.catch(stop);
    };
    const deliver = (chunk: number, text: string): void => {
      pending.set(chunk, text);
      kick();
    };

    const lanes: Promise<void>[] = [];
    const startThreads = (): void => {
      const filename = import.meta.url.endsWith('.ts') ? new URL('./worker.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);
      for (let t = 1; t < this.workers; t++) {
        const thread = new Worker(filename, { workerData: start });
        this.threads.add(thread);
        lanes.push(new Promise<void>((resolve) => {
          let done = false;
          thread.on('message', (m: LaneMessage) => {
            if (m.kind === 'chunk') deliver(m.chunk, m.text);
            else if (m.kind === 'done') done = true;
            else stop(m.input ? new InputError(m.message) : Object.assign(new Error(`sweep lane thread: ${m.message}`), { stack: m.stack }));
          });
          thread.on('error', (e) => stop(e));
          thread.on('exit', (code) => {
            this.threads.delete(thread);
            if (!done && !errors.length) stop(new Error(`a sweep lane thread stopped (exit code ${code}) before finishing its chunks`));
            resolve();
          });
        }));
      }
    };
    if (this.parallelAfterSeconds <= 0 && this.workers > 1 && count > 1) startThreads();

    const gate = this.check().then(() => { gateOpen = true; kick(); }, (e) => { stop(); throw e; });
    gate.catch(() => {}); // awaited below, after the lanes have stopped

    // This thread's lane: one chunk at a time, yielding in between so that the other lanes' results
    // are received and written (a kill loses at most the chunks not yet written). It decides when
    // worker threads are worth starting.
    let busyMs = 0, done = 0;
    for (let chunk = claimChunk(claims, count); chunk >= 0; chunk = claimChunk(claims, count)) {
      const t0 = performance.now();
      const [a, b] = chunks.range(chunk);
      try {
        deliver(chunk, chunkCsv(this.runner, a, b));
      } catch (e) {
        stop(e);
        break;
      }
      busyMs += performance.now() - t0;
      done += b - a;
      if (lanes.length === 0 && this.workers > 1 && (done >= 200 || busyMs > 50) && chunk + 1 < count) {
        const left = to - chunks.range(chunk + 1)[0];
        if ((busyMs / done) * left > this.parallelAfterSeconds * 1000) startThreads();
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(lanes);
    await gate; // a bad design point: the check's message (naming the point) comes first
    await flushing;
    if (errors.length) throw errors[0];
  }

  /** Stops any lane thread still running (after a failure they are already told to stop). */
  async close(): Promise<void> {
    await Promise.all([...this.threads].map((t) => t.terminate()));
    this.threads.clear();
  }
}

export const defaultWorkers = (): number => availableParallelism();
