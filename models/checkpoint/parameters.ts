/**
 * Parameters of periodic copy-on-write checkpoints to a disaster-recovery (DR) site, and of the
 * failover analysis, as resolved from a scenario. Units are in the names; every default, and the
 * source or assumption behind it, is declared once, in scenarios/scenario.schema.json
 * (`checkpoint`, `failure`).
 */
export interface CheckpointParameters {
  /** Time between checkpoint instants. */
  intervalSeconds: number;
  /** When the first (full) checkpoint is taken. */
  firstAtSeconds: number;
  /** Fixed part of the pause: stop vCPUs, save device state, arm write protection. */
  pauseFixedSeconds: number;
  /** Per dirty page write-protect cost during the pause. */
  writeProtectSecondsPerPage: number;
  /** One COW fault (trap + resolve), stolen from the guest. */
  cowFaultSeconds: number;
  /** Copying one 4 KiB page into the checkpoint buffer. */
  pageCopySeconds: number;
  /** Rate cap of the checkpoint stream (bytes/s); null = share the link freely. */
  maxBandwidthBytesPerSecond: number | null;
  /** A checkpoint still streaming when the next is due: `delay` the next until it ends, or `skip` to the next slot. */
  onOverrun: 'delay' | 'skip';
}

export interface FailureParameters {
  /** When the source fails (must be before the migration starts). */
  atSeconds: number;
  /** The DR site expects a heartbeat every interval ("synchronization checks"). */
  heartbeatIntervalSeconds: number;
  /** Consecutive missed heartbeats that declare the source dead. */
  missedHeartbeats: number;
  /** Loading the DR image into a new guest. */
  restoreBytesPerSecond: number;
  /** Resuming the restored guest. */
  resumeSeconds: number;
  /** Restarting from scratch instead (boot + application start). */
  bootSeconds: number;
  /** Length of a long-running job that started at time 0, for the completion-time comparison; null = none. */
  jobLengthSeconds: number | null;
}
