import type { Scenario } from '../scenario/types.ts';

/**
 * What a scenario asks of a real hypervisor that the simulator does not model, as warnings for the
 * result and stderr: a prediction that silently ignores them would be taken at face value. Each
 * names the field, what the real system then does, and what the prediction assumes instead.
 * QEMU's post-copy (`postcopy-ram`, with algorithm hybrid) and background snapshots (a checkpoint
 * section) are modelled and so not listed.
 */
const NOT_SIMULATED: Record<string, string> = {
  xbzrle: 'QEMU then sends re-dirtied pages as XBZRLE deltas against its page cache (migration/xbzrle.c), often far fewer bytes',
  multifd: 'QEMU then sends pages over several channels (migration/multifd.c), which can use more of a fast link',
  'auto-converge': 'QEMU then throttles the guest\'s vCPUs when it does not converge (migration/cpu-throttle.c), which slows its writes',
};

export function unmodelledWarnings(s: Scenario): string[] {
  const caps = s.real?.qemu?.capabilities; // the schema's default [] when a real.qemu section is given
  if (caps === undefined) return [];
  return caps.filter((c) => c in NOT_SIMULATED).map((c) =>
    `real.qemu.capabilities: "${c}" is switched on for a QEMU replay but not simulated — ${NOT_SIMULATED[c]}; the prediction is plain pre-copy without it`);
}
