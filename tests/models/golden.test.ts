import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyOverride, parseOverride } from '../../models/scenario/load.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { paperCsv, paperData } from '../../scripts/paper/data.ts';

// Refactorings must not change a single result. Each case is an example scenario, at its own
// fidelity or the other, or with a variant (--set overrides) that reaches another composition,
// policy or rule; the full result (summary fields, every round row, every checkpoint row and the
// resolved scenario) is hashed. `MIGLAB_UPDATE_GOLDEN=1` rewrites the fixture: do it only for a
// change that is meant to change results, and say so in the commit.
const FIXTURE = 'tests/fixtures/golden-results.json';
const MAX_TIME = 'limits.maxTimeSeconds=300';

const variants: Record<string, string[][]> = {
  'precopy-qemu.json': [['fidelity="page"'], ['limits.onTimeout="stop-and-copy"', 'workload.writesPerSecond=400000', 'limits.maxTimeSeconds=20'],
    ['migration.algorithm="hybrid"', 'migration.postcopyAfterRounds=2'], ['migration.algorithm="hybrid"', 'migration.postcopyAfterSeconds=3', 'fidelity="page"'],
    ['concurrentMigrations=3']],
  'precopy-xen-hotcold.json': [['fidelity="page"'], ['migration.policy="simgrid"'], ['migration.policy="xen-legacy"'], ['migration.policy="clark05"'],
    ['migration.algorithm="hybrid"'], ['migration.algorithm="hybrid"', 'migration.policy="xen-legacy"', 'fidelity="page"'],
    ['migration.algorithm="postcopy"', '!migration.policy'], ['migration.algorithm="stop-and-copy"', '!migration.policy'],
    ['migration.setupSeconds=0.5', 'migration.resumeSeconds=0.02', 'network.latencySeconds=0.001', 'network.tcpWindowBytes=65536'],
    ['concurrentMigrations=4', 'fidelity="page"']],
  'precopy-simgrid.json': [['fidelity="page"'], ['migration.algorithm="hybrid"', 'migration.postcopyAfterSeconds=1']],
  'precopy-clark05.json': [['fidelity="page"'], ['concurrentMigrations=2']],
  'precopy-xen-legacy.json': [['fidelity="page"'], ['concurrentMigrations=2']],
  'precopy-qemu-nonconverging.json': [['limits.onTimeout="stop-and-copy"'], ['migration.algorithm="hybrid"', 'migration.postcopyAfterSeconds=5']],
  'cow-checkpoint-desktop.json': [['migration.policy="qemu"'], ['migration.policy="simgrid"'], ['migration.policy="xen-legacy"'], ['fidelity="fluid"'],
    ['migration.algorithm="precopy"'], ['checkpoint.onOverrun="skip"', 'checkpoint.intervalSeconds=5', 'migration.startSeconds=60', 'failure.atSeconds=50']],
  'postcopy-hotcold.json': [['fidelity="page"'], ['migration.maxBandwidthBytesPerSecond=50000000']],
  'stop-and-copy.json': [['fidelity="page"']],
};

function digest(file: string, sets: string[]): Record<string, string> {
  // `!a.b` removes a field; `a.b=v` sets it.
  const raw = JSON.parse(readFileSync(join('scenarios', file), 'utf8')) as Record<string, unknown>;
  for (const s of [MAX_TIME, ...sets]) {
    if (s.startsWith('!')) { const path = s.slice(1).split('.'); delete (path.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, raw))[path[path.length - 1]]; continue; }
    const { path, value } = parseOverride(s);
    applyOverride(raw, path, value);
  }
  const r = runScenario(validateScenario(raw, file, (p) => join('scenarios', p)), { resolvePath: (p) => join('scenarios', p) });
  const { scenario, ...rest } = r;
  const h = (x: unknown): string => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 20);
  return { result: h(rest), scenario: h(scenario), headline: `${r.status} ${r.stopReason} t=${r.totalTimeSeconds} d=${r.downtimeSeconds} B=${r.bytesTransferred} rounds=${r.rounds}` };
}

function cases(): [string, string, string[]][] {
  const out: [string, string, string[]][] = [];
  for (const f of readdirSync('scenarios').filter((x) => x.endsWith('.json') && !x.endsWith('.schema.json')).sort()) {
    out.push([f, f, []]);
    for (const v of variants[f] ?? []) out.push([`${f} ${v.join(' ')}`, f, v]);
  }
  return out;
}

test('every example scenario and its variants give the recorded results, byte for byte', () => {
  const now: Record<string, Record<string, string>> = {};
  for (const [key, f, sets] of cases()) now[key] = digest(f, sets);
  if (process.env.MIGLAB_UPDATE_GOLDEN === '1' || !existsSync(FIXTURE)) {
    writeFileSync(FIXTURE, JSON.stringify(now, null, 1) + '\n');
    return;
  }
  const before = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Record<string, string>>;
  const diffs: string[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(now)])) {
    const a = before[k], b = now[k];
    if (!a || !b) { diffs.push(`${k}: ${a ? 'missing now' : 'new case (not in the fixture)'}`); continue; }
    if (a.result !== b.result || a.scenario !== b.scenario) diffs.push(`${k}:\n    recorded ${a.headline}${a.scenario !== b.scenario ? ' (scenario differs)' : ''}\n    now      ${b.headline}`);
  }
  assert.ok(Object.keys(now).length >= 40, `only ${Object.keys(now).length} cases`);
  assert.equal(diffs, [], `results changed:\n  ${diffs.join('\n  ')}`);
});

test("the paper's figure data: every committed results/paper/*.csv, byte for byte", () => {
  const data = paperData();
  assert.equal(Object.keys(data).length, 5);
  for (const [id, rows] of Object.entries(data)) assert.fixture(paperCsv(rows), readFileSync(join('results/paper', `${id}.csv`), 'utf8'), id);
});

test.run();
