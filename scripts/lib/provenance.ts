import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The miglab checkout: the nearest folder above this file with miglab's package.json (works from dist/ too). */
function findRoot(): URL {
  let dir = new URL('./', import.meta.url);
  for (;;) {
    const pkg = new URL('package.json', dir);
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'miglab') return dir;
    const up = new URL('../', dir);
    if (up.href === dir.href) return new URL('../../', import.meta.url);
    dir = up;
  }
}
/** The miglab checkout's folder (a URL ending in /). */
export const projectRoot: URL = findRoot();

export function miglabVersion(): string {
  return (JSON.parse(readFileSync(new URL('package.json', projectRoot), 'utf8')) as { version: string }).version;
}

/** The git commit of the miglab checkout (with "-dirty" when it has uncommitted changes), or null. */
export function gitCommit(): string | null {
  try {
    const cwd = new URL('.', projectRoot).pathname;
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
