import { qemuWire } from './qemu.ts';
import { rawWire } from './raw.ts';
import type { WireFormat } from './types.ts';
import { xenWire } from './xen.ts';

/**
 * The wire formats a scenario can name (`network.wireFormat`). Adding one (XBZRLE, compression):
 * a file in this folder and a line here, and its name in the schema's enum (a test checks).
 */
export const WIRE_FORMATS = { qemu: qemuWire, xen: xenWire, raw: rawWire } satisfies Record<string, WireFormat>;

export type WireFormatName = keyof typeof WIRE_FORMATS;

export function wireFormat(name: WireFormatName): WireFormat {
  return WIRE_FORMATS[name];
}
