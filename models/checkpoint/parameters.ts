/**
 * Parameters of periodic copy-on-write checkpoints to a disaster-recovery (DR) site, and of the
 * failover analysis. Every default states its source or is marked as an assumption.
 */
export interface CheckpointParameters {
  intervalSeconds: number;
  /** When the first (full) checkpoint is taken. Default: 0 s. */
  firstAtSeconds: number;
  /** Fixed part of the pause: stop vCPUs, save device state, arm write protection. Default 2 ms
   *  (assumption: QEMU background-snapshot stops the VM "just long enough to save device state and
   *  enable UFFD-WP", migration.c bg_migration_thread; a few ms on small guests). */
  pauseFixedSeconds: number;
  /** Per dirty page write-protect cost during the pause. Default 0.1 µs (assumption: one PTE update). */
  writeProtectSecondsPerPage: number;
  /** One COW fault (trap + resolve), stolen from the guest. Default 2 µs (">4000 cycles" per COW fault
   *  at ~2 GHz, Speculative Memory Checkpointing, Middleware'15 [secondary]). */
  cowFaultSeconds: number;
  /** Copying one 4 KiB page into the checkpoint buffer. Default 0.25 µs ("~500 cycles", same source). */
  pageCopySeconds: number;
  /** Rate cap of the checkpoint stream (bytes/s); null = share the link freely. */
  maxBandwidthBytesPerSecond: number | null;
  /** A checkpoint still streaming when the next is due: `delay` the next until it ends, or `skip` to the next slot. */
  onOverrun: 'delay' | 'skip';
}

export interface FailureParameters {
  /** When the source fails (must be before the migration starts). */
  atSeconds: number;
  /** The DR site expects a heartbeat every interval ("synchronization checks"). Default 1 s (assumption). */
  heartbeatIntervalSeconds: number;
  /** Consecutive missed heartbeats that declare the source dead. Default 3 (assumption). */
  missedHeartbeats: number;
  /** Loading the DR image into a new guest. Default 1e9 B/s (assumption: image kept in the DR host's memory or fast storage). */
  restoreBytesPerSecond: number;
  /** Resuming the restored guest. Default 0.5 s (assumption). */
  resumeSeconds: number;
  /** Restarting from scratch instead (boot + application start). Default 30 s (assumption). */
  bootSeconds: number;
  /** Length of a long-running job that started at time 0, for the completion-time comparison; null = none. */
  jobLengthSeconds: number | null;
}

export const CHECKPOINT_DEFAULTS: Omit<CheckpointParameters, 'intervalSeconds'> = {
  firstAtSeconds: 0,
  pauseFixedSeconds: 0.002,
  writeProtectSecondsPerPage: 1e-7,
  cowFaultSeconds: 2e-6,
  pageCopySeconds: 2.5e-7,
  maxBandwidthBytesPerSecond: null,
  onOverrun: 'delay',
};

export const FAILURE_DEFAULTS: Omit<FailureParameters, 'atSeconds'> = {
  heartbeatIntervalSeconds: 1,
  missedHeartbeats: 3,
  restoreBytesPerSecond: 1e9,
  resumeSeconds: 0.5,
  bootSeconds: 30,
  jobLengthSeconds: null,
};
