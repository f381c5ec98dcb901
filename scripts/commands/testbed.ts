import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { MIB_BYTES, PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
import { QemuBackend } from '../../real/qemu/replay.ts';
import { IDLE_DIRTIER_MIB } from '../../real/qemu/guest.ts';
import { parseWholeNumber } from '../lib/cliArgs.ts';

export const testbedHelp = `miglab testbed qemu [--measure-footprint [--memory-mib 256,1024]]

Prepares the QEMU testbed on this machine from Debian's packages (QEMU 10 from bookworm-backports,
unpacked privately; the Debian cloud kernel; a busybox initramfs with the dirtier) under
$MIGLAB_QEMU_DIR (default /var/tmp/miglab-qemu) and prints the paths. Idempotent.

  --measure-footprint   then boot an idle guest of each size, migrate it once, and print the guest
                        image's footprint (vm.footprintMiB): its non-zero memory = memory − the
                        zero pages QEMU found (its duplicate count) − the idle dirtier's ${IDLE_DIRTIER_MIB} MiB
  --memory-mib LIST     guest sizes for --measure-footprint (default 256,1024)`;

export async function testbedCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { 'measure-footprint': { type: 'boolean' }, 'memory-mib': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(testbedHelp); return 0; }
  if (positionals[0] !== 'qemu' || positionals.length !== 1) throw new InputError(`miglab testbed: expected qemu, got ${JSON.stringify(positionals.join(' ') || null)}\n\n${testbedHelp}`);
  const sizes = (values['memory-mib'] ?? '256,1024').split(',').map((x) => parseWholeNumber('--memory-mib', x, 128, 16384));
  const b = new QemuBackend();
  await b.prepare();
  console.log(`QEMU   ${b.paths!.qemu}\nkernel ${b.paths!.kernel}\ninitrd ${b.paths!.initrd}`);
  if (!values['measure-footprint']) return 0;
  for (const memoryMiB of sizes) {
    const s = validateScenario({
      name: `footprint-${memoryMiB}`, vm: { memoryMiB }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e10 },
      migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 268435456 }, limits: { maxTimeSeconds: 120, onTimeout: 'cancel' },
      real: { qemu: { warmupSeconds: 2 } },
    }, 'testbed --measure-footprint', (p) => p);
    const r = await b.replay(s, { workDir: join(tmpdir(), `miglab-footprint-${process.pid}`), log: (l) => process.stderr.write(`  ${l}\n`) });
    const zero = (r.measurement?.achieved as { zeroPageFraction?: number } | undefined)?.zeroPageFraction;
    if (r.status !== 'completed' || typeof zero !== 'number') throw new Error(`the idle ${memoryMiB} MiB guest did not migrate (${r.status})`);
    const footprintMiB = memoryMiB - (zero * memoryMiB * MIB_BYTES) / PAGE_SIZE_BYTES * PAGE_SIZE_BYTES / MIB_BYTES - IDLE_DIRTIER_MIB;
    console.log(`footprint of a ${memoryMiB} MiB guest: ${footprintMiB.toFixed(1)} MiB non-zero (QEMU found ${(zero * 100).toFixed(1)} % zero pages) → "vm": { "footprintMiB": ${footprintMiB.toFixed(1)} }`);
  }
  return 0;
}
