import { BOUNDS, boundText } from '../bounds.ts';
import { InputError } from '../input/errors.ts';
import { readInputFile } from '../input/readFile.ts';

/**
 * A recorded dirty-page trace, replayed interval by interval.
 *
 * File format (plain text, UTF-8):
 *   line 1:   `# miglab-dirty-trace v1 interval_seconds=<s> pages=<N>`
 *   other `#` lines: comments, ignored.
 *   each further line: one interval, in time order: the pages written during it, in write order,
 *   as space-separated page numbers or inclusive ranges `a-b` (0 ≤ page < N). An empty line is an
 *   interval with no writes.
 * A bitmap read part-way through an interval sees the first fraction of that interval's list
 * (writes are taken as evenly spread over the interval). After the last interval the guest is idle,
 * or the trace starts again when the scenario says `repeat: true`.
 */
export interface DirtyTrace {
  readonly kind: 'trace';
  intervalSeconds: number;
  totalPages: number;
  /** Page lists per interval, flattened: pages of interval i are pages[offsets[i] .. offsets[i+1]). */
  offsets: Int32Array;
  pages: Int32Array;
  repeat: boolean;
  source: string;
}

export class TraceFormatError extends Error {}

/**
 * Parses a trace. `expectedPages`, when given, is checked against the header before any page list
 * is read. Page writes are bounded (models/bounds.ts tracePageWrites): a short line of ranges can
 * name billions of writes.
 */
export function parseDirtyTrace(text: string, source: string, repeat: boolean, expectedPages?: number): DirtyTrace {
  // Lines are read one at a time (a split would hold every line of a large file at once).
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): string | null => {
    if (pos >= text.length && lineNo > 0) return null;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    return line;
  };
  const header = /^#\s*miglab-dirty-trace\s+v1\b(.*)$/.exec(nextLine() ?? '');
  // The first line is not quoted back: the path may name any file (a key, a password file).
  if (!header) throw new TraceFormatError(`${source}:1: expected header '# miglab-dirty-trace v1 interval_seconds=<s> pages=<N>'; this file's first line is not one (is it a miglab trace?)`);
  const kv = Object.fromEntries([...header[1].matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const intervalSeconds = Number(kv.interval_seconds);
  const totalPages = Number(kv.pages);
  if (!(intervalSeconds > 0 && Number.isFinite(intervalSeconds))) throw new TraceFormatError(`${source}:1: interval_seconds: expected a number > 0, got ${JSON.stringify(kv.interval_seconds ?? null)}`);
  if (!(Number.isInteger(totalPages) && totalPages > 0 && totalPages <= 0x7fffffff)) throw new TraceFormatError(`${source}:1: pages: expected an integer from 1 to 2147483647, got ${JSON.stringify(kv.pages ?? null)}`);
  if (expectedPages !== undefined && totalPages !== expectedPages) throw new TraceFormatError(`${source}:1: trace has pages=${totalPages}, expected the guest's ${expectedPages} pages`);
  // Page writes and interval offsets, 4 bytes each, grown as needed within the bound.
  const maxEntries = BOUNDS.tracePageWrites.value;
  let pages: Int32Array = new Int32Array(1024);
  let offsets: Int32Array = new Int32Array(256);
  let count = 0;
  let intervals = 0;
  const tooMany = (): TraceFormatError => new TraceFormatError(`${source}:${lineNo}: the trace lists more than ${maxEntries.toLocaleString('en-US')} page writes and intervals by this line; ${boundText('tracePageWrites')}`);
  const grow = (a: Int32Array, need: number): Int32Array => {
    const b = new Int32Array(Math.min(maxEntries + 1, Math.max(a.length * 2, need)));
    b.set(a);
    return b;
  };
  for (let raw = nextLine(); raw !== null; raw = nextLine()) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (line) {
      for (const tok of line.split(/\s+/)) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(tok);
        if (!m) throw new TraceFormatError(`${source}:${lineNo}: expected a page number or range a-b, got ${JSON.stringify(tok.slice(0, 40))}`);
        const a = Number(m[1]);
        const b = m[2] === undefined ? a : Number(m[2]);
        if (b < a || b >= totalPages) throw new TraceFormatError(`${source}:${lineNo}: page range ${tok.slice(0, 40)} is outside 0..${totalPages - 1} or reversed`);
        const n = b - a + 1;
        if (count + n + intervals > maxEntries) throw tooMany();
        if (count + n > pages.length) pages = grow(pages, count + n);
        for (let p = a; p <= b; p++) pages[count++] = p;
      }
    }
    if (count + ++intervals > maxEntries) throw tooMany();
    if (intervals + 1 > offsets.length) offsets = grow(offsets, intervals + 1);
    offsets[intervals] = count;
  }
  if (intervals < 1) throw new TraceFormatError(`${source}: expected at least one interval line after the header`);
  return { kind: 'trace', intervalSeconds, totalPages, offsets: offsets.slice(0, intervals + 1), pages: pages.slice(0, count), repeat, source };
}

export function loadDirtyTrace(path: string, repeat: boolean, expectedPages?: number): DirtyTrace {
  let text: string;
  try {
    text = readInputFile(path, 'trace file', 'traceFileBytes');
  } catch (e) {
    if (e instanceof InputError) throw new TraceFormatError(e.message);
    throw e;
  }
  return parseDirtyTrace(text, path, repeat, expectedPages);
}

export function traceIntervals(t: DirtyTrace): number {
  return t.offsets.length - 1;
}

/**
 * Calls `visit(page)` for every page written in [t0, t1) in write order. Partial intervals
 * contribute the matching fraction of their list.
 */
export function forEachTraceWrite(t: DirtyTrace, t0: number, t1: number, visit: (page: number) => void): void {
  if (!(t1 > t0)) return;
  const n = traceIntervals(t);
  const len = t.intervalSeconds;
  const end = t.repeat ? t1 : Math.min(t1, n * len);
  let i = Math.floor(t0 / len);
  for (; i * len < end; i++) {
    const ii = t.repeat ? i % n : i;
    if (ii >= n) break;
    const a = t.offsets[ii];
    const count = t.offsets[ii + 1] - a;
    if (count === 0) continue;
    const start = i * len;
    const fa = Math.max(0, (t0 - start) / len);
    const fb = Math.min(1, (t1 - start) / len);
    const from = Math.floor(fa * count + 1e-9);
    const to = fb >= 1 ? count : Math.floor(fb * count + 1e-9);
    for (let k = from; k < to; k++) visit(t.pages[a + k]);
  }
}
