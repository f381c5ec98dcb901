import { newTakeResult } from '../memory/tracker.ts';
import type { MigrationContext, Phase } from './types.ts';
import { encoderCap } from '../network/wire/types.ts';

export interface RoundSummary {
  pages: number;
  zeroPages: number;
  skippedPages: number;
  bytes: number;
  durationSeconds: number;
  startSeconds: number;
}

export interface RoundOptions {
  phase: Phase;
  /** Pages to take from the pending set (Infinity = all). */
  maxPages: number;
  /** Legacy Xen: skip pages written again since the last read, peeking before each batch. */
  skipRedirtied: boolean;
  capBytesPerSecond: number;
  /** Pages per batch when skipping (the peek granularity). */
  batchPages: number;
  /** Bytes are floored to whole bytes (SimGrid counts integer bytes). */
  floorBytes?: boolean;
}

/**
 * Fluid rounds that skip re-dirtied pages are cut into this many chunks. Each chunk's pages are
 * judged at the chunk's predicted midpoint in time (the midpoint rule: second-order accurate in the
 * chunk length, where judging every chunk at its start would be first-order); the prediction uses
 * the bytes per scanned page of the previous chunk.
 */
export const FLUID_SKIP_CHUNKS = 8;

/**
 * Sends one round and records it when it ends.
 * - Without skipping, the round is one transfer of the pages taken at its start.
 * - With skipping (legacy Xen), the bitmap is scanned in address order, batch by batch, and a page
 *   written again since the last read is skipped: at page level each 1,024-page batch is judged
 *   when the sender reaches it, in fluid mode each chunk (FLUID_SKIP_CHUNKS per round, also cut at
 *   memory-segment boundaries) at its predicted midpoint. Alone on its link the round is one
 *   stream (sender times computed at the link's rate); on a shared link each batch is a transfer.
 */
export function sendRound(ctx: MigrationContext, opts: RoundOptions, onDone: (r: RoundSummary) => void): void {
  const start = ctx.sim.nowSeconds;
  const take = newTakeResult();
  const total: RoundSummary = { pages: 0, zeroPages: 0, skippedPages: 0, bytes: 0, durationSeconds: 0, startSeconds: start };
  const finish = (): void => {
    total.durationSeconds = ctx.sim.nowSeconds - start;
    ctx.recorder.addRound({
      phase: opts.phase, startAbsoluteSeconds: start, durationSeconds: total.durationSeconds, pagesSent: total.pages,
      zeroPagesSent: total.zeroPages, pagesSkipped: total.skippedPages, pagesDirtied: 0, bytes: total.bytes,
    });
    onDone(total);
  };
  if (!opts.skipRedirtied) {
    ctx.tracker.take(opts.maxPages, false, start, take);
    let bytes = ctx.wire.bytes(take.pages, take.zeroPages);
    if (opts.floorBytes) bytes = Math.floor(bytes);
    total.pages = take.pages; total.zeroPages = take.zeroPages; total.bytes = bytes;
    ctx.send(bytes, encoderCap(ctx.wire, take.pages, take.zeroPages, bytes, opts.capBytesPerSecond, ctx.link.soloRate()), finish);
    return;
  }
  let left = Math.min(opts.maxPages, ctx.tracker.pendingPages);
  const batch = ctx.tracker.fidelity === 'page' ? opts.batchPages : Math.max(opts.batchPages, left / FLUID_SKIP_CHUNKS);
  const fluid = ctx.tracker.fidelity === 'fluid';
  const wirePerPage = ctx.wire.bytesPerPage;
  let bytesPerScanned = wirePerPage; // of the previous chunk; at the round's start nothing is skipped yet
  /** Takes the next batch, reached by the sender at `atSeconds` and sent at `rate` (bytes/s). */
  const takeBatch = (atSeconds: number, rate: number): number => {
    // Fluid: a chunk also ends at a segment boundary, so each part of memory is judged at its own
    // time; segments holding less than an eighth of a chunk are judged together with the next.
    const n = Math.min(batch, left, fluid ? Math.max(batch / 8, ctx.tracker.pendingToBoundary?.() ?? Infinity) : Infinity);
    const judgeAt = fluid ? atSeconds + (0.5 * n * bytesPerScanned) / rate : atSeconds;
    ctx.tracker.take(n, true, judgeAt, take);
    left -= take.pages + take.skippedPages;
    if (take.pages + take.skippedPages <= 0) left = 0;
    const bytes = ctx.wire.bytes(take.pages, take.zeroPages);
    total.pages += take.pages; total.zeroPages += take.zeroPages; total.skippedPages += take.skippedPages; total.bytes += bytes;
    const scanned = take.pages + take.skippedPages;
    if (scanned > 0) bytesPerScanned = bytes / scanned;
    return bytes;
  };
  if (ctx.aloneOnLink) {
    // One stream: batches leave back to back at the link's rate, each batch's pages chosen when the
    // sender reaches it (sender time = round start + bytes so far / rate); the last byte then takes
    // one latency to arrive, as for any transfer.
    // The sender's pace: the link's, or the encoder's where it is slower (judged for non-zero pages).
    const rate = ctx.link.soloRate(encoderCap(ctx.wire, 1, 0, ctx.wire.bytes(1, 0), opts.capBytesPerSecond));
    let bytes = 0;
    while (left > 1e-9) bytes += takeBatch(start + bytes / rate, rate);
    if (bytes > 0) ctx.send(bytes, encoderCap(ctx.wire, total.pages, total.zeroPages, bytes, opts.capBytesPerSecond, ctx.link.soloRate()), finish);
    else finish();
    return;
  }
  // Shared link: the rate varies with the other transfers, so batches go one transfer at a time
  // (each then also waits one latency: an overestimate of a pipelined stream, by latency per batch),
  // and a chunk's midpoint is predicted with the rate the previous batch got.
  let rate = ctx.link.soloRate(encoderCap(ctx.wire, 1, 0, ctx.wire.bytes(1, 0), opts.capBytesPerSecond)) / (ctx.link.activeTransfers + 1);
  const step = (): void => {
    if (!(left > 1e-9)) { finish(); return; }
    const t0 = ctx.sim.nowSeconds;
    const bytes = takeBatch(t0, rate);
    if (bytes > 0) ctx.send(bytes, encoderCap(ctx.wire, take.pages, take.zeroPages, bytes, opts.capBytesPerSecond, ctx.link.soloRate()), (d) => { if (d > 0) rate = bytes / d; step(); });
    else step();
  };
  step();
}
