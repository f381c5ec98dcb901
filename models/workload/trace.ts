import { readFileSync } from 'node:fs';

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

export function parseDirtyTrace(text: string, source: string, repeat: boolean): DirtyTrace {
  const lines = text.split(/\r?\n/);
  const header = /^#\s*miglab-dirty-trace\s+v1\b(.*)$/.exec(lines[0] ?? '');
  if (!header) throw new TraceFormatError(`${source}:1: expected header '# miglab-dirty-trace v1 interval_seconds=<s> pages=<N>', got ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
  const kv = Object.fromEntries([...header[1].matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const intervalSeconds = Number(kv.interval_seconds);
  const totalPages = Number(kv.pages);
  if (!(intervalSeconds > 0)) throw new TraceFormatError(`${source}:1: interval_seconds: expected a number > 0, got ${JSON.stringify(kv.interval_seconds ?? null)}`);
  if (!(Number.isInteger(totalPages) && totalPages > 0)) throw new TraceFormatError(`${source}:1: pages: expected an integer > 0, got ${JSON.stringify(kv.pages ?? null)}`);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const offsets: number[] = [0];
  const pages: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith('#')) continue;
    if (line) {
      for (const tok of line.split(/\s+/)) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(tok);
        if (!m) throw new TraceFormatError(`${source}:${i + 1}: expected a page number or range a-b, got ${JSON.stringify(tok)}`);
        const a = Number(m[1]);
        const b = m[2] === undefined ? a : Number(m[2]);
        if (b < a || b >= totalPages) throw new TraceFormatError(`${source}:${i + 1}: page range ${tok} is outside 0..${totalPages - 1} or reversed`);
        for (let p = a; p <= b; p++) pages.push(p);
      }
    }
    offsets.push(pages.length);
  }
  if (offsets.length < 2) throw new TraceFormatError(`${source}: expected at least one interval line after the header`);
  return { kind: 'trace', intervalSeconds, totalPages, offsets: Int32Array.from(offsets), pages: Int32Array.from(pages), repeat, source };
}

export function loadDirtyTrace(path: string, repeat: boolean): DirtyTrace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TraceFormatError(`${path}: cannot read the trace file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return parseDirtyTrace(text, path, repeat);
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
