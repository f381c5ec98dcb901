import { parseArgs } from 'node:util';
import { InputError } from '../../models/input/errors.ts';
import { QemuBackend } from '../../real/qemu/replay.ts';

export const testbedHelp = `miglab testbed qemu

Prepares the QEMU testbed on this machine from Debian's packages (QEMU 10 from bookworm-backports,
unpacked privately; the Debian cloud kernel; a busybox initramfs with the dirtier) under
$MIGLAB_QEMU_DIR (default /var/tmp/miglab-qemu) and prints the paths. Idempotent.`;

export async function testbedCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(testbedHelp); return 0; }
  if (positionals[0] !== 'qemu') throw new InputError(`miglab testbed: expected qemu, got ${JSON.stringify(positionals[0] ?? null)}\n\n${testbedHelp}`);
  const b = new QemuBackend();
  await b.prepare();
  console.log(`QEMU   ${b.paths!.qemu}\nkernel ${b.paths!.kernel}\ninitrd ${b.paths!.initrd}`);
  return 0;
}
