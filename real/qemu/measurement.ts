import type { Measurement } from '../../models/run/measurement.ts';
import type { DirtierParams } from '../dirtier.ts';

/** A QEMU replay's measurement: the common fields plus QEMU's own. */
export interface QemuMeasurement extends Measurement {
  qemuVersion: string;
  /** query-migrate polls made. */
  samples: number;
  /** MIGRATION, MIGRATION_PASS, STOP and RESUME events, seconds after the migrate command. */
  events: { event: string; data: Record<string, unknown> | null; atSeconds: number }[];
  dirtier: DirtierParams;
  /** QEMU's last query-migrate answer, as it was. */
  finalQueryMigrate: Record<string, unknown>;
}
