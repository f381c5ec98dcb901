import type { Measurement } from '../../models/run/measurement.ts';
import type { DirtierParams } from '../dirtier.ts';
import type { GuestImage } from './guestImage.ts';

/** A QEMU replay's measurement: the common fields plus QEMU's own. */
export interface QemuMeasurement extends Measurement {
  qemuVersion: string;
  /** The guest's kernel and initramfs (absent in runs recorded before 2026-12-02). */
  guestImage?: GuestImage;
  /**
   * Seconds this host took to back a fresh 4 KiB page just before the migrate command (real/hostMemoryProbe.ts,
   * 64 MiB): what the zero pages' and the destination's first-touch costs rest on. null for remote hosts;
   * absent in runs recorded before 2026-12-02's fifth machine.
   */
  hostFirstTouchSecondsPerPage?: number | null;
  /** query-migrate polls made. */
  samples: number;
  /** MIGRATION, MIGRATION_PASS, STOP and RESUME events, seconds after the migrate command. */
  events: { event: string; data: Record<string, unknown> | null; atSeconds: number }[];
  dirtier: DirtierParams;
  /** The dirtier's page writes in each second of the migration (its once-a-second report). */
  dirtierWritesPerSecond: number[];
  /** With auto-converge: [seconds after the migrate command, cpu-throttle-percentage] at each change. */
  throttleTimeline?: [number, number][];
  /** QEMU's last query-migrate answer, as it was. */
  finalQueryMigrate: Record<string, unknown>;
}
