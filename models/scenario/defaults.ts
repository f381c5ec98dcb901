import type { PolicyName } from '../migration/types.ts';
import type { WireFormatName } from '../network/wireFormat.ts';

/**
 * Defaults of each policy, with their sources:
 * - xen: SPP_MAX_ITERATIONS 5, SPP_TARGET_DIRTY_COUNT 50 (tools/libs/guest/xg_sr_save.c).
 * - xen-legacy: DEF_MAX_ITERS 29, DEF_MAX_FACTOR 3, 50 pages (tools/libxc/xc_domain_save.c, Xen ≤ 4.5).
 * - clark05: the legacy rules plus START 100 Mbit/s, +50 Mbit/s, MAX 500 Mbit/s (xc_linux_save.c, 2004–05).
 * - qemu: downtime-limit 300 ms (DEFAULT_MIGRATE_SET_DOWNTIME), max-bandwidth 128 MiB/s (MAX_THROTTLE),
 *   migration/options.c.
 * - simgrid: max_downtime 0.03 s (dirty_page_tracking.cpp), no rate cap unless mig_speed is set.
 */
export const POLICY_DEFAULTS: Record<PolicyName, Record<string, number | null>> = {
  xen: { maxIterations: 5, dirtyThresholdPages: 50 },
  'xen-legacy': { maxIterations: 29, dirtyThresholdPages: 50, maxFactor: 3 },
  clark05: { maxIterations: 29, dirtyThresholdPages: 50, maxFactor: 3, startBitsPerSecond: 100e6, incrementBitsPerSecond: 50e6, maxBitsPerSecond: 500e6 },
  qemu: { downtimeLimitSeconds: 0.3, maxBandwidthBytesPerSecond: 128 * 1024 * 1024 },
  simgrid: { downtimeLimitSeconds: 0.03, maxBandwidthBytesPerSecond: null },
};

export const STOP_AND_COPY_DEFAULTS: Record<string, number | null> = { maxBandwidthBytesPerSecond: null };

export const DEFAULT_WIRE_FORMAT: Record<PolicyName | 'stop-and-copy' | 'cow-checkpoint' | 'postcopy', WireFormatName> = {
  xen: 'xen', 'xen-legacy': 'xen', clark05: 'xen', qemu: 'qemu', simgrid: 'raw', 'stop-and-copy': 'raw', 'cow-checkpoint': 'raw', postcopy: 'raw',
};

export const POLICY_FIELDS = ['downtimeLimitSeconds', 'maxBandwidthBytesPerSecond', 'maxIterations', 'dirtyThresholdPages', 'maxFactor', 'startBitsPerSecond', 'incrementBitsPerSecond', 'maxBitsPerSecond'] as const;
