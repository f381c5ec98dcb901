import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * End to end on a real single-node Slurm (munge, slurmctld, slurmd on localhost), installed and
 * started by scripts/testbeds/slurm-local.sh and always stopped afterwards. Set MIGLAB_SKIP_E2E=1
 * to skip on a machine where Slurm cannot be installed (no root / no apt).
 */
const skip = process.env.MIGLAB_SKIP_E2E === '1';
const scratch = mkdtempSync(join(tmpdir(), 'miglab-slurm-test-'));
chmodSync(scratch, 0o755); // munged runs as user munge and must reach its socket folder
const env = { ...process.env, MIGLAB_SLURM_DIR: join(scratch, 'cluster'), SLURM_CONF: join(scratch, 'cluster', 'slurm.conf') };
const testbed = (cmd: string) => spawnSync('bash', ['scripts/testbeds/slurm-local.sh', cmd], { encoding: 'utf8', env });
const miglab = (args: string[]) => spawnSync(process.execPath, ['scripts/miglab.mjs', ...args], { encoding: 'utf8', env });

test.after(() => {
  if (!skip) testbed('stop');
  rmSync(scratch, { recursive: true, force: true });
});

(skip ? test.skip : test)('sweep --slurm: job array + afterok merge job give the local CSV byte for byte', async () => {
  const started = testbed('start');
  assert.is(started.status, 0, `could not start Slurm: ${started.stderr}${started.stdout}`);
  // A path with a space, a quote and a %: quoted in the script, passed to sbatch as one argument.
  const out = join(scratch, "slurm run's 50%"), local = join(scratch, 'local-run');
  const sub = miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--slurm', '--tasks', '4', '--out', out]);
  assert.is(sub.status, 0, sub.stderr);
  assert.match(sub.stdout, /submitted job array \d+ \(4 shards\) and merge job \d+ \(afterok\)/);
  assert.is(miglab(['sweep', 'tests/fixtures/sweeps/small.json', '--out', local, '--quiet']).status, 0);
  const deadline = Date.now() + 180000;
  // The merge job renames runs.csv into place and only then logs its line: wait for both, or the
  // log is read before the job has written it (a race CI lost once).
  const mergeLog = join(out, 'slurm', 'merge.out');
  const mergeLogged = () => existsSync(mergeLog) && /merged \d+ shards/.test(readFileSync(mergeLog, 'utf8'));
  while (!(existsSync(join(out, 'runs.csv')) && mergeLogged()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  assert.ok(existsSync(join(out, 'runs.csv')), `merge job did not finish; slurm logs: ${readFileSync(join(env.MIGLAB_SLURM_DIR, 'slurmctld.log'), 'utf8').slice(-2000)}`);
  // Never trust the job state alone (cgroup failures report COMPLETED): check every shard's output.
  for (let i = 0; i < 4; i++) assert.ok(existsSync(join(out, `runs.shard-${i}-of-4.csv`)), `shard ${i}`);
  assert.ok(readFileSync(join(out, 'runs.csv')).equals(readFileSync(join(local, 'runs.csv'))));
  assert.match(readFileSync(mergeLog, 'utf8'), /merged 4 shards/);
});

test.run();
