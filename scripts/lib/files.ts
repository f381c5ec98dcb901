import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { prepareOutputDir } from './outputDir.ts';

/**
 * Writes a file atomically: to a temporary file in the same folder, then renamed into place. The
 * folder is created if missing (with a clear error where it cannot be); a folder or other
 * non-file at `path` is refused, never replaced.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  prepareOutputDir(dirname(path), 'output');
  let st;
  try { st = lstatSync(path); } catch { st = null; }
  if (st && !st.isFile()) throw new InputError(`${path}: exists and is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; nothing was overwritten`);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** JSON with a trailing newline, two-space indent: stable for identical inputs. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? null : v > 0 ? 'Infinity' : '-Infinity') : v), 2) + '\n';
}
