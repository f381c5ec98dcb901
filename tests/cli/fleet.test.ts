import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SweepRunner, FLEET_METRIC_COLUMNS } from '../../scripts/sweep/runs.ts';
import { loadSweep } from '../../scripts/sweep/spec.ts';
import { FLEET_COLUMNS } from '../../models/fleet/runFleet.ts';

const scratch = mkdtempSync(join(tmpdir(), 'miglab-fleet-cli-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));
const miglab = (args: string[]) => spawnSync(process.execPath, ['scripts/miglab.mjs', ...args], { encoding: 'utf8', timeout: 120000 });
const FLEET = 'scenarios/fleets/evacuate-host.json';

test('miglab fleet writes fleet.json and migrations.csv, replaces its own results, never a foreign file', () => {
  const out = join(scratch, 'out');
  const r = miglab(['fleet', FLEET, '--out', out, '--set', 'plan.maxConcurrent.perHost=8']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /fleet +evacuate-host \(seed 1, fluid\): 40 guests, 40 migrations/);
  const summary = JSON.parse(readFileSync(join(out, 'fleet.json'), 'utf8'));
  assert.is(summary.tool, 'miglab');
  assert.is(summary.summary.migrations, 40);
  assert.ok(summary.energy.totalJoules > 0 && summary.links.length > 0);
  const csv = readFileSync(join(out, 'migrations.csv'), 'utf8').trim().split('\n');
  assert.is(csv[0], FLEET_COLUMNS.join(','));
  assert.is(csv.length, 41);
  assert.is(miglab(['fleet', FLEET, '--out', out]).status, 0, 'its own results are replaced');
  writeFileSync(join(out, 'fleet.json'), '{"mine": 1}\n');
  const foreign = miglab(['fleet', FLEET, '--out', out]);
  assert.is(foreign.status, 2);
  assert.match(foreign.stderr, /fleet\.json: exists and was not written by miglab/);
  const bad = miglab(['fleet', FLEET, '--no-write', '--set', 'plan.maxConcurrent.perHost=0']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /evacuate-host\.json: plan\.maxConcurrent\.perHost: expected a number >= 1, got number 0/);
  assert.not.match(bad.stderr, /\n\s+at /);
});

test('a sweep over a fleet\'s plan: one row per fleet run, the fleet summary as columns', () => {
  const file = join(scratch, 'sweep.json');
  writeFileSync(file, JSON.stringify({ name: 's', base: join(process.cwd(), FLEET), replicates: 1, axes: [{ field: 'plan.maxConcurrent.perHost', values: [1, 40] }] }));
  const runner = new SweepRunner(loadSweep(file));
  assert.ok(runner.fleet);
  assert.equal(runner.header.slice(-FLEET_METRIC_COLUMNS.length), [...FLEET_METRIC_COLUMNS]);
  runner.checkPoints(0, 2);
  const [one, all] = [runner.row(0), runner.row(1)];
  const col = (row: string[], c: string) => Number(row[runner.header.indexOf(c)]);
  assert.is(col(one, 'peakConcurrentMigrations'), 1);
  assert.is(col(all, 'peakConcurrentMigrations'), 40);
  assert.is(col(one, 'migrations'), 40);
  writeFileSync(file, JSON.stringify({ name: 's', base: join(process.cwd(), FLEET), axes: [{ field: 'plan.order', values: ['tallest-first'] }] }));
  assert.throws(() => new SweepRunner(loadSweep(file)).checkPoints(0, 1), /design point 0 \(plan\.order="tallest-first"\) is not a valid fleet:\n.*plan\.order: expected one of/);
});

test.run();
