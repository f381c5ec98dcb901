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
  qemu: () => qemuWire,
  xen: () => xenWire,
  raw: () => rawWire,
  mecom: (c?: MecomParameters) => {
    if (!c) throw new Error('internal: the mecom wire format needs the compression section, which the scenario resolver fills in');
    return mecomWire(c);
  },
} satisfies Record<string, (c?: MecomParameters) => WireFormat>;

export type WireFormatName = keyof typeof WIRE_FORMATS;

export function wireFormat(name: WireFormatName, compression?: MecomParameters): WireFormat {
  return WIRE_FORMATS[name](compression);
}
