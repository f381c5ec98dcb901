import type { GuestSlowdown } from '../slowdown.ts';

/**
 * Copy-on-write checkpoint faults: a guest write to a page not yet streamed traps, and the old
 * content is copied into the checkpoint buffer; both are stolen from the guest (`cowFaultSeconds`
 * + `pageCopySeconds` per fault, scenario.schema.json `checkpoint`). Counted after the fact in
 * closed form by the checkpointer (models/checkpoint/cowCheckpointer.ts).
 */
export function cowFaultSlowdown(p: { cowFaultSeconds: number; pageCopySeconds: number }): GuestSlowdown {
  return { name: 'cow-faults', secondsPerUnit: p.cowFaultSeconds + p.pageCopySeconds };
}
