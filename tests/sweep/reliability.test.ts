import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanCsv } from '../../scripts/sweep/csvRecords.ts';

/** Issue 13's sweep items: resume by records, locks, merge checks, foreign files, plan bounds, Slurm quoting. */
const scratch = mkdtempSync(join(tmpdir(), 'miglab-sweep-rel-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));
const miglab = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, ['scripts/miglab.mjs', ...args], { encoding: 'utf8', timeout: 300000, env });
const start = (args: string[]): ChildProcess => spawn(process.execPath, ['scripts/miglab.mjs', ...args], { stdio: 'ignore' });
const exited = (c: ChildProcess): Promise<unknown> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.on('exit', r)));
const same = (a: string, b: string): boolean => readFileSync(a).equals(readFileSync(b));

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120000;
  while (!(await ok())) {
    if (child.exitCode !== null) return;
    if (Date.now() > deadline) throw new Error(`waited 120 s for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('text axis values with line breaks, commas and quotes: kill -9, tear the last record inside its quotes, resume — byte-identical, every run once', async () => {
  const sweep = 'tests/fixtures/sweeps/newline-axis.json';
  const ref = join(scratch, 'nl-ref'), cut = join(scratch, 'nl-cut');
  assert.is(miglab(['sweep', sweep, '--workers', '2', '--parallel-after', '0', '--out', ref, '--quiet']).status, 0);
  const refScan = await scanCsv(join(ref, 'runs.csv'));
  assert.is(refScan.records, 120);
  const lines = readFileSync(join(ref, 'runs.csv'), 'utf8').split('\n').length - 1;
  assert.ok(lines > refScan.records + 1, 'records span several lines (what a line count gets wrong)');
  const child = start(['sweep', sweep, '--workers', '1', '--out', cut, '--quiet']);
  const partial = join(cut, 'runs.csv.partial');
  await waitFor('30 records', async () => existsSync(partial) && (await scanCsv(partial)).records >= 30, child);
  child.kill('SIGKILL');
  await exited(child);
  assert.ok(existsSync(partial), 'killed before finishing');
  // A record torn inside its quoted multi-line cell.
  writeFileSync(partial, readFileSync(partial, 'utf8') + '77,3,17,123,page,"line one\nline t');
  const resumed = miglab(['sweep', sweep, '--workers', '2', '--parallel-after', '0', '--out', cut]);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /cut \d+ bytes of a torn last record/);
  assert.match(resumed.stderr, /resuming at run \d+/);
  assert.ok(same(join(ref, 'runs.csv'), join(cut, 'runs.csv')), 'the resumed CSV equals the uninterrupted one');
});

test('two sweeps into one folder: the second is refused while the first runs; a stale lock (kill -9) is taken over; another host\'s lock is named', async () => {
  const dir = join(scratch, 'locked'), ref = join(scratch, 'lock-ref');
  assert.is(miglab(['sweep', 'tests/fixtures/sweeps/slow.json', '--workers', '2', '--out', ref, '--quiet']).status, 0);
  const first = start(['sweep', 'tests/fixtures/sweeps/slow.json', '--workers', '1', '--out', dir, '--quiet']);
  await waitFor('the lock', () => existsSync(join(dir, '.runs.csv.lock')), first);
  assert.is(first.exitCode, null, 'the first sweep is still running');
  // Paused while the others try (its PID alive, its lock held), so a fast machine cannot finish it
  // between the checks: the outcome does not depend on how long the sweep takes.
  first.kill('SIGSTOP');
  try {
    const second = miglab(['sweep', 'tests/fixtures/sweeps/slow.json', '--workers', '1', '--out', dir, '--quiet']);
    assert.is(second.status, 2, second.stderr);
    assert.match(second.stderr, new RegExp(`miglab PID ${first.pid} on .* is writing runs\\.csv here; nothing was written`));
    // Even with --force (which replaces miglab's own results, never a running sweep's).
    assert.is(miglab(['sweep', 'tests/fixtures/sweeps/slow.json', '--out', dir, '--force', '--quiet']).status, 2);
  } finally {
    first.kill('SIGCONT');
  }
  await exited(first);
  assert.is(first.exitCode, 0);
  assert.ok(same(join(ref, 'runs.csv'), join(dir, 'runs.csv')), 'no duplicated or torn rows');
  assert.not.ok(existsSync(join(dir, '.runs.csv.lock')), 'released');
  // A lock left by a killed sweep (its PID is gone) is taken over.
  const stale = join(scratch, 'stale');
  mkdirSync(stale);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(join(stale, '.runs.csv.lock'), JSON.stringify({ pid: dead, host: hostname(), startedAt: 'then', command: 'sweep' }));
  const taken = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', stale, '--quiet']);
  assert.is(taken.status, 0, taken.stderr);
  // One held on another machine (a shared file system) cannot be checked: refused, with what to do.
  const remote = join(scratch, 'remote');
  mkdirSync(remote);
  writeFileSync(join(remote, '.runs.csv.lock'), JSON.stringify({ pid: 1, host: 'node-17', startedAt: 'then', command: 'sweep' }));
  const r = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', remote, '--quiet']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /miglab PID 1 on node-17 .* if that job is gone, delete .*\.runs\.csv\.lock/);
});

test('files miglab did not write are never replaced, even with --force', () => {
  for (const [name, content] of [['sweep.json', '{"notes": "mine"}\n'], ['runs.csv', 'a,b\n1,2\n'], ['runs.csv.partial', 'x\n']] as const) {
    const dir = join(scratch, `foreign-${name}`);
    mkdirSync(dir);
    writeFileSync(join(dir, name), content);
    for (const extra of [[], ['--force']]) {
      const r = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', dir, '--quiet', ...extra]);
      assert.is(r.status, 2, `${name} ${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${name.replace(/\./g, '\\.')}: exists and (was not written by miglab|is not JSON|is not a miglab sweep CSV)`));
      assert.equal(readdirSync(dir), [name], 'nothing else written');
      assert.is(readFileSync(join(dir, name), 'utf8'), content);
    }
  }
});

test('merge checks each shard against its metadata: records, run numbers, header, damaged metadata', async () => {
  const dir = join(scratch, 'shards'), local = join(scratch, 'shards-local');
  for (let i = 0; i < 3; i++) assert.is(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--shard', `${i}/3`, '--out', dir, '--quiet']).status, 0);
  assert.is(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', local, '--quiet']).status, 0);
  const shard = join(dir, 'runs.shard-1-of-3.csv'), meta = join(dir, 'sweep.shard-1-of-3.json');
  const good = readFileSync(shard), goodMeta = readFileSync(meta);
  const header = good.toString().split('\n')[0] + '\n';
  const body = good.toString().slice(header.length).split('\n').filter(Boolean);
  const cases: [string, () => void, RegExp][] = [
    ['cut to its header', () => writeFileSync(shard, header), /shard 1 of 3 \(runs 18\.\.35\): holds 0 records, its metadata says 18/],
    ['one record lost', () => writeFileSync(shard, header + body.slice(0, -1).join('\n') + '\n'), /holds 17 records, its metadata says 18/],
    ['a record twice', () => writeFileSync(shard, header + [body[0], ...body].join('\n') + '\n'), /record 2 is run "18", expected run 19/],
    ['a torn last record', () => truncateSync(shard, good.length - 5), /after 17 complete records the file does not parse/],
    ['metadata not JSON', () => writeFileSync(meta, '{"tool": "migl'), /sweep\.shard-1-of-3\.json: is not JSON; expected the metadata `miglab sweep --shard 1\/3` writes/],
    ['metadata damaged', () => writeFileSync(meta, JSON.stringify({ ...JSON.parse(goodMeta.toString()), shard: 'x' })), /is miglab sweep metadata with missing or damaged fields/],
    ['metadata of another shard', () => writeFileSync(meta, readFileSync(join(dir, 'sweep.shard-2-of-3.json'))), /describes shard 2 of 3, expected shard 1 of 3/],
  ];
  for (const [what, damage, re] of cases) {
    damage();
    const r = miglab(['merge', dir]);
    assert.is(r.status, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, re, what);
    assert.not.ok(existsSync(join(dir, 'runs.csv')), `${what}: nothing merged`);
    writeFileSync(shard, good);
    writeFileSync(meta, goodMeta);
  }
  const ok = miglab(['merge', dir]);
  assert.is(ok.status, 0, ok.stderr);
  assert.ok(same(join(dir, 'runs.csv'), join(local, 'runs.csv')));
});

test('plans too large are refused before any work, naming the bound; no folder is left behind', () => {
  const cases: [string[], RegExp][] = [
    [['tests/fixtures/sweeps/huge-grid.json'], /huge-grid\.json: axes: the sweep plans 1,000,000,000 design points; miglab's bound .*designPoints/],
    [['tests/fixtures/sweeps/huge-lhs.json'], /huge-lhs\.json: design\.samples: .*1000000/],
    [['tests/fixtures/sweeps/many-runs.json'], /the sweep plans 100,000,000 runs .*more than 10,000,000; .*--max-runs N/],
    [['tests/fixtures/sweeps/small.json', '--workers', '100000'], /--workers: 100000 threads on this machine's \d+ cores; miglab's bound .*workersPerCore/],
    [['tests/fixtures/sweeps/small.json', '--workers', '0x10'], /--workers: expected a whole number/],
    [['tests/fixtures/sweeps/small.json', '--max-runs', '10'], /the sweep plans 54 runs .*more than 10/],
  ];
  for (const [args, re] of cases) {
    const out = join(scratch, 'never-made');
    const t0 = Date.now();
    const r = miglab(['sweep', ...args, '--out', out]);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(Date.now() - t0 < 60000, 'refused up front (a hang detector, not a timing)');
    assert.not.ok(existsSync(out), `${args.join(' ')}: left ${out}`);
  }
});

test('Slurm: partition, time and paths never reach a #SBATCH line; a line break in them cannot run a command', () => {
  // A stand-in sbatch records what it was given (the real one runs in tests/e2e/slurm.test.ts).
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'sbatch'), `#!/bin/bash\nn=$(ls ${bin}/call-* 2>/dev/null | wc -l)\nprintf '%s\\n' "$@" > ${bin}/call-$n\necho $((1000 + n))\n`);
  chmodSync(join(bin, 'sbatch'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const pwned = join(scratch, 'pwned');
  for (const [flag, value] of [['--partition', `debug\ntouch ${pwned}`], ['--time', `1:00\ntouch ${pwned}`]]) {
    const out = join(scratch, 'slurm-refused');
    const r = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--slurm', flag, value, '--out', out], env);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${flag}: expected a Slurm`));
    assert.not.ok(existsSync(out));
  }
  const out = join(scratch, `we'ird 50%\ntouch ${pwned}`);
  const r = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--slurm', '--tasks', '2', '--partition', 'debug', '--time', '00:30:00', '--out', out], env);
  assert.is(r.status, 0, r.stderr);
  const script = readFileSync(join(out, 'slurm', 'array.sbatch'), 'utf8');
  for (const line of script.split('\n').filter((l) => l.startsWith('#SBATCH'))) assert.match(line, /^#SBATCH --(job-name=miglab-sweep|array=0-1|cpus-per-task=1)$/);
  const run = spawnSync('bash', ['-n', join(out, 'slurm', 'array.sbatch')]);
  assert.is(run.status, 0, 'the script parses');
  const call = readFileSync(join(bin, 'call-0'), 'utf8');
  assert.ok(call.includes('--partition=debug\n--time=00:30:00\n'), call);
  assert.ok(call.includes(`--output=${join(scratch, "we'ird 50%%")}\ntouch ${pwned}/slurm/shard-%a.out`), 'the output path as one argument, its % escaped');
  assert.not.ok(existsSync(pwned));
});

test.run();
