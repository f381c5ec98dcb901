/**
 * What a replay on a real hypervisor measured beside the result fields (RunResult.measurement):
 * the part every backend fills in. Backends extend it with their own (QEMU: real/qemu/measurement.ts).
 */
export interface IntegrityCheck {
  /** False when no check could be made. */
  checked: boolean;
  /** After a completed migration: the destination runs with its dirtier reporting no lost write; otherwise the source still runs intact. */
  ok?: boolean;
  /** Largest count of lost writes the guest's dirtier reported. */
  maxBad?: number;
  destinationStatus?: string;
  destinationLines?: number;
  sourceStatus?: string;
  sourceLines?: number;
}

/** The inputs the real run achieved (validate re-predicts from them). */
export interface AchievedInputs {
  /** The dirtier's real write rate, page writes per second (median of its reports). */
  writesPerSecond: number;
  /** Zero pages found by the hypervisor, as a fraction of the guest's pages. */
  zeroPageFraction: number;
  /** Rate of the bulk (first) pass, bytes/s, or null when not measured. */
  bulkBytesPerSecond: number | null;
  /** Rate of the stop-and-copy, bytes/s, or null. */
  stopCopyBytesPerSecond: number | null;
  /** Rate of the post-copy phase (its bytes over its time, uncapped like the stop-and-copy), bytes/s; absent or null without one. */
  postcopyBytesPerSecond?: number | null;
  /** Where the sweep's pointer was at time 0 (workload.startPage), from the dirtier's reports; absent for other workloads and runs from before it was recorded. */
  sweepStartPage?: number;
  guestTotalPages: number;
}

/** One checkpoint taken on the real system. */
export interface MeasuredCheckpoint {
  index: number;
  /** Seconds after the warm-up (the scenario's time 0). */
  instantSeconds: number;
  status: string;
  /** The guest's pause. */
  pauseSeconds: number;
  /** From the pause to the last byte written. */
  durationSeconds: number;
  bytes: number;
  pages: number;
  zeroPages: number;
  /** How long the checkpoint's start was delayed by the previous one. */
  delayedSeconds: number;
}

export interface Measurement {
  hosts: { source: string; destination: string; migrationUri: string };
  /** The guest's pause as it lives it (its heartbeat: last from the source to first from the destination), or null. */
  guestPauseSeconds: number | null;
  checkpoints?: MeasuredCheckpoint[];
  checkpointMigrationWaitSeconds?: number;
  failureReason: string | null;
  integrity: IntegrityCheck;
  sourceRunningAfter: boolean | null;
  postcopyStarted: boolean;
  /** Pages the destination requested in post-copy (network-bound faults), or null. */
  postcopyRequests: number | null;
  wallSeconds: number;
  achieved: AchievedInputs;
}
