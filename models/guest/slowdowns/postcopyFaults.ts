import type { GuestSlowdown } from '../slowdown.ts';

/**
 * Post-copy's network-bound faults: each blocks the vCPU for a request and a reply plus the page on
 * the link (`blockSecondsPerFault`), and the faults by guest time τ depend on what the guest writes
 * (`faultsBy`, from the tracker). One vCPU: faults are served one at a time.
 */
export function postcopyFaultSlowdown(blockSecondsPerFault: number, faultsBy: (guestSeconds: number) => number): GuestSlowdown & { unitsBy(guestSeconds: number): number } {
  return { name: 'postcopy-faults', secondsPerUnit: blockSecondsPerFault, unitsBy: faultsBy };
}
