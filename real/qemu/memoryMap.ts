import { readFileSync, rmSync } from 'node:fs';
import { MIB_BYTES, PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
import { IDLE_DIRTIER_MIB, dirtierLinesIn } from '../dirtier.ts';
import { machineFor } from './machine.ts';
import { guestCommandLine, type QemuPaths } from './replay.ts';

/**
 * Where the idle testbed guest's non-zero memory lies: boots it on this machine, waits for the
 * dirtier's first report, dumps guest RAM with QMP `pmemsave` and counts the non-zero 4 KiB pages
 * of each MiB. What `miglab testbed qemu --measure-footprint` reads `vm.footprint.topMiB` from.
 */
export async function idleGuestMemoryMap(paths: QemuPaths, memoryMiB: number, workDir: string, log: (line: string) => void = () => undefined): Promise<Uint32Array> {
  const m = machineFor('source', { workDir }, `memmap-${process.pid}-${Date.now().toString(36)}`);
  try {
    log(`booting the idle ${memoryMiB} MiB guest to map its memory…`);
    await m.start(paths.qemu, guestCommandLine(paths, memoryMiB, { mb: IDLE_DIRTIER_MIB, rate: 0, mode: 'seq', hotmb: 0, hotpct: 0, delta: 1, cpu: 0, entropy: 0 }, false));
    const deadline = Date.now() + 120_000;
    while (dirtierLinesIn(m.console.text).length < 2) {
      if (Date.now() > deadline) throw new Error(`the ${memoryMiB} MiB guest did not report within 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const qmp = await m.connectQmp();
    const file = m.path('ram.bin');
    await qmp.execute('pmemsave', { val: 0, size: memoryMiB * MIB_BYTES, filename: file });
    qmp.close();
    const map = nonZeroPagesPerMiB(readFileSync(file));
    rmSync(file, { force: true });
    return map;
  } finally {
    await m.stop();
  }
}

/** Non-zero 4 KiB pages in each MiB of a memory image. */
export function nonZeroPagesPerMiB(ram: Uint8Array): Uint32Array {
  const perMiB = MIB_BYTES / PAGE_SIZE_BYTES;
  const out = new Uint32Array(Math.ceil(ram.length / MIB_BYTES));
  const words = new BigUint64Array(ram.buffer, ram.byteOffset, Math.floor(ram.length / 8));
  const wordsPerPage = PAGE_SIZE_BYTES / 8;
  for (let page = 0; page * wordsPerPage < words.length; page++) {
    const from = page * wordsPerPage;
    for (let i = from; i < from + wordsPerPage; i++) if (words[i] !== 0n) { out[Math.floor(page / perMiB)]++; break; }
  }
  return out;
}

/**
 * The block of non-zero memory at the top of guest memory, in MiB of non-zero pages: MiB by MiB
 * down from the top while at least half of each MiB is non-zero (the kernel's early, top-down
 * memblock allocations: the page array — 64 bytes per 4 KiB page — page tables, per-CPU areas).
 */
export function topBlockMiB(nonZeroPerMiB: Uint32Array): number {
  const perMiB = MIB_BYTES / PAGE_SIZE_BYTES;
  let pages = 0;
  for (let i = nonZeroPerMiB.length - 1; i >= 0 && nonZeroPerMiB[i] >= perMiB / 2; i--) pages += nonZeroPerMiB[i];
  return (pages * PAGE_SIZE_BYTES) / MIB_BYTES;
}
