#!/usr/bin/env node
// The `npm test` wrapper: type-check, run every uvu test file, print `N passed, N failed`.
// uvu's own summary is not recognised by CI and uvu exits 0 when a before/after hook throws,
// so this reads uvu's counts, treats a suite whose hook failed as a failure, and exits non-zero
// on any failure. Plain JS so that it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const uvuBin = join(dirname(require.resolve('uvu')), '..', 'bin.js');
const tscBin = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const filter = process.argv.slice(2);

function listTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let passed = 0, failed = 0, skipped = 0;
const failures = [];

if (!process.env.MIGLAB_SKIP_TSC) {
  const t = spawnSync(process.execPath, [tscBin, '--noEmit', '-p', root], { cwd: root, encoding: 'utf8' });
  process.stdout.write(t.stdout); process.stderr.write(t.stderr);
  if (t.status === 0) { passed++; console.log('typecheck: ok'); }
  else { failed++; failures.push('typecheck (tsc --noEmit)'); }
}

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
for (const file of listTests(join(root, 'tests'))) {
  const rel = relative(root, file);
  if (filter.length && !filter.some((f) => rel.includes(f))) continue;
  // One process per file: a crash in one file cannot hide the others' counts.
  const r = spawnSync(process.execPath, ['--import', 'tsx', uvuBin, dirname(file), `^${file.split('/').pop().replace(/\./g, '\\.')}$`, '--no-color'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 64 << 20 });
  const text = strip((r.stdout ?? '') + (r.stderr ?? ''));
  process.stdout.write(text);
  const total = /Total:\s+(\d+)/.exec(text), pass = /Passed:\s+(\d+)/.exec(text), skip = /Skipped:\s+(\d+)/.exec(text);
  if (!total || !pass) { failed++; failures.push(`${rel}: ended without a summary (exit ${r.status}${r.signal ? ', ' + r.signal : ''})`); continue; }
  const t = Number(total[1]), p = Number(pass[1]);
  passed += p; skipped += skip ? Number(skip[1]) : 0;
  let f = t - p;
  if (f === 0 && (r.status !== 0 || /\bhooked\b|✘/.test(text))) f = 1; // uvu's swallowed hook error
  if (f > 0) { failed += f; failures.push(`${rel}: ${f} failed`); }
}
if (failures.length) console.log('\nFailures:\n  ' + failures.join('\n  '));
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
