import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Issue 13's run-level items: every input that must be refused exits 2 with a message naming the
 * file/flag/field, no stack trace, nothing written — and quickly (a hang is caught by the spawn
 * timeout, which is generous: it detects hangs, it does not time anything).
 */
const scratch = mkdtempSync(join(tmpdir(), 'miglab-reliability-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));
const miglab = (args: string[]) => spawnSync(process.execPath, ['scripts/miglab.mjs', ...args], { encoding: 'utf8', timeout: 120000 });
const S = 'scenarios/stop-and-copy.json';

function refused(args: string[], re: RegExp, outDir?: string): void {
  const before = outDir && existsSync(outDir) ? snapshot(outDir) : null;
  const r = miglab(args);
  assert.is(r.signal, null, `${args.join(' ')}: did not finish (${r.signal})`);
  assert.is(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  assert.match(r.stderr, re, args.join(' '));
  assert.not.match(r.stderr, /\n\s+at /, `${args.join(' ')}: a stack trace\n${r.stderr}`);
  if (outDir) assert.equal(existsSync(outDir) ? snapshot(outDir) : null, before, `${args.join(' ')}: wrote into ${outDir}`);
}

/** Every file under `dir` with its content (folders as '<dir>'). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out[p] = e.isDirectory() ? '<dir>' : e.isFile() ? readFileSync(p, 'utf8') : '<other>';
  }
  return out;
}

test('input files that would hang or exhaust memory are refused at once: devices, FIFOs, folders, deep nesting', () => {
  const fifo = join(scratch, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const out = join(scratch, 'never');
  refused(['run', '/dev/zero', '--out', out], /\/dev\/zero: expected the scenario file to be a regular file, got a device/, out);
  refused(['run', fifo, '--out', out], /fifo: expected the scenario file to be a regular file, got a FIFO/, out);
  refused(['run', scratch, '--out', out], /expected the scenario file to be a regular file, got a folder/, out);
  refused(['sweep', fifo, '--out', out], /fifo: expected the sweep file to be a regular file, got a FIFO/, out);
  refused(['summarize', '/dev/zero'], /\/dev\/zero: expected the CSV file to be a regular file, got a device/);
  refused(['run', 'scenarios/precopy-xen-trace.json', '--set', `workload.file=${fifo}`, '--no-write'], /workload\.file: .*fifo: expected the trace file to be a regular file, got a FIFO/);
  const deep = join(scratch, 'deep.json');
  writeFileSync(deep, '['.repeat(200000) + ']'.repeat(200000));
  refused(['run', deep, '--out', out], /deep\.json: .*nested more than 64 levels deep; miglab's bound .*jsonDepth/, out);
  refused(['run', S, '--set', `vm.memoryMiB=${'['.repeat(100)}${']'.repeat(100)}`, '--no-write'], /--set vm\.memoryMiB: nested more than 64 levels deep/);
  assert.not.ok(existsSync(out));
});

test('seeds are decimal digits; --set cannot reach a prototype', () => {
  for (const seed of ['', ' ', '0x10', '1e3', '-1', '1.5', '4294967296']) refused(['run', S, `--seed=${seed}`, '--no-write'], /--seed: expected a whole number/);
  refused(['run', S, '--set', '__proto__.x=1', '--no-write'], /--set __proto__\.x=1: "__proto__" is not a scenario field/);
  refused(['run', S, '--set', 'vm.constructor.prototype=1', '--no-write'], /"constructor" is not a scenario field/);
  assert.is(miglab(['run', S, '--seed', '0010', '--no-write', '--json']).status, 0);
});

test('--out: a file, a path under a file, a dangling link, /proc, a summary.json that is a folder or not miglab\'s — each refused, nothing written', () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, 'mine\n');
  refused(['run', S, '--out', file], /--out .*a-file: .*a-file is a file, not a folder; nothing was written/);
  refused(['run', S, '--out', join(file, 'x')], /a-file is a file, not a folder/);
  const dangling = join(scratch, 'dangling');
  symlinkSync(join(scratch, 'nowhere'), dangling);
  refused(['run', S, '--out', dangling], /dangling is a symbolic link to something that does not exist/);
  refused(['run', S, '--out', '/proc/miglab-x'], /--out \/proc\/miglab-x: cannot create the folder \/proc\/miglab-x/);
  const dirSummary = join(scratch, 'dir-summary');
  mkdirSync(join(dirSummary, 'summary.json'), { recursive: true });
  refused(['run', S, '--out', dirSummary], /summary\.json: exists and is a folder, where miglab writes its run summary/, dirSummary);
  const foreign = join(scratch, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'summary.json'), '{"mine": true}\n');
  writeFileSync(join(foreign, 'rounds.csv'), 'a,b\n1,2\n');
  refused(['run', S, '--out', foreign], /summary\.json: exists and was not written by miglab/, foreign);
  writeFileSync(join(foreign, 'summary.json'), '{"tool": "miglab"}\n');
  refused(['run', S, '--out', foreign], /rounds\.csv: exists and was not written by miglab/, foreign);
  // miglab's own results are replaced, and a checkpoints.csv of an earlier run goes with them.
  const own = join(scratch, 'own');
  assert.is(miglab(['run', 'scenarios/cow-checkpoint-desktop.json', '--set', 'fidelity="fluid"', '--out', own]).status, 0);
  assert.ok(existsSync(join(own, 'checkpoints.csv')));
  const again = miglab(['run', S, '--out', own]);
  assert.is(again.status, 0, again.stderr);
  assert.equal(readdirSync(own).sort(), ['rounds.csv', 'summary.json']);
  assert.is(JSON.parse(readFileSync(join(own, 'summary.json'), 'utf8')).scenarioName, 'stop-and-copy');
});

test('runs that would not end or not fit are refused up front, or stopped at a stated bound', () => {
  const nc = 'scenarios/precopy-qemu-nonconverging.json';
  refused(['run', nc, '--set', 'limits.maxTimeSeconds=1e308', '--no-write'], /limits\.maxTimeSeconds: expected a number <= 10000000/);
  // Within the schema, a non-converging run keeps rounds until its bound, and says which.
  refused(['run', nc, '--set', 'limits.maxTimeSeconds=1e7', '--no-write'], /precopy-qemu-nonconverging: the run recorded more than 1,000,000 rounds; miglab's bound .*roundsPerRun.*lower limits\.maxTimeSeconds/);
  refused(['run', 'scenarios/precopy-qemu-phases.json', '--set', 'workload.phases=[{"durationSeconds":1e-300,"workload":{"type":"idle"}},{"durationSeconds":1e-300,"workload":{"type":"idle"}}]', '--no-write'],
    /workload\.phases: a 2e-300 s cycle of 2 phases .*workloadStepsPerRun/);
  const cp = 'scenarios/cow-checkpoint-desktop.json';
  refused(['run', cp, '--set', 'checkpoint.intervalSeconds=1e-9', '--no-write'], /checkpoint\.intervalSeconds: expected a number >= 0\.001/);
  refused(['run', cp, '--set', 'checkpoint.intervalSeconds=0.001', '--set', 'fidelity="fluid"', '--no-write'], /900,001 checkpoints; miglab's bound .*checkpointsPerRun/);
  refused(['run', cp, '--set', 'checkpoint.intervalSeconds=0.01', '--no-write'], /at page level; miglab's bound .*checkpointPageScans.*fidelity "fluid"/);
  refused(['run', 'scenarios/precopy-xen-zipf-concurrent.json', '--set', 'concurrentMigrations=4096', '--no-write'], /concurrentMigrations: expected a number <= 1024/);
  refused(['run', 'scenarios/precopy-qemu-phases.json', '--set', 'vm.memoryMiB=16777216', '--no-write'], /fidelity: "page" for 1 guest\(s\) of 4,294,967,296 pages .*pageLevelPages.*use fidelity "fluid"/);
  const phases = join(scratch, 'many-phases.json');
  writeFileSync(phases, JSON.stringify({ name: 'many-phases', vm: { memoryMiB: 1024 }, network: { bandwidthBitsPerSecond: 1e9 }, migration: { algorithm: 'precopy', policy: 'xen' },
    workload: { type: 'phases', repeat: true, phases: Array.from({ length: 20000 }, (_, i) => ({ durationSeconds: 1, workload: { type: 'uniform', writesPerSecond: 100, workingSetMiB: 1, offsetMiB: i * 0.05 } })) } }));
  refused(['run', phases, '--no-write'], /many-phases: workload: 20,000 phases over 20,020 memory segments .*workloadCells/);
  // The schema's maxima run: 1,024 guests, and 1e7 s of a non-converging guest without rows kept.
  const fleet = miglab(['run', 'scenarios/precopy-xen-zipf-concurrent.json', '--set', 'concurrentMigrations=1024', '--no-write', '--json']);
  assert.is(fleet.status, 0, fleet.stderr);
});

test('traces: a short file naming 2^28 pages, a file that is not a trace (its first line is not echoed), a trace that does not fit the guest', () => {
  const big = join(scratch, 'big.trace');
  writeFileSync(big, '# miglab-dirty-trace v1 interval_seconds=1 pages=268435456\n0-268435455\n');
  const t = 'scenarios/precopy-xen-trace.json';
  refused(['run', t, '--set', `workload.file=${big}`, '--set', 'vm.memoryMiB=1048576', '--no-write'], /big\.trace:2: the trace lists more than 67,108,864 page writes .*tracePageWrites/);
  refused(['run', t, '--set', `workload.file=${big}`, '--no-write'], /big\.trace:1: trace has pages=268435456, expected the guest's \d+ pages/);
  const secret = join(scratch, 'secret');
  writeFileSync(secret, 'root:SECRET-HASH:19000:0:99999:7:::\n');
  const r = miglab(['run', t, '--set', `workload.file=${secret}`, '--no-write']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /secret:1: expected header '# miglab-dirty-trace v1 .*'; this file's first line is not one/);
  assert.not.match(r.stderr, /SECRET-HASH/);
});

test('killed at any moment, run never leaves rounds.csv beside a summary.json of another run, nor a summary.json without its rounds', async () => {
  const out = join(scratch, 'killed');
  // A long rounds.csv (a non-converging guest for a simulated day) makes the write take a while.
  const args = ['scripts/miglab.mjs', 'run', 'scenarios/precopy-qemu-nonconverging.json', '--set', 'limits.maxTimeSeconds=500000', '--out', out];
  assert.is(spawnSync(process.execPath, args).status, 0);
  const complete = (): { rounds: number; summaryRounds: number } => ({
    rounds: readFileSync(join(out, 'rounds.csv'), 'utf8').trim().split('\n').length - 1,
    summaryRounds: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rounds,
  });
  const first = complete();
  assert.is(first.rounds, first.summaryRounds);
  let kills = 0;
  for (const delayMs of [150, 300, 450, 600, 750, 900, 1100, 1300]) {
    // Each run a little longer than the last, so every complete result has its own number of rounds.
    const child = spawn(process.execPath, [...args, '--set', `limits.maxTimeSeconds=${500000 + delayMs * 100}`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, delayMs));
    if (child.exitCode === null) { child.kill('SIGKILL'); kills++; }
    await new Promise((r) => child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r));
    if (existsSync(join(out, 'summary.json'))) {
      const c = complete();
      assert.is(c.rounds, c.summaryRounds, `after a kill at ${delayMs} ms: rounds.csv and summary.json belong to different runs`);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      const firstRow = readFileSync(join(out, 'rounds.csv'), 'utf8').split('\n')[1];
      assert.ok(firstRow.length > 0 && summary.tool === 'miglab');
    }
  }
  assert.ok(kills > 0, 'at least one run was killed part-way');
  // The next run cleans up and completes.
  assert.is(spawnSync(process.execPath, args).status, 0);
  assert.equal(readdirSync(out).filter((f) => f.startsWith('.')), []);
});

test.run();
