import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { QemuBackend } from '../../real/qemu/replay.ts';
import { GUEST_RESERVED_MIB, IDLE_DIRTIER_MIB } from '../../real/dirtier.ts';
import { solveFootprint } from '../../models/memory/zeroPages.ts';
import { parseWholeNumber } from '../lib/cliArgs.ts';

export const testbedHelp = `miglab testbed qemu [--measure-footprint [--memory-mib 256,1024]]

Prepares the QEMU testbed on this machine from Debian's packages (QEMU 10 from bookworm-backports,
unpacked privately; the Debian cloud kernel; a busybox initramfs with the dirtier) under
$MIGLAB_QEMU_DIR (default /var/tmp/miglab-qemu) and prints the paths. Idempotent.

  --measure-footprint   then, for each size, migrate the idle guest and the guest with a large
                        buffer once each, and print the image's footprint (vm.footprint: its
                        idle non-zero memory and the freed part of it that an allocation reuses),
                        from the zero pages QEMU found (its duplicate count)
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
    // Two migrations: the idle guest, and one whose dirtier fills a large buffer (≫ the freed part).
    const bufferMiB = Math.max(64, Math.floor((memoryMiB - GUEST_RESERVED_MIB) / 2));
    const nonZero = async (workload: Record<string, unknown>, tag: string): Promise<{ nonZeroMiB: number; downtimeSeconds: number; stopCopyBytes: number }> => {
      const s = validateScenario({
        name: `footprint-${memoryMiB}-${tag}`, vm: { memoryMiB }, workload, network: { bandwidthBitsPerSecond: 1e10 },
        migration: { algorithm: 'precopy', policy: 'qemu', maxBandwidthBytesPerSecond: 268435456 }, limits: { maxTimeSeconds: 120, onTimeout: 'cancel' },
        real: { qemu: { warmupSeconds: 2 } },
      }, 'testbed --measure-footprint', (p) => p);
      const r = await b.replay(s, { workDir: join(tmpdir(), `miglab-footprint-${process.pid}`), log: (l) => process.stderr.write(`  ${l}\n`) });
      const zero = (r.measurement?.achieved as { zeroPageFraction?: number } | undefined)?.zeroPageFraction;
      if (r.status !== 'completed' || typeof zero !== 'number') throw new Error(`the ${tag} ${memoryMiB} MiB guest did not migrate (${r.status})`);
      return { nonZeroMiB: memoryMiB * (1 - zero), downtimeSeconds: r.downtimeSeconds, stopCopyBytes: r.bytesByPhase.stopCopy };
    };
    const idle = await nonZero({ type: 'idle' }, 'idle');
    const big = await nonZero({ type: 'sweep', writesPerSecond: 100, bufferMiB }, 'buffer');
    const fp = solveFootprint(idle.nonZeroMiB, IDLE_DIRTIER_MIB, big.nonZeroMiB, bufferMiB);
    console.log(`${memoryMiB} MiB guest: ${idle.nonZeroMiB.toFixed(1)} MiB non-zero idle, ${big.nonZeroMiB.toFixed(1)} MiB with a ${bufferMiB} MiB buffer → "vm": { "memoryMiB": ${memoryMiB}, "footprint": { "idleMiB": ${fp.idleMiB.toFixed(1)}, "reusableMiB": ${fp.reusableMiB.toFixed(1)} } }`);
    // The switchover on this testbed: the idle guest stops with almost nothing left to send, so its
    // downtime is the fixed part (device state, the handshake: migration.resumeSeconds); QEMU
    // reports downtime in whole ms.
    console.log(`  switchover: idle guest's downtime ${(idle.downtimeSeconds * 1000).toFixed(0)} ms with ${(idle.stopCopyBytes / 1e6).toFixed(2)} MB left; with the buffer ${(big.downtimeSeconds * 1000).toFixed(0)} ms for ${(big.stopCopyBytes / 1e6).toFixed(2)} MB`);
  }
  return 0;
}

