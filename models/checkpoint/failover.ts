import type { CheckpointRecord } from './cowCheckpointer.ts';
import type { FailureParameters } from './parameters.ts';

/**
 * Failover analysis: the source fails at t. The DR site notices when `missedHeartbeats` expected
 * heartbeats (every `heartbeatIntervalSeconds`, at multiples of it) have not arrived, restores the
 * last complete checkpoint (memory bytes / restore rate) and resumes it.
 * RPO = t − instant of that checkpoint (work lost); RTO = detection delay + restore + resume.
 * A job of known length running since time 0 with checkpointing makes progress at 1 / (1 + s)
 * (s = the checkpointing slowdown); it finishes at t + RTO + (J − progress at the checkpoint)(1 + s).
 * Restarting from scratch instead finishes at detection + boot + J.
 * A failure before the first checkpoint completes has nothing to restore: the guest is cold-
 * restarted (`recovery: "cold-restart"`), RTO = detection delay + boot, RPO = all work since 0.
 */
export interface FailoverResult {
  failedAtSeconds: number;
  detectedAtSeconds: number;
  checkpointInstantSeconds: number | null;
  /** How service comes back: the last complete checkpoint restored, or (none yet) a cold restart. */
  recovery: 'restore-checkpoint' | 'cold-restart';
  rpoSeconds: number;
  rtoSeconds: number;
  jobCompletionWithCheckpointsSeconds: number | null;
  jobCompletionRestartSeconds: number | null;
}

export function analyseFailover(f: FailureParameters, records: CheckpointRecord[], memoryBytes: number, slowdownFraction: number): FailoverResult {
  const t = f.atSeconds;
  const h = f.heartbeatIntervalSeconds;
  const detectedAt = (Math.floor(t / h) + f.missedHeartbeats) * h;
  const usable = records.filter((r) => r.completeSeconds <= t);
  const last = usable.length ? usable[usable.length - 1] : null;
  const restore = memoryBytes / f.restoreBytesPerSecond;
  const rto = last ? detectedAt - t + restore + f.resumeSeconds : detectedAt - t + f.bootSeconds;
  const rpo = last ? t - last.instantSeconds : t;
  let withCp: number | null = null;
  let restart: number | null = null;
  if (f.jobLengthSeconds !== null) {
    const J = f.jobLengthSeconds;
    const progress = last ? Math.min(J, last.instantSeconds / (1 + slowdownFraction)) : 0;
    withCp = last ? t + rto + (J - progress) * (1 + slowdownFraction) : detectedAt + f.bootSeconds + J;
    restart = detectedAt + f.bootSeconds + J;
  }
  return { failedAtSeconds: t, detectedAtSeconds: detectedAt, checkpointInstantSeconds: last ? last.instantSeconds : null, recovery: last ? 'restore-checkpoint' : 'cold-restart', rpoSeconds: rpo, rtoSeconds: rto, jobCompletionWithCheckpointsSeconds: withCp, jobCompletionRestartSeconds: restart };
}
