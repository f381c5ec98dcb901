import type { RunResult } from '../models/run/result.ts';
import type { Scenario } from '../models/scenario/types.ts';
import type { HostsSpec } from './hosts.ts';

/**
 * A real-hypervisor backend: prepares the guest and hosts, configures the migration from the
 * scenario, migrates, collects the measurement in the same shape as a simulated run
 * (`RunResult` with `source` set to the backend), and always cleans up what it started.
 */
export interface ReplayOptions {
  /** Scratch folder for sockets, logs and per-run files on this machine (removed at the end). */
  workDir: string;
  /** Fault injection for tests: kill the destination this long after the migration starts. */
  killDestinationAfterSeconds?: number;
  /** Where source and destination run (default: both on this machine). */
  hosts?: HostsSpec;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

export interface ReplayBackend {
  readonly name: 'qemu' | 'xen';
  /** Checks or builds what the backend needs (binaries, guest images); throws a clear error if it cannot. */
  prepare(): Promise<void>;
  replay(scenario: Scenario, options: ReplayOptions): Promise<RunResult>;
}
