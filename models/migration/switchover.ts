/**
 * The switchover's cost on real hosts, from two measured migrations (`miglab testbed qemu
 * --measure-switchover`).
 *
 * Model: downtime = fixedSeconds + finalPassBytes / rate. QEMU lifts its rate limit for the final
 * pass (migration/ram.c ram_save_complete() sends every dirty page without the
 * migration_rate_exceeded() check ram_save_iterate() makes), so the final pass runs at what the
 * hosts' migration stream sustains — the link, or on a fast link the source's migration thread —
 * not at max-bandwidth; `rate` is that, in the units miglab counts on the wire. `fixedSeconds` is
 * the rest of QEMU's downtime (vm_stop, the last dirty-bitmap sync, the device state, the
 * completion handshake): miglab's migration.resumeSeconds.
 *
 * Two points: a migration with almost nothing left for the final pass (the idle guest) and one
 * with most of memory in it (a guest whose memory is written, stopped at once by a downtime limit
 * far above what the first window's bandwidth times it allows). QEMU reports downtime in whole
 * milliseconds: the bigger the second pass, the smaller that error in the rate.
 */
export interface SwitchoverPoint { downtimeSeconds: number; bytes: number }

export function solveSwitchover(small: SwitchoverPoint, large: SwitchoverPoint): { fixedSeconds: number; bytesPerSecond: number; bitsPerSecond: number } {
  const dBytes = large.bytes - small.bytes, dSeconds = large.downtimeSeconds - small.downtimeSeconds;
  if (!(dBytes > 0) || !(dSeconds > 0)) throw new Error(`the switchover needs a longer downtime for the larger final pass: ${small.bytes} bytes in ${small.downtimeSeconds} s, ${large.bytes} bytes in ${large.downtimeSeconds} s`);
  const bytesPerSecond = dBytes / dSeconds;
  return { fixedSeconds: Math.max(0, small.downtimeSeconds - small.bytes / bytesPerSecond), bytesPerSecond, bitsPerSecond: bytesPerSecond * 8 };
}
