/**
 * Which guest pages a running testbed guest changes, beyond its dirtier's buffer (issue 12: the
 * extra dirt each bitmap sync finds, `qemu-calibration.ts`). Boots the QEMU testbed guest with the
 * dirtier's parameters, lets it run, then takes `--snapshots` RAM dumps (QMP stop, pmemsave, cont)
 * with `--run-ms` of guest run time between them and compares each pair page by page.
 *
 * A changed page is counted as
 *   - buffer:  it holds a dirtier stamp (page index below the buffer's size, version ≥ 1) and the
 *              dirtier's fill byte at its end (real/guest/dirtier.c),
 *   - counter: every 32-bit word below 2^16 or every byte 0 or 1 — the dirtier's bookkeeping arrays
 *              (a 4-byte expected version and a 1-byte touched flag per buffer page),
 *   - other:   the rest (the kernel's and the dirtier's own data, stacks), listed by MiB.
 * A dump shows content, not QEMU's dirty bitmap: a page written with the bytes it held (the touched
 * array reset to zeros it already had) or only marked dirty by QEMU (TCG's page-table walker,
 * README) does not show here.
 *
 *   node --import tsx scripts/experiments/qemu-page-diff.ts --memory-mib 256 --buffer-mib 128 --rate 6000 --mode rand
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QemuBackend, guestCommandLine } from '../../real/qemu/replay.ts';
import { machineFor } from '../../real/qemu/machine.ts';
import { dirtierLinesIn } from '../../real/dirtier.ts';
import { MIB_BYTES, PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
import { parseWholeNumber } from '../lib/cliArgs.ts';

const { values } = parseArgs({ options: { 'memory-mib': { type: 'string', default: '256' }, 'buffer-mib': { type: 'string', default: '128' }, rate: { type: 'string', default: '6000' }, mode: { type: 'string', default: 'rand' }, snapshots: { type: 'string', default: '6' }, 'run-ms': { type: 'string', default: '100' } } });
const memoryMiB = parseWholeNumber('--memory-mib', values['memory-mib'], 128, 4096);
const bufferMiB = parseWholeNumber('--buffer-mib', values['buffer-mib'], 1, memoryMiB);
const rate = parseWholeNumber('--rate', values.rate, 0, 1_000_000);
const snapshots = parseWholeNumber('--snapshots', values.snapshots, 2, 50);
const runMs = parseWholeNumber('--run-ms', values['run-ms'], 1, 10_000);
const mode = values.mode;
if (mode !== 'seq' && mode !== 'rand') { console.error(`--mode: expected seq or rand, got ${JSON.stringify(mode)}`); process.exit(2); }

/** The dirtier's fill byte after its stamp (delta 1: the rest of each buffer page keeps it). */
const FILL = 0x5a;
const bufferPages = (bufferMiB * MIB_BYTES) / PAGE_SIZE_BYTES;

function kindOf(ram: Buffer, frame: number): 'buffer' | 'counter' | 'other' {
  const at = frame * PAGE_SIZE_BYTES;
  if (ram[at + PAGE_SIZE_BYTES - 1] === FILL && ram.readUInt32BE(at) < bufferPages && ram.readUInt32BE(at + 4) >= 1) return 'buffer';
  let words = true, flags = true;
  for (let i = 0; i < PAGE_SIZE_BYTES && (words || flags); i += 4) {
    if (ram.readUInt32LE(at + i) >= 65536) words = false;
    for (let j = 0; j < 4; j++) if (ram[at + i + j] > 1) flags = false;
  }
  return words || flags ? 'counter' : 'other';
}

const b = new QemuBackend();
await b.prepare();
const workDir = join(tmpdir(), `miglab-page-diff-${process.pid}`);
mkdirSync(workDir, { recursive: true });
const m = machineFor('source', { workDir }, `page-diff-${process.pid}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
try {
  await m.start(b.paths!.qemu, guestCommandLine(b.paths!, memoryMiB, { mb: bufferMiB, rate, mode, hotmb: 0, hotpct: 0, delta: 1, cpu: 0, entropy: 0 }, false));
  const deadline = Date.now() + 180_000;
  // Three reports: the buffer is written and the dirtier at its pace.
  while (dirtierLinesIn(m.console.text).length < 3) {
    if (Date.now() > deadline) throw new Error(`the ${memoryMiB} MiB guest did not report within 180 s`);
    await sleep(200);
  }
  const qmp = await m.connectQmp();
  const dumps: Buffer[] = [];
  for (let k = 0; k < snapshots; k++) {
    await qmp.execute('stop');
    const file = m.path(`ram-${k}.bin`);
    await qmp.execute('pmemsave', { val: 0, size: memoryMiB * MIB_BYTES, filename: file });
    dumps.push(readFileSync(file));
    rmSync(file, { force: true });
    await qmp.execute('cont');
    await sleep(runMs);
  }
  qmp.close();
  console.log(`${memoryMiB} MiB guest, ${mode} writer over ${bufferMiB} MiB at ${rate} writes/s; pages changed per ${runMs} ms of run time (with QMP's stop/cont latency):`);
  const totals = { buffer: 0, counter: 0, other: 0 };
  for (let k = 1; k < dumps.length; k++) {
    const count = { buffer: 0, counter: 0, other: 0 };
    const otherByMiB = new Map<number, number>();
    for (let f = 0; f < dumps[k].length / PAGE_SIZE_BYTES; f++) {
      const at = f * PAGE_SIZE_BYTES;
      if (dumps[k - 1].compare(dumps[k], at, at + PAGE_SIZE_BYTES, at, at + PAGE_SIZE_BYTES) === 0) continue;
      const kind = kindOf(dumps[k], f);
      count[kind]++;
      if (kind === 'other') otherByMiB.set(Math.floor(at / MIB_BYTES), (otherByMiB.get(Math.floor(at / MIB_BYTES)) ?? 0) + 1);
    }
    for (const key of ['buffer', 'counter', 'other'] as const) totals[key] += count[key];
    console.log(`  interval ${k}: buffer ${count.buffer}, counter ${count.counter}, other ${count.other} (by MiB: ${[...otherByMiB].map(([mib, n]) => `${mib}:${n}`).join(' ')})`);
  }
  const n = dumps.length - 1;
  console.log(`  mean: buffer ${(totals.buffer / n).toFixed(0)}, counter ${(totals.counter / n).toFixed(0)}, other ${(totals.other / n).toFixed(0)}`);
} finally {
  await m.stop();
  rmSync(workDir, { recursive: true, force: true });
}
