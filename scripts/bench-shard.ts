// Helper of `npm run bench`: runs half of a sweep's runs (alternate blocks of 50) in this process
// and prints the milliseconds it took, start-up excluded. Used to show what separate processes give.
import { loadSweep } from './sweep/spec.ts';
import { SweepRunner } from './sweep/runs.ts';

const [file, which] = process.argv.slice(2);
const runner = new SweepRunner(loadSweep(file));
const t0 = performance.now();
for (let i = 0; i < runner.design.totalRuns; i++) if (Math.floor(i / 50) % 2 === Number(which)) runner.row(i);
console.log(Math.round(performance.now() - t0));
