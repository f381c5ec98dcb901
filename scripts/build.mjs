#!/usr/bin/env node
// `npm run build`: compiles to dist/ (for benchmarks and long sweeps: no tsx start-up, no
// keepNames wrappers) and copies the JSON schemas the code reads at run time.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
mkdirSync(join(root, 'dist', 'scenarios'), { recursive: true });
for (const f of readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.schema.json'))) copyFileSync(join(root, 'scenarios', f), join(root, 'dist', 'scenarios', f));
