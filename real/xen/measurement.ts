import type { Measurement } from '../../models/run/measurement.ts';
import type { DirtierParams } from '../dirtier.ts';
import type { ByteSample, StreamPass } from './stream.ts';

/** One synchronization check (the founding paper's module E), before or after the migration. */
export interface SyncCheck { check: string; ok: boolean; detail: string }

/** A Xen replay's measurement: the common fields plus Xen's own. */
export interface XenMeasurement extends Measurement {
  /** major.minor of the hypervisor (`xl info`). */
  xenVersion: string;
  dirtier: DirtierParams;
  /** The domain's name (miglab-<pid>-<time>) and domids before and after. */
  domain: string;
  domids: { source: number; destination: number | null };
  /** local: a pipe to `xl migrate-receive` on the same host; ssh: to the destination's. */
  transport: 'local' | 'ssh';
  /** The meter's cap (pv -L), bytes per second: the scenario's bandwidth. */
  meterBytesPerSecond: number;
  synchronization: { before: SyncCheck[]; after: SyncCheck[] };
  /** Xen's passes as the stream tap saw them (seconds from the stream's first octet). */
  passes: StreamPass[];
  /** pv's byte time series (every 0.1 s). */
  byteSeries: ByteSample[];
  /** From the stream's first octet to the first page record (xl's preamble, the receiver's domain creation). */
  streamSetupSeconds: number | null;
  /** From the stop-and-copy pass's first record to the END record: the stream's share of the downtime. */
  stopCopyStreamSeconds: number | null;
  /** The last lines xl migrate printed (sender and receiver). */
  xlOutput: string[];
  tapErrors: string[];
  /** With a checkpoint section: what `xl remus` did (its epochs are in `checkpoints`). */
  remus?: { epochs: number; heartbeatGapsSeconds: number[]; output: string[] };
}
