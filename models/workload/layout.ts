import { readFileSync } from 'node:fs';

/** A buffer layout file that cannot be used: the message says what is wrong (the caller names the field). */
export class LayoutFormatError extends Error {}

/**
 * Where a sweep's buffer lies in guest-physical memory. A program writes its buffer in *virtual*
 * order, but the guest's allocator gives it physical pages in runs, in no particular order (on the
 * QEMU testbed's Debian guest a 64 MiB buffer came as one run of 11,264–13,150 pages plus 46–47
 * smaller ones, one descending, different at every boot: results/calibration/qemu-buffer-layout/).
 * A hypervisor scans guest-*physical* memory in address order, so how the sweep's writes interleave
 * with the pages still pending depends on this layout.
 *
 * The file (workload.layoutFile) is JSON: {"runs": [[firstFrame, count, step], …]} in the buffer's
 * virtual order — `count` pages at frames firstFrame, firstFrame + step, … (step 1 or −1) — as read
 * from the guest (/proc/PID/pagemap, or a memory dump of a guest whose pages carry their index:
 * `node --import tsx scripts/experiments/qemu-buffer-layout.ts --measure`). Only the frames' order
 * matters: the buffer keeps its place in the model's memory (offsetMiB) and its pages are put in the
 * frames' relative order.
 *
 * Returns, for each virtual page k of the buffer, its page offset within the buffer's range.
 */
export function loadBufferLayout(path: string, bufferPages: number): Int32Array {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LayoutFormatError(`${path}: cannot read a JSON layout (${(e as Error).message})`);
  }
  const runs = (data as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) throw new LayoutFormatError(`${path}: expected an object with "runs": [[firstFrame, count, step], …]`);
  const frames: number[] = [];
  runs.forEach((r, i) => {
    const ok = Array.isArray(r) && r.length === 3 && r.every((x) => Number.isInteger(x)) && r[0] >= 0 && r[1] >= 1 && (r[2] === 1 || r[2] === -1) && r[0] + (r[1] - 1) * r[2] >= 0;
    if (!ok) throw new LayoutFormatError(`${path}: runs[${i}]: expected [firstFrame ≥ 0, count ≥ 1, step 1 or -1] staying at frames ≥ 0, got ${JSON.stringify(r)}`);
    if (frames.length + r[1] > bufferPages) throw new LayoutFormatError(`${path}: the runs hold more than the buffer's ${bufferPages} pages`);
    for (let k = 0; k < r[1]; k++) frames.push(r[0] + k * r[2]);
  });
  if (frames.length !== bufferPages) throw new LayoutFormatError(`${path}: the runs hold ${frames.length} pages, expected the buffer's ${bufferPages}`);
  const byFrame = Array.from(frames.keys()).sort((a, b) => frames[a] - frames[b]);
  const order = new Int32Array(bufferPages);
  for (let r = 0; r < bufferPages; r++) {
    if (r > 0 && frames[byFrame[r]] === frames[byFrame[r - 1]]) throw new LayoutFormatError(`${path}: frame ${frames[byFrame[r]]} appears twice`);
    order[byFrame[r]] = r;
  }
  return order;
}
