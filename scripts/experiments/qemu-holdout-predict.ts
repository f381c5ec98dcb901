/**
 * Predictions of a validation set written down before it is replayed: each run at page level (as
 * written) and at fluid (address order), as CSV on stdout. Used for the held-out set
 * (scenarios/validation/qemu-validation-holdout.json → results/validation/qemu-validation-holdout/
 * predicted-before.csv, committed before its replay), so what the model said beforehand is on record.
 *   npx tsx scripts/experiments/qemu-holdout-predict.ts [set]
 */
import { runScenario } from '../../models/run/runScenario.ts';
import { loadSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';
const set = process.argv[2] ?? 'qemu-validation-holdout';
const runner = new SweepRunner(loadSweep(`scenarios/validation/${set}.json`));
console.log('run,fidelity,converged,totalTimeSeconds,bytesTransferred,downtimeSeconds,rounds');
for (let i = 0; i < runner.design.points.length * runner.design.replicates; i++) for (const fid of ['page', 'fluid'] as const) {
  let s = runner.scenarioFor(i);
  s = { ...s, fidelity: fid, workload: fid === 'fluid' ? { ...s.workload, layoutFile: undefined } as any : s.workload };
  const r = runScenario(s, { resolvePath: runner.resolvePath });
  console.log([`${set}-${i}`, fid, r.converged, r.totalTimeSeconds.toFixed(3), r.bytesTransferred, r.downtimeSeconds.toFixed(4), r.rounds].join(','));
}
