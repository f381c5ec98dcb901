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

/** The dirtier changes at most this many bytes of a page per write: the rest of its 8-byte stamp (the page number) stays. */
export const DIRTIER_MAX_DELTA_BYTES = 4089;
/** …and writes at most this many random bytes per page (its stamp takes 8). */
export const DIRTIER_MAX_ENTROPY_BYTES = 4088;

/**
 * The dirtier's parameters (real/guest/dirtier.c): buffer, rate, pattern, bytes changed per write
 * (`delta`), the share of its vCPU it spends at its nominal rate (`cpu`, %), random bytes per page
 * (`entropy`), and the page its sequential pointer writes first (`start`, absent: 0; the replays set
 * it so the pointer is at the scenario's workload.startPage when the migration starts: real/sweepPointer.ts).
 */
export interface DirtierParams { mb: number; rate: number; mode: 'seq' | 'rand'; hotmb: number; hotpct: number; delta: number; cpu: number; entropy: number; start?: number }

/**
 * `cpuPercent`: the share of its vCPU the dirtier spends at its nominal rate (with auto-converge:
 * vm.workloadCpuFraction; else 0). `entropyBytes`: random bytes per page of its buffer (with
 * multifd compression: the compressed page size the scenario states; else 0).
 */
export function dirtierFor(s: Scenario, file: string, cpuPercent = 0, entropyBytes = 0): DirtierParams {
  const w = s.workload;
  const room = Math.floor(s.vm.memoryMiB - GUEST_RESERVED_MIB);
  const delta = Math.max(1, Math.min(DIRTIER_MAX_DELTA_BYTES, s.vm.bytesChangedPerWrite));
  const cpu = Math.max(0, Math.min(100, Math.round(cpuPercent)));
  const entropy = Math.max(0, Math.min(DIRTIER_MAX_ENTROPY_BYTES, Math.round(entropyBytes)));
  const size = (mib: number | undefined, field: string): number => {
    const mb = Math.floor(mib ?? room);
    if (mb < 1 || mb > room) throw new InputError(`${file}: workload.${field}: the guest dirtier needs 1..${room} MiB (vm.memoryMiB − ${GUEST_RESERVED_MIB} MiB for the guest kernel), got ${mib ?? `all of memory (${s.vm.memoryMiB} MiB)`}`);
    return mb;
  };
  switch (w.type) {
    case 'idle': return { mb: IDLE_DIRTIER_MIB, rate: 0, mode: 'seq', hotmb: 0, hotpct: 0, delta, cpu, entropy };
    case 'sweep': return { mb: size(w.bufferMiB, 'bufferMiB'), rate: Math.round(w.writesPerSecond), mode: 'seq', hotmb: 0, hotpct: 0, delta, cpu, entropy };
    case 'uniform': return { mb: size(w.workingSetMiB, 'workingSetMiB'), rate: Math.round(w.writesPerSecond), mode: 'rand', hotmb: 0, hotpct: 0, delta, cpu, entropy };
    case 'hotcold': {
      const mb = size(w.workingSetMiB, 'workingSetMiB');
      return { mb, rate: Math.round(w.writesPerSecond), mode: 'rand', hotmb: Math.max(1, Math.round(w.hotSetMiB)), hotpct: Math.round(w.hotWriteFraction * 100), delta, cpu, entropy };
    }
    default:
      throw new InputError(`${file}: workload.type: the QEMU guest dirtier can replay idle, uniform, sweep and hotcold workloads, got ${JSON.stringify(w.type)}`);
  }
}

/** The dirtier's kernel command-line parameters (real/guest/dirtier.c reads dirtier.KEY=VALUE). */
export function dirtierKernelArgs(d: DirtierParams): string {
  return `dirtier.mb=${d.mb} dirtier.rate=${d.rate} dirtier.mode=${d.mode} dirtier.hotmb=${d.hotmb} dirtier.hotpct=${d.hotpct} dirtier.delta=${d.delta} dirtier.cpu=${d.cpu} dirtier.entropy=${d.entropy}${d.start ? ` dirtier.start=${d.start}` : ''}`;
}

export interface DirtierLine { writes: number; bad: number; t: number }
/** The dirtier's once-a-second report lines in a console's text. */
export function dirtierLinesIn(text: string): DirtierLine[] {
  const out: DirtierLine[] = [];
  for (const x of text.matchAll(/DIRTIER t=([\d.]+) writes=(\d+) distinct=\d+ target=-?\d+ bad=(\d+)/g)) out.push({ t: Number(x[1]), writes: Number(x[2]), bad: Number(x[3]) });
  return out;
}
