import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '/work/main/models/run/runScenario.ts';
import { loadSweep } from '/work/main/scripts/sweep/spec.ts';
import { SweepRunner } from '/work/main/scripts/sweep/runs.ts';
const sets = (process.argv[2] ?? 'qemu-validation-set,qemu-validation-repeats').split(',');
const mod = process.argv[3] ? JSON.parse(process.argv[3]) : null;
for (const set of sets) {
  const r = new SweepRunner(loadSweep(`/work/main/scenarios/validation/${set}.json`));
  const dir = join('/work/main/results/validation', set, 'runs');
  for (const name of readdirSync(dir)) {
    const m = JSON.parse(readFileSync(join(dir, name, 'summary.json'), 'utf8'));
    let s = r.scenarioFor(Number(name.slice(set.length + 1)));
    if (mod) s = { ...s, ...Object.fromEntries(Object.entries(mod).map(([k, v]) => [k, { ...(s as any)[k], ...(v as any) }])) };
    const p = runScenario(s, { keepRounds: false });
    const w = s.workload as any;
    console.log([name.replace('qemu-validation-', ''), s.vm.memoryMiB, w.type, w.writesPerSecond ?? '', s.migration.downtimeLimitSeconds, (m.bytesByPhase.stopCopy / 1e6).toFixed(1), (p.bytesByPhase.stopCopy / 1e6).toFixed(1), (m.downtimeSeconds * 1e3).toFixed(0), (p.downtimeSeconds * 1e3).toFixed(1), m.rounds, p.rounds, m.totalTimeSeconds.toFixed(2), p.totalTimeSeconds.toFixed(2)].join('\t'));
  }
}
