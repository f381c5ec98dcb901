import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const miglab = (args: string[]) => spawnSync(process.execPath, ['scripts/miglab.mjs', ...args], { encoding: 'utf8' });
const scratch = mkdtempSync(join(tmpdir(), 'miglab-cli-'));

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test('miglab run writes summary.json and rounds.csv, byte-identical for the same seed', () => {
  const a = miglab(['run', 'scenarios/precopy-xen-legacy.json', '--out', join(scratch, 'a')]);
  const b = miglab(['run', 'scenarios/precopy-xen-legacy.json', '--out', join(scratch, 'b')]);
  assert.is(a.status, 0, a.stderr);
  assert.is(b.status, 0, b.stderr);
  assert.match(a.stdout, /total time/);
  for (const f of ['summary.json', 'rounds.csv']) assert.ok(readFileSync(join(scratch, 'a', f)).equals(readFileSync(join(scratch, 'b', f))), f);
  const csv = readFileSync(join(scratch, 'a', 'rounds.csv'), 'utf8').trim().split('\n');
  assert.is(csv[0], 'round,phase,startSeconds,durationSeconds,pagesSent,zeroPagesSent,pagesSkipped,pagesDirtied,bytes');
  const summary = JSON.parse(readFileSync(join(scratch, 'a', 'summary.json'), 'utf8'));
  assert.is(csv.length - 1, summary.rounds);
  assert.is(summary.scenario.migration.maxIterations, 29);
  assert.equal(readdirSync(join(scratch, 'a')).sort(), ['rounds.csv', 'summary.json']); // no temp files left
  const c = miglab(['run', 'scenarios/precopy-xen-legacy.json', '--seed', '2', '--out', join(scratch, 'c')]);
  assert.not.ok(readFileSync(join(scratch, 'c', 'rounds.csv')).equals(readFileSync(join(scratch, 'a', 'rounds.csv'))));
});

test('--json prints the summary alone on stdout; --set changes the scenario', () => {
  const r = miglab(['run', 'scenarios/precopy-xen-hotcold.json', '--json', '--no-write', '--set', 'migration.policy=qemu', '--set', 'migration.downtimeLimitSeconds=0.1']);
  assert.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.is(s.policy, 'qemu');
  assert.is(s.scenario.migration.downtimeLimitSeconds, 0.1);
  assert.ok(s.downtimeSeconds < 0.1);
  assert.type(s.bytesByPhase.precopy, 'number');
});

test('--rate-band: the prediction again with the write rate 1 % off each way; near saturation it says the point is a band', () => {
  const far = miglab(['run', 'scenarios/qemu-replay-converging.json', '--rate-band', '--out', join(scratch, 'band-far')]);
  assert.is(far.status, 0, far.stderr);
  const f = JSON.parse(readFileSync(join(scratch, 'band-far', 'summary.json'), 'utf8'));
  assert.is(f.rateBand.writeRateFraction, 0.01);
  for (const m of ['totalTimeSeconds', 'bytesTransferred', 'downtimeSeconds', 'rounds']) assert.ok(f.rateBand[m][0] <= f[m] && f[m] <= f.rateBand[m][1], `${m}: ${f.rateBand[m]} around ${f[m]}`);
  assert.ok((f.rateBand.totalTimeSeconds[1] - f.rateBand.totalTimeSeconds[0]) / f.totalTimeSeconds < 0.05, JSON.stringify(f.rateBand));
  assert.match(far.stdout, /with every write rate up to 1 % lower and higher/);
  assert.not.match(far.stdout, /a band, not a number/);
  // The validation set's near-saturation point (a 64 MiB sweep at 7,800 pages/s against 32 MiB/s).
  const near = miglab(['run', 'scenarios/qemu-replay-converging.json', '--rate-band', '--json', '--no-write', '--set', 'workload.writesPerSecond=7800', '--set', 'limits.maxTimeSeconds=90']);
  assert.is(near.status, 0, near.stderr);
  const n = JSON.parse(near.stdout);
  assert.ok((n.rateBand.totalTimeSeconds[1] - n.rateBand.totalTimeSeconds[0]) / n.totalTimeSeconds > 0.1, JSON.stringify(n.rateBand));
  const text = miglab(['run', 'scenarios/qemu-replay-converging.json', '--rate-band', '--no-write', '--set', 'workload.writesPerSecond=7800', '--set', 'limits.maxTimeSeconds=90']);
  assert.match(text.stdout, /a prediction here is a band, not a number/);
  const idle = miglab(['run', 'scenarios/qemu-replay-converging.json', '--rate-band', '--no-write', '--set', 'workload={"type":"idle"}']);
  assert.is(idle.status, 2);
  assert.match(idle.stderr, /qemu-replay-converging\.json: workload: expected one with a write rate \(idle has none\)/);
});

test('bad input exits 2 with the message alone', () => {
  const r = miglab(['run', 'tests/fixtures/bad/unknown-policy.json']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown-policy\.json: migration\.policy: expected one of/);
  assert.not.match(r.stderr, /at .*\.ts:\d+/);
  const missing = miglab(['run', 'nope.json']);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /nope\.json: cannot read the scenario file: no such file/);
  const flag = miglab(['run', 'scenarios/stop-and-copy.json', '--bogus']);
  assert.is(flag.status, 2);
  assert.match(flag.stderr, /bogus/);
  assert.is(miglab(['frobnicate']).status, 2);
});

test('miglab runs compiled JavaScript, kept in step with the sources, with the results tsx gives', async () => {
  const { compiledCliUrl, sourcesHash } = await import('../../scripts/compiled.mjs');
  const url = compiledCliUrl() as string;
  assert.ok(url && url.includes(`/.cache/miglab/build-${sourcesHash().slice(0, 24)}/scripts/cli.js`), String(url));
  const args = ['run', 'scenarios/precopy-qemu.json', '--json', '--no-write', '--set', 'vm.memoryMiB=512'];
  const compiled = miglab(args);
  const fromSource = spawnSync(process.execPath, ['scripts/miglab.mjs', ...args], { encoding: 'utf8', env: { ...process.env, MIGLAB_FROM_SOURCE: '1' } });
  assert.is(compiled.status, 0, compiled.stderr);
  assert.is(fromSource.status, 0, fromSource.stderr);
  assert.is(compiled.stdout, fromSource.stdout);
  // A sweep with a worker thread runs from the compiled build too, and writes the same CSV.
  const file = join(scratch, 'tiny.json');
  writeFileSync(file, JSON.stringify({ name: 'tiny', base: resolve('scenarios/precopy-xen-hotcold.json'), seed: 1, replicates: 50, axes: [{ field: 'migration.policy', values: ['xen', 'qemu'] }] }));
  const a = miglab(['sweep', file, '--workers', '2', '--parallel-after', '0', '--out', join(scratch, 'sa'), '--quiet']);
  const b = spawnSync(process.execPath, ['scripts/miglab.mjs', 'sweep', file, '--workers', '1', '--out', join(scratch, 'sb'), '--quiet'], { encoding: 'utf8', env: { ...process.env, MIGLAB_FROM_SOURCE: '1' } });
  assert.is(a.status, 0, a.stderr);
  assert.is(b.status, 0, b.stderr);
  assert.ok(readFileSync(join(scratch, 'sa', 'runs.csv')).equals(readFileSync(join(scratch, 'sb', 'runs.csv'))));
});

test('a replay that would differ from the prediction is warned about, in the result and on stderr; features are declared once', () => {
  const r = miglab(['run', 'scenarios/qemu-replay-converging.json', '--set', 'real.qemu.capabilities=["postcopy-ram"]', '--set', 'real.qemu.postcopyAfterSeconds=2', '--no-write', '--json']);
  assert.is(r.status, 0, r.stderr);
  const warnings: string[] = JSON.parse(r.stdout).warnings;
  assert.is(warnings.length, 1);
  assert.match(warnings[0], /real\.qemu\.postcopyAfterSeconds: the QEMU replay switches to post-copy at 2 s, but algorithm "precopy" is simulated without post-copy/);
  assert.match(r.stderr, /^warning: scenarios\/qemu-replay-converging\.json: real\.qemu\.postcopyAfterSeconds/m);
  const plain = miglab(['run', 'scenarios/qemu-replay-converging.json', '--no-write', '--json']);
  assert.is(JSON.parse(plain.stdout).warnings, undefined);
  assert.is(plain.stderr, '');
  // auto-converge, XBZRLE and multifd are parameters of the migration, simulated and replayed alike.
  const old = miglab(['run', 'scenarios/qemu-replay-converging.json', '--set', 'real.qemu.capabilities=["xbzrle","multifd"]', '--no-write']);
  assert.is(old.status, 2);
  assert.match(old.stderr, /real\.qemu\.capabilities: "xbzrle" is declared as migration\.xbzrle/);
  assert.match(old.stderr, /real\.qemu\.capabilities: "multifd" is declared as migration\.multifd/);
});

test('miglab --help and run --help list the commands and options', () => {
  const h = miglab(['--help']);
  assert.is(h.status, 0);
  assert.match(h.stdout, /run\s+simulate one scenario/);
  const r = miglab(['run', '--help']);
  for (const opt of ['--seed', '--set', '--out', '--json']) assert.match(r.stdout, new RegExp(opt));
  // Unknown commands, including names every object has, get the list of commands.
  for (const name of ['simulate', 'toString', 'constructor']) {
    const u = miglab([name]);
    assert.is(u.status, 2, name);
    assert.match(u.stderr, new RegExp(`unknown command "${name}"[\\s\\S]*sweep\\s+run a parameter sweep`));
  }
});

test.run();
