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
  log(`booting the idle ${memoryMiB} MiB guest to map its memory…`);
  return nonZeroPagesPerMiB(await guestMemoryDump(paths, memoryMiB, IDLE_DIRTIER_MIB, workDir));
}

/**
 * Where the dirtier's buffer lies in guest-physical memory (the sweep's workload.layoutFile): boots a
 * guest whose dirtier holds a `bufferMiB` buffer, dumps its RAM and finds each buffer page by its
 * stamp (the page's index and version 1, big-endian, in its first 8 bytes: real/guest/dirtier.c).
 * Returns the runs [firstFrame, count, step] in the buffer's virtual order.
 */
export async function guestBufferLayout(paths: QemuPaths, memoryMiB: number, bufferMiB: number, workDir: string): Promise<[number, number, number][]> {
  return bufferRuns(await guestMemoryDump(paths, memoryMiB, bufferMiB, workDir), (bufferMiB * MIB_BYTES) / PAGE_SIZE_BYTES);
}

/**
 * The buffer's frames from a memory dump, as runs of consecutive frames (step 1 or −1) in virtual
 * order. A page whose stamp shows at two frames (a stale copy the guest freed without zeroing it,
 * e.g. after the kernel moved the page) is taken at the frame next to its neighbours'.
 */
export function bufferRuns(ram: Uint8Array, bufferPages: number): [number, number, number][] {
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const frameOf = new Int32Array(bufferPages).fill(-1);
  const extra = new Map<number, number[]>();
  for (let f = 0; (f + 1) * PAGE_SIZE_BYTES <= ram.length; f++) {
    const p = view.getUint32(f * PAGE_SIZE_BYTES), version = view.getUint32(f * PAGE_SIZE_BYTES + 4);
    if (version !== 1 || p >= bufferPages) continue;
    if (frameOf[p] === -1) frameOf[p] = f;
    else extra.set(p, [...(extra.get(p) ?? [frameOf[p]]), f]);
  }
  const missing = frameOf.indexOf(-1);
  if (missing >= 0) throw new Error(`buffer page ${missing} not found in the dump`);
  for (const [p, frames] of extra) {
    const near = (f: number): boolean => (p > 0 && Math.abs(frameOf[p - 1] - f) === 1) || (p + 1 < bufferPages && Math.abs(frameOf[p + 1] - f) === 1);
    frameOf[p] = frames.find(near) ?? frames[0];
  }
  const runs: [number, number, number][] = [];
  for (let k = 0; k < bufferPages; k++) {
    const last = runs[runs.length - 1];
    const step = frameOf[k] - frameOf[k - 1];
    if (last && (step === 1 || step === -1) && (last[1] === 1 || last[2] === step)) { if (last[1] === 1) last[2] = step; last[1]++; } else runs.push([frameOf[k], 1, 1]);
  }
  return runs;
}

/** Boots a guest whose dirtier holds a `dirtierMiB` buffer (at rate 0), waits for its first report and dumps its RAM. */
async function guestMemoryDump(paths: QemuPaths, memoryMiB: number, dirtierMiB: number, workDir: string): Promise<Buffer> {
  const m = machineFor('source', { workDir }, `memmap-${process.pid}-${Date.now().toString(36)}`);
  try {
    await m.start(paths.qemu, guestCommandLine(paths, memoryMiB, { mb: dirtierMiB, rate: 0, mode: 'seq', hotmb: 0, hotpct: 0, delta: 1, cpu: 0, entropy: 0 }, false));
    const deadline = Date.now() + 120_000;
    while (dirtierLinesIn(m.console.text).length < 2) {
      if (Date.now() > deadline) throw new Error(`the ${memoryMiB} MiB guest did not report within 120 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const qmp = await m.connectQmp();
    const file = m.path('ram.bin');
    await qmp.execute('pmemsave', { val: 0, size: memoryMiB * MIB_BYTES, filename: file });
    qmp.close();
    const ram = readFileSync(file);
    rmSync(file, { force: true });
    return ram;
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
