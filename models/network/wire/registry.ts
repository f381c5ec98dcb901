import { mecomWire, type MecomParameters } from './mecom.ts';
import { qemuWire } from './qemu.ts';
import { rawWire } from './raw.ts';
import type { WireFormat } from './types.ts';
import { xenWire } from './xen.ts';

/**
 * The wire formats a scenario can name (`network.wireFormat`), each built from the scenario's
 * `compression` section where it has parameters. Adding one (XBZRLE, another compressor): a file
 * in this folder and a line here, and its name in the schema's enum (a test checks).
 */
export const WIRE_FORMATS = {
  qemu: (_c?: MecomParameters, zeroPageSeconds = 0) => (zeroPageSeconds > 0 ? { ...qemuWire, zeroPageSeconds } : qemuWire),
  xen: () => xenWire,
  raw: () => rawWire,
  mecom: (c?: MecomParameters) => {
    if (!c) throw new Error('internal: the mecom wire format needs the compression section, which the scenario resolver fills in');
    return mecomWire(c);
  },
} satisfies Record<string, (c?: MecomParameters, zeroPageSeconds?: number) => WireFormat>;

export type WireFormatName = keyof typeof WIRE_FORMATS;

/** The wire a scenario names; `zeroPageSeconds` (network.zeroPageSeconds) is QEMU's only (the validator refuses it elsewhere). */
export function wireFormat(name: WireFormatName, compression?: MecomParameters, zeroPageSeconds = 0): WireFormat {
  return name === 'qemu' ? WIRE_FORMATS.qemu(compression, zeroPageSeconds) : WIRE_FORMATS[name](compression);
}
