import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Which guest image a replay ran: the per-image inputs (vm.footprint, its map, the buffer layouts)
 * hold for one kernel and initramfs only, so a measured run records them. The kernel's version is
 * the string its x86 boot header points to (Linux boot protocol ≥ 2.00, Documentation/arch/x86/boot.rst:
 * "HdrS" at 0x202, the 16-bit kernel_version field at 0x20E, the string at that value + 0x200);
 * the testbed's initramfs is named by a hash of its sources (scripts/testbeds/guest-initramfs.sh).
 */
export interface GuestImage { kernelVersion: string | null; initrd: string }

/** The version string of an x86 bzImage's boot header, or null where the bytes are not one. */
export function bzImageVersion(head: Uint8Array): string | null {
  const text = (from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));
  if (head.length < 0x210 || text(0x202, 0x206) !== 'HdrS') return null;
  const at = 0x200 + (head[0x20e] | (head[0x20f] << 8));
  if (at >= head.length) return null;
  let end = at;
  while (end < head.length && end - at < 256 && head[end] !== 0) end++;
  if (end === at || end >= head.length || head[end] !== 0) return null;
  return text(at, end);
}

/** The image of a local testbed's paths (a remote host's kernel is not read: null). */
export function localGuestImage(kernelPath: string, initrdPath: string, local: boolean): GuestImage {
  let kernelVersion: string | null = null;
  if (local) {
    try {
      const fd = openSync(kernelPath, 'r');
      try {
        const head = new Uint8Array(65536);
        const n = readSync(fd, head, 0, head.length, 0);
        kernelVersion = bzImageVersion(head.subarray(0, n));
      } finally { closeSync(fd); }
    } catch { kernelVersion = null; }
  }
  return { kernelVersion, initrd: basename(initrdPath) };
}
