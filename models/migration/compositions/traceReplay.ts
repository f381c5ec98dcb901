import { sendRound } from '../rounds.ts';
import { pick, type MigrationSettings } from '../settings.ts';
import { capOrInfinity, type Composition, type MigrationContext } from '../types.ts';

/**
 * CR/TR-Motion (Liu, Jin, Liao, Hu, Yu, HPDC 2009): migration by checkpoint/recovery and
 * trace/replay. The source takes a checkpoint of the guest at the start and ships it; the guest
 * runs on, and the source logs its execution (the non-deterministic events a replay needs, not
 * memory pages). Then, round by round, the log recorded since the last cut is shipped and the
 * destination, having loaded the checkpoint, replays it — faster than it was recorded. When
 * stopping now would leave a short enough pause (the last log's transfer plus the replay still to
 * do, within the downtime limit), or after `maxIterations` log rounds, the source stops, ships the
 * last log, and the guest resumes on the destination once the replay has caught up.
 *
 * Rounds: each log round ships what was recorded since the last cut and the next one starts when
 * the destination has replayed everything it holds, so a round's log covers the time the last one
 * took to replay: with the replay `replaySpeedup` times faster, the chunks shrink by that factor.
 *
 * Model (units in the names):
 * - the checkpoint is all of memory at the start, sent like a first pre-copy round (zero pages at
 *   the wire format's cost); it is taken without pausing the guest (copy-on-write);
 * - the log grows at `traceLogBytesPerSecond` while the guest runs (an input of the workload: its
 *   rate of non-deterministic events; the paper leaves it to the workload and we state it);
 * - the destination replays from the checkpoint's arrival, at `replaySpeedup` × the recorded
 *   speed (idle time and I/O waits need not be replayed in real time: an input), each log chunk
 *   once it has arrived and the chunk before it is replayed;
 * - the stop rule is the paper's synchronization in this form: at each round's end the pause that
 *   stopping now would cause is computed exactly from the replay's state, and the source stops
 *   when it is within `downtimeLimitSeconds`;
 * - the logging's cost to the guest is not modelled (guest slowdown 0).
 * Both fidelities: only the checkpoint's zero pages depend on the tracker.
 */
export function traceReplay(m: MigrationSettings): Composition {
  const p = pick(m, 'trace-replay', ['maxBandwidthBytesPerSecond', 'traceLogBytesPerSecond', 'replaySpeedup', 'downtimeLimitSeconds', 'maxIterations']);
  const cap = capOrInfinity(p.maxBandwidthBytesPerSecond);
  // Shared by the live rounds and the final phase of one migration (a composition is built per run).
  let origin = 0; // the checkpoint's instant: recorded time is measured from it
  let cutAt = 0; // end of the log already shipped (absolute time)
  let imageArrived = 0;
  const chunks: { arrive: number; recordedEnd: number }[] = [];

  /** When the replay reaches `recordedEnd` if a last chunk ending there arrives at `arrive` (absolute seconds). */
  const replayDone = (last: { arrive: number; recordedEnd: number } | null): number => {
    let clock = imageArrived, replayed = 0;
    for (const c of last ? [...chunks, last] : chunks) {
      clock = Math.max(clock, c.arrive) + (c.recordedEnd - replayed) / p.replaySpeedup;
      replayed = c.recordedEnd;
    }
    return clock;
  };
  const logSince = (t: number, now: number): number => p.traceLogBytesPerSecond * (now - t);
  /** The pause if the source stopped now: the last log's transfer, then the replay's catching up. */
  const pauseIfStoppedNow = (ctx: MigrationContext): number => {
    const now = ctx.sim.nowSeconds;
    const transfer = logSince(cutAt, now) / ctx.link.soloRate(cap) + ctx.link.latencySeconds;
    return replayDone({ arrive: now + transfer, recordedEnd: now - origin }) - now;
  };

  return {
    startsFrom: 'nothing',
    cutoff: null,
    live: {
      name: 'trace-replay',
      start(ctx: MigrationContext): void {
        origin = cutAt = ctx.sim.nowSeconds;
        ctx.tracker.startTracking(origin);
        let logRounds = 0;
        const nextRound = (): void => {
          if (ctx.mustStop) { ctx.switchover('timeout-forced', { capBytesPerSecond: cap }); return; }
          if (pauseIfStoppedNow(ctx) <= p.downtimeLimitSeconds) { ctx.switchover('converged', { capBytesPerSecond: cap }); return; }
          if (logRounds >= p.maxIterations) { ctx.switchover('iteration-cap', { capBytesPerSecond: cap }); return; }
          logRounds++;
          const start = ctx.sim.nowSeconds, bytes = logSince(cutAt, start);
          cutAt = start;
          ctx.send(bytes, cap, () => {
            ctx.recorder.addRound({ phase: 'precopy', startAbsoluteSeconds: start, durationSeconds: ctx.sim.nowSeconds - start, pagesSent: 0, zeroPagesSent: 0, pagesSkipped: 0, pagesDirtied: 0, bytes });
            chunks.push({ arrive: ctx.sim.nowSeconds + ctx.link.latencySeconds, recordedEnd: start - origin });
            // The next round starts when the destination has replayed what it has (the paper's
            // synchronization: each iteration ships the log recorded while the last one was replayed).
            ctx.sim.at(Math.max(ctx.sim.nowSeconds, replayDone(null)), nextRound);
          });
        };
        // The checkpoint: all of memory as it was at the start.
        sendRound(ctx, { phase: 'precopy', maxPages: Infinity, skipRedirtied: false, capBytesPerSecond: cap, batchPages: Infinity }, () => {
          imageArrived = ctx.sim.nowSeconds + ctx.link.latencySeconds;
          nextRound();
        });
      },
    },
    final: {
      name: 'trace-replay',
      run(ctx, reason): void {
        const rec = ctx.recorder, sim = ctx.sim;
        rec.stopReason = reason;
        rec.suspendSeconds = sim.nowSeconds;
        const stop = sim.nowSeconds, bytes = logSince(cutAt, stop);
        ctx.send(bytes, cap, () => {
          rec.addRound({ phase: 'stopCopy', startAbsoluteSeconds: stop, durationSeconds: sim.nowSeconds - stop, pagesSent: 0, zeroPagesSent: 0, pagesSkipped: 0, pagesDirtied: 0, bytes });
          const done = replayDone({ arrive: sim.nowSeconds + ctx.link.latencySeconds, recordedEnd: stop - origin });
          sim.at(done + m.resumeSeconds, () => { rec.resumeSeconds = sim.nowSeconds; ctx.finish(); });
        });
      },
    },
  };
}
