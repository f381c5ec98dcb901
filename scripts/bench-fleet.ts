// Helper of `npm run bench`: runs one fleet file in a process of its own (no JIT history), `reps`
// times, and prints one JSON line: the milliseconds of loading the file (schema, every guest's
// scenario) and of simulating it — the first run's and the best run's, the process's peak
// resident set, and the summary of the last run.
import { performance } from 'node:perf_hooks';
import { loadFleet } from '../models/fleet/load.ts';
import { runFleet } from '../models/fleet/runFleet.ts';

const [file, repsText] = process.argv.slice(2);
const reps = Number(repsText ?? '1');
const times: number[] = [];
let summary: unknown = null, loadMs = Infinity;
for (let i = 0; i < reps; i++) {
  const l0 = performance.now();
  const fleet = loadFleet(file);
  loadMs = Math.min(loadMs, performance.now() - l0);
  const t0 = performance.now();
  summary = runFleet(fleet).summary;
  times.push(performance.now() - t0);
}
console.log(JSON.stringify({ loadMs, firstMs: times[0], bestMs: Math.min(...times), rssMiB: process.resourceUsage().maxRSS / 1024, summary }));
