import { InputError } from '../models/input/errors.ts';
import type { Scenario } from '../models/scenario/types.ts';

/**
 * Maps a scenario's workload onto the guest dirtier's parameters (real/guest/dirtier.c).
 * The guest kernel and initramfs need memory of their own, so the dirtier's buffer must leave at
 * least GUEST_RESERVED_MIB free.
 */
export const GUEST_RESERVED_MIB = 96;

/** An idle guest's dirtier still runs (its heartbeat times the pause) over a buffer this small. */
export const IDLE_DIRTIER_MIB = 1;

export interface DirtierParams { mb: number; rate: number; mode: 'seq' | 'rand'; hotmb: number; hotpct: number; fill: number }

export function dirtierFor(s: Scenario, file: string): DirtierParams {
  const w = s.workload;
  const room = Math.floor(s.vm.memoryMiB - GUEST_RESERVED_MIB);
  const fill = Math.max(8, Math.min(4096, s.vm.bytesChangedPerWrite));
  const size = (mib: number | undefined, field: string): number => {
    const mb = Math.floor(mib ?? room);
    if (mb < 1 || mb > room) throw new InputError(`${file}: workload.${field}: the guest dirtier needs 1..${room} MiB (vm.memoryMiB − ${GUEST_RESERVED_MIB} MiB for the guest kernel), got ${mib ?? `all of memory (${s.vm.memoryMiB} MiB)`}`);
    return mb;
  };
  switch (w.type) {
    case 'idle': return { mb: IDLE_DIRTIER_MIB, rate: 0, mode: 'seq', hotmb: 0, hotpct: 0, fill };
    case 'sweep': return { mb: size(w.bufferMiB, 'bufferMiB'), rate: Math.round(w.writesPerSecond), mode: 'seq', hotmb: 0, hotpct: 0, fill };
    case 'uniform': return { mb: size(w.workingSetMiB, 'workingSetMiB'), rate: Math.round(w.writesPerSecond), mode: 'rand', hotmb: 0, hotpct: 0, fill };
    case 'hotcold': {
      const mb = size(w.workingSetMiB, 'workingSetMiB');
      return { mb, rate: Math.round(w.writesPerSecond), mode: 'rand', hotmb: Math.max(1, Math.round(w.hotSetMiB)), hotpct: Math.round(w.hotWriteFraction * 100), fill };
    }
    default:
      throw new InputError(`${file}: workload.type: the QEMU guest dirtier can replay idle, uniform, sweep and hotcold workloads, got ${JSON.stringify(w.type)}`);
  }
}

/** The dirtier's kernel command-line parameters (real/guest/dirtier.c reads dirtier.KEY=VALUE). */
export function dirtierKernelArgs(d: DirtierParams): string {
  return `dirtier.mb=${d.mb} dirtier.rate=${d.rate} dirtier.mode=${d.mode} dirtier.hotmb=${d.hotmb} dirtier.hotpct=${d.hotpct} dirtier.fill=${d.fill}`;
}

export interface DirtierLine { writes: number; bad: number; t: number }
/** The dirtier's once-a-second report lines in a console's text. */
export function dirtierLinesIn(text: string): DirtierLine[] {
  const out: DirtierLine[] = [];
  for (const x of text.matchAll(/DIRTIER t=([\d.]+) writes=(\d+) distinct=\d+ target=-?\d+ bad=(\d+)/g)) out.push({ t: Number(x[1]), writes: Number(x[2]), bad: Number(x[3]) });
  return out;
}
