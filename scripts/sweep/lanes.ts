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
  chunkRuns: number;
}

/** Messages from a lane thread to the main thread. */
export type LaneMessage =
  | { kind: 'chunk'; chunk: number; text: string }
  | { kind: 'done' }
  | { kind: 'error'; message: string; stack?: string; input: boolean };

/** Index of the next unclaimed chunk and of the stop flag in the claim counter. */
export const NEXT_CHUNK = 0, STOP = 1;

export function chunkRange(start: Pick<LaneStart, 'from' | 'to' | 'chunkRuns'>, chunk: number): [number, number] {
  const a = start.from + chunk * start.chunkRuns;
  return [a, Math.min(start.to, a + start.chunkRuns)];
}

export function chunkCount(start: Pick<LaneStart, 'from' | 'to' | 'chunkRuns'>): number {
  return Math.ceil((start.to - start.from) / start.chunkRuns);
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
