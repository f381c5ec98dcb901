/**
 * How sweep lanes share work: chunks of runs [from, to), claimed in order from one counter held in
 * a SharedArrayBuffer (Atomics), by the main thread's lane and every worker thread's lane alike;
 * and the messages a worker lane posts back.
 */
import type { SweepRunner } from './runs.ts';
import { rowsToCsv } from './output.ts';

/** What a lane thread is started with (workerData). */
export interface LaneStart {
  sweepFile: string;
  /** The sweep file's hash when the sweep started: a lane refuses a file changed since. */
  hash: string;
  /** The claim counter: Int32Array [next chunk, stop flag] over a SharedArrayBuffer. */
  claims: SharedArrayBuffer;
  from: number;
  to: number;
  /** Runs per chunk before the last chunks shrink (Chunks). */
  chunkRuns: number;
  /** Lanes sharing the chunks (the chunks shrink towards the end in proportion). */
  lanes: number;
}

/** Messages from a lane thread to the main thread. */
export type LaneMessage =
  | { kind: 'chunk'; chunk: number; text: string }
  | { kind: 'done' }
  | { kind: 'error'; message: string; stack?: string; input: boolean };

/** Index of the next unclaimed chunk and of the stop flag in the claim counter. */
export const NEXT_CHUNK = 0, STOP = 1;

/**
 * The chunks of runs [from, to), numbered in run order: `chunkRuns` runs each, then shrinking over
 * the last runs (guided scheduling: a chunk holds at most a quarter of the runs left per lane, and
 * at least one run), so the lanes finish together even when a single run takes a second. Every
 * lane computes the same chunks from the same LaneStart.
 */
export class Chunks {
  private readonly bounds: number[];

  constructor(start: Pick<LaneStart, 'from' | 'to' | 'chunkRuns' | 'lanes'>) {
    this.bounds = [start.from];
    for (let a = start.from; a < start.to;) {
      a += Math.max(1, Math.min(start.chunkRuns, Math.ceil((start.to - a) / (4 * start.lanes))));
      this.bounds.push(a);
    }
  }

  get count(): number {
    return this.bounds.length - 1;
  }

  /** Chunk k's runs [a, b); k = count gives the empty range at the end. */
  range(k: number): [number, number] {
    return k < this.count ? [this.bounds[k], this.bounds[k + 1]] : [this.bounds[this.count], this.bounds[this.count]];
  }
}

/** Claims the next chunk, or returns −1 when none is left or the sweep is stopping. */
export function claimChunk(claims: Int32Array, count: number): number {
  if (Atomics.load(claims, STOP) !== 0) return -1;
  const chunk = Atomics.add(claims, NEXT_CHUNK, 1);
  return chunk < count ? chunk : -1;
}

export function chunkCsv(runner: SweepRunner, a: number, b: number): string {
  const rows: string[][] = [];
  for (let i = a; i < b; i++) rows.push(runner.row(i));
  return rowsToCsv(rows);
}
