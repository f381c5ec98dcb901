import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSweep } from '../../scripts/sweep/spec.ts';
import { expandDesign, runSeed } from '../../scripts/sweep/design.ts';

const scratch = mkdtempSync(join(tmpdir(), 'miglab-sweep-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));
const miglab = (args: string[]) => spawnSync(process.execPath, ['scripts/miglab.mjs', ...args], { encoding: 'utf8' });
const read = (p: string): Buffer => readFileSync(p);

test('grid designs: cartesian product with zipped axes, linear ranges, run-indexed seeds', () => {
  const d = expandDesign(loadSweep('tests/fixtures/sweeps/small.json').spec);
  assert.equal(d.fields, ['fidelity', 'vm.memoryMiB', 'migration.policy', 'network.wireFormat', 'workload.writesPerSecond']);
  assert.is(d.points.length, 1 * 3 * 3 * 3);
  assert.equal(d.points[0], ['page', 64, 'xen', 'xen', 1000]);
  assert.equal(d.points[4], ['page', 64, 'qemu', 'qemu', 5000]); // zip moves together; last axis fastest
  assert.is(d.totalRuns, 54);
  assert.is.not(runSeed(5, 0), runSeed(5, 1));
  assert.is(runSeed(5, 17), runSeed(5, 17));
});

test('Latin hypercube: every stratum of every continuous axis used exactly once', () => {
  const d = expandDesign(loadSweep('tests/fixtures/sweeps/lhs.json').spec);
  assert.is(d.points.length, 20);
  const strata = (k: number, f: (v: number) => number) => d.points.map((p) => Math.floor(f(p[k] as number) * 20)).sort((a, b) => a - b);
  assert.equal(strata(0, (v) => Math.log(v / 128) / Math.log(2048 / 128)), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(strata(1, (v) => (v - 100) / 19900), Array.from({ length: 20 }, (_, i) => i));
});

test('the CSV is identical whatever the worker count, and shards merge into the same bytes', () => {
  const one = join(scratch, 'w1'), two = join(scratch, 'w2'), sh = join(scratch, 'shards');
  assert.is(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--workers', '1', '--out', one, '--quiet']).status, 0);
  const r2 = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--workers', '2', '--parallel-after', '0', '--out', two, '--quiet']);
  assert.is(r2.status, 0, r2.stderr);
  assert.ok(read(join(one, 'runs.csv')).equals(read(join(two, 'runs.csv'))));
  const lines = readFileSync(join(one, 'runs.csv'), 'utf8').trim().split('\n');
  assert.is(lines.length, 55);
  assert.ok(lines[0].startsWith('run,point,replicate,seed,fidelity,vm.memoryMiB,migration.policy,network.wireFormat,workload.writesPerSecond,status,'));
  for (let i = 0; i < 3; i++) assert.is(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--shard', `${i}/3`, '--workers', '1', '--out', sh, '--quiet']).status, 0);
  const m = miglab(['merge', sh]);
  assert.is(m.status, 0, m.stderr);
  assert.ok(read(join(one, 'runs.csv')).equals(read(join(sh, 'runs.csv'))));
  const meta = JSON.parse(readFileSync(join(one, 'sweep.json'), 'utf8'));
  for (const k of ['miglabVersion', 'gitCommit', 'nodeVersion', 'sweepHash', 'startedAt', 'finishedAt']) assert.ok(k in meta, k);
  assert.is(meta.status, 'complete');
  // Running again finds it complete and changes nothing.
  const again = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', one]);
  assert.is(again.status, 0);
  assert.match(again.stderr, /already complete/);
});

test('kill -9 in the middle, run again: it resumes and the CSV is byte-identical', async () => {
  const ref = join(scratch, 'ref'), cut = join(scratch, 'cut');
  assert.is(miglab(['sweep', 'tests/fixtures/sweeps/slow.json', '--workers', '2', '--parallel-after', '0', '--out', ref, '--quiet']).status, 0);
  const child = spawn(process.execPath, ['scripts/miglab.mjs', 'sweep', 'tests/fixtures/sweeps/slow.json', '--workers', '1', '--out', cut, '--quiet'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  const partial = join(cut, 'runs.csv.partial');
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (existsSync(partial) && readFileSync(partial, 'utf8').split('\n').length > 30) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(existsSync(partial), 'killed before finishing');
  assert.not.ok(existsSync(join(cut, 'runs.csv')));
  // Simulate a torn last line as well.
  writeFileSync(partial, readFileSync(partial, 'utf8') + '99,9,1,123,pa');
  const resumed = miglab(['sweep', 'tests/fixtures/sweeps/slow.json', '--workers', '2', '--parallel-after', '0', '--out', cut]);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming at run \d+/);
  assert.ok(read(join(ref, 'runs.csv')).equals(read(join(cut, 'runs.csv'))));
});

test('bad sweeps get clear errors and nothing is overwritten', () => {
  const cases: [string, RegExp][] = [
    ['bad-field.json', /bad-field\.json: design point 0 \(vm\.ram=1\) is not a valid scenario:\n.*vm\.ram: unknown field/],
    ['empty-axis.json', /empty-axis\.json: axes\[0\]\.values: expected at least 1 item\(s\)/],
    ['wrong-type.json', /wrong-type\.json: design point 1 \(vm\.memoryMiB="big"\) is not a valid scenario:\n.*vm\.memoryMiB: expected number, got string "big"/],
    ['zip-lengths.json', /zip-lengths\.json: axes\[0\]\.zip\[1\]\.field: expected a scenario field other than seed and name[\s\S]*zip-lengths\.json: axes\[0\]\.zip: expected axes of equal length, got lengths 2, 1/],
  ];
  for (const [f, re] of cases) {
    const r = miglab(['sweep', `tests/fixtures/sweeps/${f}`, '--out', join(scratch, 'bad')]);
    assert.is(r.status, 2, f);
    assert.match(r.stderr, re);
  }
  assert.match(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--shard', '3/3']).stderr, /--shard: expected 0 ≤ i < N, got 3\/3/);
  assert.match(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--shard', 'x']).stderr, /--shard: expected i\/N/);
  // A half-written CSV of another sweep is refused, untouched.
  const other = join(scratch, 'other');
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, 'runs.csv.partial'), 'run,point,replicate,seed\n0,0,0,1\n');
  writeFileSync(join(other, 'sweep.json'), JSON.stringify({ tool: 'miglab', sweepHash: 'abc', header: ['run', 'point', 'replicate', 'seed'], shard: null, sweepFile: 'x.json', status: 'running', totalRuns: 1, rows: 0 }));
  const r = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', other]);
  assert.is(r.status, 2);
  assert.match(r.stderr, /runs\.csv\.partial: is a half-written CSV of another sweep \(x\.json/);
  assert.is(readFileSync(join(other, 'runs.csv.partial'), 'utf8'), 'run,point,replicate,seed\n0,0,0,1\n');
  // …and so is one of this very sweep written with other columns (an older miglab), saying so.
  const older = join(scratch, 'older');
  assert.is(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--workers', '1', '--out', older, '--quiet']).status, 0);
  const meta = JSON.parse(readFileSync(join(older, 'sweep.json'), 'utf8'));
  writeFileSync(join(older, 'sweep.json'), JSON.stringify({ ...meta, header: meta.header.filter((c: string) => c !== 'postcopyBytes'), status: 'running' }));
  renameSync(join(older, 'runs.csv'), join(older, 'runs.csv.partial'));
  const o = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', older]);
  assert.is(o.status, 2);
  assert.match(o.stderr, /runs\.csv\.partial: is a half-written CSV of this sweep with other columns \(written by another miglab version; this one also writes postcopyBytes\); nothing was overwritten/);
  // Merge refuses incomplete shard sets.
  const half = join(scratch, 'half');
  assert.is(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--shard', '0/2', '--workers', '1', '--out', half, '--quiet']).status, 0);
  const mm = miglab(['merge', half]);
  assert.is(mm.status, 2);
  assert.match(mm.stderr, /runs\.shard-1-of-2\.csv: missing — shard 1 of 2 has not completed/);
  assert.not.ok(existsSync(join(half, 'runs.csv')));
});

test('summarize and plot a sweep CSV', () => {
  const csv = join(scratch, 'w1', 'runs.csv');
  const s = miglab(['summarize', csv, '--by', 'vm.memoryMiB,migration.policy', '--metrics', 'totalTimeSeconds,bytesTransferred']);
  assert.is(s.status, 0, s.stderr);
  const lines = s.stdout.trim().split('\n');
  assert.is(lines[0], 'vm.memoryMiB,migration.policy,metric,n,mean,std,ci95Low,ci95High,min,max');
  assert.is(lines.length, 1 + 9 * 2);
  const [, , , n, mean, , lo, hi, min, max] = lines[1].split(',');
  assert.is(n, '6');
  assert.ok(Number(lo) <= Number(mean) && Number(mean) <= Number(hi) && Number(min) <= Number(mean) && Number(mean) <= Number(max));
  // The axes left out of --by are pooled: said on stderr, naming each; axes are never metrics.
  assert.match(s.stderr, /warning: .*runs\.csv: axis network\.wireFormat is not in --by, so each group pools its 3 settings/);
  assert.match(s.stderr, /axis workload\.writesPerSecond is not in --by, so each group pools its 3 settings \(1000, 5000, 9000\)/);
  assert.not.match(s.stderr, /axis (fidelity|vm\.memoryMiB|migration\.policy) is not in --by/, 'a single-valued or grouped axis is not pooled');
  const all = miglab(['summarize', csv, '--by', 'vm.memoryMiB']);
  assert.not.match(all.stdout, /,workload\.writesPerSecond,|,vm\.memoryMiB,\d/, 'no axis among the default metrics');
  assert.match(all.stdout, /,totalTimeSeconds,/);
  const axisAsMetric = miglab(['summarize', csv, '--by', 'vm.memoryMiB', '--metrics', 'workload.writesPerSecond']);
  assert.is(axisAsMetric.status, 2);
  assert.match(axisAsMetric.stderr, /--metrics workload\.writesPerSecond: an axis of the sweep \(an input\), not a result/);
  for (const kind of ['line', 'scatter', 'bar', 'cdf']) {
    const out = join(scratch, `plot-${kind}`);
    const p = miglab(['plot', csv, '--x', 'workload.writesPerSecond', '--y', 'totalTimeSeconds', '--color', 'migration.policy', '--kind', kind, '--out', out]);
    assert.is(p.status, 0, p.stderr);
    assert.ok(statSync(`${out}.png`).size > 5000);
    assert.match(readFileSync(`${out}.svg`, 'utf8'), /<text[^>]*>total time \(s\)/, 'axis titles carry units');
    assert.match(readFileSync(`${out}.html`, 'utf8'), /vegaEmbed/);
  }
  assert.match(miglab(['plot', csv, '--x', 'nope', '--y', 'totalTimeSeconds']).stderr, /--x nope: no such column/);
  // A numeric colour field is ordered by value (64, 128, 256), not as text; its legend comes from the lines.
  const spec = readFileSync(join(scratch, 'plot-line.html'), 'utf8');
  const mem = join(scratch, 'plot-mem');
  assert.is(miglab(['plot', csv, '--x', 'workload.writesPerSecond', '--y', 'totalTimeSeconds', '--color', 'vm.memoryMiB', '--out', mem]).status, 0);
  assert.match(readFileSync(`${mem}.html`, 'utf8'), /"sort":\["64","128","256"\]/);
  assert.match(readFileSync(`${mem}.svg`, 'utf8'), /<text[^>]*>vm memory \(MiB\)/);
  assert.ok(spec.length > 0);
  // The subtitle says what a point is and which axes it pools; --where fixes an axis.
  assert.match(spec, /mean of \d+ runs per point, 95 % CI/);
  const pooledPlot = miglab(['plot', csv, '--x', 'workload.writesPerSecond', '--y', 'totalTimeSeconds', '--color', 'vm.memoryMiB', '--out', join(scratch, 'plot-pooled')]);
  assert.match(pooledPlot.stderr, /warning: .*axis migration\.policy is not in --x or --color, so each group pools its 3 settings/);
  assert.match(readFileSync(join(scratch, 'plot-pooled.html'), 'utf8'), /pools [^"]*migration\.policy \(3 settings\)/);
  const fixedPlot = miglab(['plot', csv, '--x', 'workload.writesPerSecond', '--y', 'totalTimeSeconds', '--color', 'vm.memoryMiB', '--where', 'migration.policy=qemu', '--where', 'fidelity=page', '--out', join(scratch, 'plot-fixed')]);
  assert.is(fixedPlot.status, 0, fixedPlot.stderr);
  assert.not.match(fixedPlot.stderr, /axis (migration\.policy|network\.wireFormat) is not in/);
  assert.match(miglab(['plot', csv, '--x', 'workload.writesPerSecond', '--y', 'totalTimeSeconds', '--where', 'migration.policy=nope']).stderr, /--where migration\.policy=nope: no run of .* matches/);
  assert.match(miglab(['plot', csv, '--x', 'workload.writesPerSecond', '--y', 'totalTimeSeconds', '--where', 'policy']).stderr, /--where policy: expected COLUMN=VALUE/);
  assert.match(miglab(['summarize', csv, '--by', 'nope']).stderr, /--by nope: no such column/);
});

test.run();
