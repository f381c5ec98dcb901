/**
 * Predictions of a validation set written down before it is replayed: each run at page level (as
 * written) and at fluid (address order), as CSV on stdout. Used for the held-out set
 * (scenarios/validation/qemu-validation-holdout.json → results/validation/qemu-validation-holdout/
 * predicted-before.csv, committed before its replay), so what the model said beforehand is on record.
 *   npx tsx scripts/experiments/qemu-holdout-predict.ts [set]
 */
import { stringify } from 'csv-stringify/sync';
import { runScenario } from '../../models/run/runScenario.ts';
import { loadSweep } from '../sweep/spec.ts';
import { SweepRunner } from '../sweep/runs.ts';
import { withoutLayout } from '../lib/withoutLayout.ts';

const set = process.argv[2] ?? 'qemu-validation-holdout';
const runner = new SweepRunner(loadSweep(`scenarios/validation/${set}.json`));
const rows: (string | number)[][] = [];
for (let i = 0; i < runner.design.totalRuns; i++) {
  const written = runner.scenarioFor(i);
  for (const fidelity of ['page', 'fluid'] as const) {
    // A buffer's physical layout (workload.layoutFile) is page-level only: fluid predicts in address order.
    const s = { ...written, fidelity, workload: fidelity === 'fluid' ? withoutLayout(written.workload) : written.workload };
    const r = runScenario(s, { resolvePath: runner.resolvePath });
    rows.push([`${set}-${i}`, fidelity, String(r.converged), r.totalTimeSeconds.toFixed(3), r.bytesTransferred, r.downtimeSeconds.toFixed(4), r.rounds]);
  }
}
process.stdout.write(stringify(rows, { header: true, columns: ['run', 'fidelity', 'converged', 'totalTimeSeconds', 'bytesTransferred', 'downtimeSeconds', 'rounds'] }));
