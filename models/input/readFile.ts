import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { BOUNDS, boundText, type BoundName } from '../bounds.ts';
import { InputError } from './errors.ts';

/** A file-system error in words ("no such file", not ENOENT). */
export function systemErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const words: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'not permitted', EISDIR: 'it is a folder', ENOTDIR: 'a part of the path is not a folder', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'the name is too long', EMFILE: 'too many open files', ENXIO: 'no such device or address' };
  return code && words[code] ? words[code] : code ?? String(e);
}

/**
 * Reads a user's input file, refusing up front what would hang or exhaust memory: a FIFO or
 * device (`/dev/zero`, a pipe: opened non-blocking, so a FIFO with no writer cannot hang the open),
 * a folder, or a file above its size bound. `what` names the file's role in messages
 * ("scenario file", "trace file", …).
 */
export function readInputFile(path: string, what: string, bound: BoundName): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(`${path}: cannot read the ${what}: ${systemErrorText(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${path}: expected the ${what} to be a regular file, got ${st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'something else'}`);
    const max = BOUNDS[bound].value;
    if (st.size > max) throw new InputError(`${path}: the ${what} is ${st.size.toLocaleString('en-US')} bytes; ${boundText(bound)}`);
    // Read to the end but never past max + 1 bytes: a file larger than it says (one that grows while
    // being read, or a virtual file whose size reads 0) is still read whole or caught.
    let buf = Buffer.allocUnsafe(Math.min(max + 1, st.size + 65536));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (buf.length > max) break;
        const bigger = Buffer.allocUnsafe(Math.min(max + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    if (got > max) throw new InputError(`${path}: the ${what} is larger than ${max.toLocaleString('en-US')} bytes; ${boundText(bound)}`);
    return buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

/** The deepest nesting of arrays and objects in a parsed JSON value, counted without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (d > BOUNDS.jsonDepth.value) return d; // deep enough to refuse: stop counting
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
  }
  return max;
}

/** Reads and parses a JSON input file within its bounds (size, nesting depth). */
export function readJsonInput(path: string, what: string): unknown {
  const text = readInputFile(path, what, 'inputFileBytes');
  return parseJsonInput(text, path);
}

/** Parses JSON text from `source`, refusing invalid JSON and nesting beyond the bound. */
export function parseJsonInput(text: string, source: string): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const message = e instanceof RangeError ? 'nested too deeply to parse' : (e as Error).message;
    throw new InputError(`${source}: not valid JSON (${message})`);
  }
  const depth = jsonDepth(raw);
  if (depth > BOUNDS.jsonDepth.value) throw new InputError(`${source}: nested more than ${BOUNDS.jsonDepth.value} levels deep; ${boundText('jsonDepth')}`);
  return raw;
}
