/**
 * Fluid vs page-level QEMU downtime: the fluid path against the mean of page-level runs over seeds
 * (README "Not there yet"). `node --import tsx scripts/experiments/qemu-fluid-downtime.ts [seeds]`
 */
import { loadScenario } from '../../models/scenario/load.ts';
import { runScenario } from '../../models/run/runScenario.ts';

const seeds = Number(process.argv[2] ?? 20);
const cases: [string, string[]][] = [
  ['scenarios/precopy-qemu.json', []],
  ['scenarios/qemu-replay-converging.json', []],
  ['scenarios/precopy-qemu-phases.json', []],
  ...[2000, 3000, 4000, 5000].map((w): [string, string[]] => ['scenarios/precopy-qemu.json', ['vm.memoryMiB=512', `workload={"type":"uniform","writesPerSecond":${w}}`]]),
];
for (const [file, sets] of cases) {
  const base = loadScenario(file, sets);
  const fluid = runScenario({ ...base.scenario, fidelity: 'fluid' }, { keepRounds: false });
  let sum = 0, sumT = 0, sumB = 0;
  for (let k = 1; k <= seeds; k++) {
    const r = runScenario({ ...base.scenario, fidelity: 'page', seed: k }, { keepRounds: false });
    sum += r.downtimeSeconds; sumT += r.totalTimeSeconds; sumB += r.bytesTransferred;
  }
  const mean = sum / seeds, meanT = sumT / seeds, meanB = sumB / seeds;
  const pct = (a: number, b: number): string => `${((a / b - 1) * 100).toFixed(1)} %`;
  console.log(`${(file.split('/').pop() + ' ' + sets.join(' ')).slice(0, 70).padEnd(72)} downtime fluid ${(fluid.downtimeSeconds * 1000).toFixed(2)} ms, page mean ${(mean * 1000).toFixed(2)} ms (${pct(fluid.downtimeSeconds, mean)}); time ${pct(fluid.totalTimeSeconds, meanT)}; bytes ${pct(fluid.bytesTransferred, meanB)}`);
}
