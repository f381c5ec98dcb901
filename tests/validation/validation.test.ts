import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** npm run validation re-predicts every committed real run from its nominal inputs, without a testbed. */
test('npm run validation: every committed QEMU run re-predicted, table and plots written', () => {
  const out = mkdtempSync(join(tmpdir(), 'miglab-validation-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/validation.ts', '--out', out], { encoding: 'utf8', timeout: 300000 });
    assert.is(r.status, 0, r.stderr);
    const csv = readFileSync(join(out, 'errors.csv'), 'utf8').trim().split('\n');
    const runs = new Set(csv.slice(1).map((l) => l.split(',').slice(0, 2).join('/')));
    assert.ok(runs.size >= 40, `${runs.size} runs`);
    const table = readFileSync(join(out, 'README.md'), 'utf8');
    assert.match(table, /\| totalTimeSeconds \| \d+ \| [\d.]+ % \|/);
    // QEMU's convergence features (issue 14): a row per feature, and the figure of the remedies.
    for (const feature of ['auto-converge', 'XBZRLE', 'multifd, zstd', 'post-copy (after pre-copy)', 'plain pre-copy (control)']) assert.match(table, new RegExp(`^\\| ${feature.replace(/[()]/g, '\\$&')} \\| \\d+ \\|`, 'm'), feature);
    // The held-out set (predicted before its replay) is tabled on its own, with its 12 runs.
    assert.match(table, /^## QEMU 10 \(policy qemu\), held out: .*: 12 runs \(qemu-validation-holdout\)$/m);
    assert.ok(existsSync('results/validation/qemu-validation-holdout/predicted-before.csv'));
    for (const f of ['predicted-vs-measured.png', 'error-cdf.png', 'qemu-features.png']) assert.ok(existsSync(join(out, f)), f);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
