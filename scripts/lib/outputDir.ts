import { systemErrorText } from '../../models/input/readFile.ts';
import { accessSync, closeSync, constants, lstatSync, mkdirSync, openSync, readSync, rmdirSync, statSync } from 'node:fs';
import { parse, resolve, sep } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { readInputFile } from '../../models/input/readFile.ts';

/**
 * Makes sure `dir` is a folder miglab can write into, creating the missing part one level at a
 * time so that every problem gets its own clear message (a file or a dangling symbolic link on the
 * way, a read-only or virtual file system such as /proc, where a recursive mkdir can even spin).
 * `flag` names where the folder came from (`--out`, or the default).
 */
export function prepareOutputDir(dir: string, flag: string): string {
  return prepareOutputDirTracked(dir, flag).path;
}

/** As prepareOutputDir, and says which folders it created (for `removeIfEmpty` when refusing). */
export function prepareOutputDirTracked(dir: string, flag: string): { path: string; created: string[] } {
  const created: string[] = [];
  const full = resolve(dir);
  const root = parse(full).root;
  const parts = full.slice(root.length).split(sep).filter(Boolean);
  let path = root;
  for (const part of parts) {
    path = path === root ? root + part : path + sep + part;
    let kind: 'missing' | 'folder' | 'other' | 'dangling';
    try {
      const l = lstatSync(path);
      if (l.isDirectory()) kind = 'folder';
      else if (l.isSymbolicLink()) {
        try { kind = statSync(path).isDirectory() ? 'folder' : 'other'; } catch { kind = 'dangling'; }
      } else kind = 'other';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(`${flag} ${dir}: cannot use ${path} (${systemErrorText(e)})`);
      kind = 'missing';
    }
    if (kind === 'other') throw new InputError(`${flag} ${dir}: ${path} is a file, not a folder; nothing was written`);
    if (kind === 'dangling') throw new InputError(`${flag} ${dir}: ${path} is a symbolic link to something that does not exist; nothing was written`);
    if (kind === 'missing') {
      try {
        mkdirSync(path);
        created.push(path);
      } catch (e) {
        throw new InputError(`${flag} ${dir}: cannot create the folder ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
    }
  }
  try {
    accessSync(full, constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${dir}: the folder is not writable; nothing was written`);
  }
  return { path: full, created };
}

/** Removes folders this process created, innermost first, where they are still empty. */
export function removeIfEmpty(created: string[]): void {
  for (const dir of [...created].reverse()) {
    try { rmdirSync(dir); } catch { return; }
  }
}

/**
 * Checks that an output file miglab is about to replace is absent, or a regular file that miglab
 * wrote (`ours` looks at its text). Nothing miglab did not write is ever overwritten.
 */
export function checkReplaceable(path: string, ours: (path: string) => boolean, what: string, advice = 'use --out for another folder'): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // absent
  }
  if (!st.isFile()) throw new InputError(`${path}: exists and is ${st.isDirectory() ? 'a folder' : st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}, where miglab writes its ${what}; nothing was overwritten: ${advice}`);
  if (!ours(path)) throw new InputError(`${path}: exists and was not written by miglab (not a miglab ${what}); nothing was overwritten: ${advice}`);
}

/** A JSON file miglab wrote: an object with `"tool": "miglab"`. */
export function isMiglabJson(path: string): boolean {
  try {
    const v = JSON.parse(readInputFile(path, 'JSON file', 'inputFileBytes')) as { tool?: unknown };
    return typeof v === 'object' && v !== null && v.tool === 'miglab';
  } catch {
    return false;
  }
}

/** A CSV miglab wrote: its first line is exactly `header`. */
export function hasHeader(header: readonly string[]): (path: string) => boolean {
  const line = header.join(',') + '\n';
  return (path) => hasHeaderStart(path, line);
}

/** Whether the file at `path` starts with `text`. */
export function hasHeaderStart(path: string, text: string): boolean {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(Buffer.byteLength(text));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n) === text;
  } finally {
    closeSync(fd);
  }
}
