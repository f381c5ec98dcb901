/** The guest page size used everywhere in miglab: 4 KiB, x86 base pages (Xen XC_PAGE_SIZE, QEMU TARGET_PAGE_SIZE on x86). */
export const PAGE_SIZE_BYTES = 4096;

export const MIB_BYTES = 1024 * 1024;

export function pagesForMiB(memoryMiB: number): number {
  return Math.round((memoryMiB * MIB_BYTES) / PAGE_SIZE_BYTES);
}
