// Compiled JavaScript for the `miglab` command and `npm run build`. Plain JS: it runs before
// anything is compiled.
//
// Why: tsx compiles each module with esbuild's keepNames, which wraps every function and closure
// created (a call and a defineProperty each time), and that makes simulation runs ≈ 1.5× slower
// than plain JavaScript (a 200,000-run fluid sweep: 5.5 s under tsx, 3.7 s compiled). So `miglab`
// runs the CLI compiled by tsc into .cache/miglab/build-<hash>/, where <hash> covers every file
// that goes into the build: compiled once per version of the sources (≈ 0.6 s with TypeScript 7),
// in a temporary folder renamed into place, so that concurrent starts (Slurm shards, parallel
// tests) never see half a build. With no TypeScript compiler (a production install), a folder it
// cannot write, a compiler error, or MIGLAB_FROM_SOURCE=1, the CLI runs from the sources through tsx.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['sim', 'models', 'real', 'scripts'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];
const CACHE = join(root, '.cache', 'miglab');
const KEEP_OLD_BUILDS_DAYS = 7;

function tscPath() {
  return join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
}

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

/** The JSON schemas the code reads at run time (scenarios/*.schema.json). */
function schemaFiles() {
  return readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.schema.json')).sort().map((f) => join(root, 'scenarios', f));
}

const sourceFiles = () => SOURCE_DIRS.flatMap((d) => files(join(root, d)));

/** Files the build is made of, besides the compiler: the sources, the schemas, the tsconfigs. */
function inputs() {
  return [...sourceFiles(), ...schemaFiles(), ...CONFIG_FILES.map((f) => join(root, f))];
}

/** sha256 of the compiler's version and every input's path and content. */
export function sourcesHash() {
  const h = createHash('sha256');
  h.update(`typescript ${JSON.parse(readFileSync(join(dirname(tscPath()), '..', 'package.json'), 'utf8')).version}\n`);
  for (const f of inputs()) {
    h.update(`${relative(root, f)}\n`);
    h.update(readFileSync(f));
    h.update('\n');
  }
  return h.digest('hex');
}

/**
 * Compiles the sources into `outDir` (tsconfig.build.json) and copies every other file of the
 * source folders (guest programs, testbed scripts) and the JSON schemas, so that the compiled code
 * finds what it reads beside itself as the sources do. Returns tsc's exit status.
 */
export function buildInto(outDir, { sourceMap = false, quiet = false } = {}) {
  const args = [tscPath(), '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir, ...(sourceMap ? ['--sourceMap'] : [])];
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: quiet ? 'ignore' : 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  const beside = [...schemaFiles(), ...sourceFiles().filter((f) => !/\.(d\.)?[mc]?ts$/.test(f))];
  for (const f of beside) cpSync(f, join(outDir, relative(root, f)), { preserveTimestamps: true });
  return 0;
}

/** URL of the compiled CLI for the current sources (compiling them if needed), or null. */
export function compiledCliUrl() {
  if (process.env.MIGLAB_FROM_SOURCE) return null;
  try {
    const dir = join(CACHE, `build-${sourcesHash().slice(0, 24)}`);
    const cli = join(dir, 'scripts', 'cli.js');
    if (!existsSync(cli)) {
      mkdirSync(CACHE, { recursive: true });
      const tmp = join(CACHE, `tmp-${process.pid}-${Date.now()}`);
      if (buildInto(tmp, { sourceMap: true, quiet: true }) !== 0) { rmSync(tmp, { recursive: true, force: true }); return null; }
      try {
        renameSync(tmp, dir);
      } catch {
        rmSync(tmp, { recursive: true, force: true }); // another process built the same sources first
      }
      pruneOldBuilds(dir);
    }
    if (!existsSync(cli)) return null;
    const now = new Date();
    utimesSync(dir, now, now); // in use: keeps it from being pruned
    return pathToFileURL(cli).href;
  } catch {
    return null;
  }
}

/** Removes builds (and abandoned temporary folders) not used for a week. */
function pruneOldBuilds(keep) {
  const cutoff = Date.now() - KEEP_OLD_BUILDS_DAYS * 86400e3;
  for (const name of readdirSync(CACHE)) {
    const p = join(CACHE, name);
    if (p !== keep && statSync(p).mtimeMs < cutoff) rmSync(p, { recursive: true, force: true });
  }
}
