/**
 * Two measurements of the QEMU testbed, from the committed runs (`results/calibration/`, measured by
 * `miglab validate scenarios/calibration/<set>.json --backend qemu --out results/calibration/<set>`):
 *
 *  - multifd's `footprintCompressedPageBytes` for the guest image (used by the validation sets):
 *    the idle guest's multifd-bytes, less the 1,344-byte header of each 128-page packet, over the
 *    normal pages QEMU sent.
 *  - the throttled workload's pace against the model (a check, not an input): with the throttle
 *    fixed at p once it starts, the dirtier's writes per second (its once-a-second report, from 2 s
 *    after the throttle starts to the end of the live rounds) over the model's min(1, (1 − p) / c) ×
 *    rate, where the workload is CPU-limited ((1 − p) ≤ c).
 *
 *   node --import tsx scripts/experiments/qemu-calibration.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../models/run/result.ts';
import type { QemuMeasurement } from '../../real/qemu/measurement.ts';
import { MULTIFD_PACKET_HEADER_BYTES, MULTIFD_PAGES_PER_PACKET } from '../../models/network/wire/multifd.ts';

const runs = (set: string): RunResult[] => {
  const dir = join('results/calibration', set, 'runs');
  return readdirSync(dir).sort().map((r) => JSON.parse(readFileSync(join(dir, r, 'summary.json'), 'utf8')) as RunResult);
};

const ratios: number[] = [];
for (const r of runs('qemu-throttle-pace')) {
  const m = r.measurement as QemuMeasurement;
  const timeline = m.throttleTimeline ?? [];
  const start = timeline.find(([, pct]) => pct > 0);
  if (!start) continue;
  const p = start[1] / 100, c = r.scenario.vm.workloadCpuFraction, rate = m.dirtier.rate;
  const end = timeline.find(([t, pct]) => t > start[0] && pct === 0)?.[0] ?? m.dirtierWritesPerSecond.length;
  // Report i covers the second (i, i + 1] after the migrate command.
  const under = m.dirtierWritesPerSecond.filter((_, i) => i >= start[0] + 2 && i + 1 <= end);
  const measured = under.reduce((a, b) => a + b, 0) / under.length;
  const modelled = Math.min(1, (1 - p) / c) * rate;
  const limited = 1 - p <= c + 1e-9;
  if (limited) ratios.push(measured / modelled);
  console.log(`throttle ${start[1]} %: ${under.length} s at ${measured.toFixed(0)} writes/s; model: ${modelled.toFixed(0)}${limited ? ` → ${(measured / modelled).toFixed(3)}` : ' (not CPU-limited)'}`);
}
console.log(`measured / modelled pace under a fixed throttle: ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2)} (mean of ${ratios.length})`);

for (const r of runs('qemu-idle-compression')) {
  const ram = ((r.measurement as QemuMeasurement).finalQueryMigrate.ram ?? {}) as Record<string, number>;
  const packets = (ram.normal + ram.duplicate) / MULTIFD_PAGES_PER_PACKET;
  console.log(`${r.scenario.migration.multifd!.compression}: footprintCompressedPageBytes = ${((ram['multifd-bytes'] - packets * MULTIFD_PACKET_HEADER_BYTES) / ram.normal).toFixed(0)} (${ram.normal} normal pages)`);
}
