/**
 * Reads what the migration meter recorded on the source host during `xl migrate`:
 *
 *  - the stream tap's log (real/xen/guest/xen-tap.c): one line per libxenguest record with its
 *    time; PAGE_DATA records with their pfn count, pages carried and first/last pfn;
 *  - pv's numeric output (`pv -n -b -t -i 0.1`): "<elapsed seconds> <bytes so far>" lines, the
 *    byte time series of the rate-capped stream.
 *
 * Passes: libxenguest sends each pass's pfns in ascending order (send_dirty_pages walks the dirty
 * bitmap), so a PAGE_DATA record whose first pfn is not above the last pfn of the record before
 * begins a new pass. The last pass is the stop-and-copy: send_memory_live() ends with live passes,
 * suspend_and_send_dirty() sends the pages dirtied since the last bitmap read with the guest
 * suspended, then the vCPU state and END. (A guest that dirtied nothing between the last read and
 * the suspend would send no PAGE_DATA after it, and its last live pass would be taken for the
 * stop-and-copy; a running guest's kernel always dirties some pages.)
 */
export interface TapRecord { kind: 'page' | 'rec' | 'end'; atSeconds: number; offset: number; type: number; pfns: number; pages: number; firstPfn: number; lastPfn: number; length: number }

export interface StreamPass {
  pass: number;
  startSeconds: number;
  /** Start of the next pass's first record, or of the first non-page record after it. */
  endSeconds: number;
  pages: number;
  /** Stream octets from this pass's first record to the next pass's (records and page data). */
  bytes: number;
  records: number;
}

export interface TapLog {
  records: TapRecord[];
  /** Seconds from the stream's first octet (xl's preamble) to the libxenguest image header. */
  imageHeaderSeconds: number | null;
  imageHeaderOffset: number | null;
  endSeconds: number | null;
  endOffset: number | null;
  eofSeconds: number | null;
  totalBytes: number | null;
  errors: string[];
}

export function parseTapLog(text: string): TapLog {
  const log: TapLog = { records: [], imageHeaderSeconds: null, imageHeaderOffset: null, endSeconds: null, endOffset: null, eofSeconds: null, totalBytes: null, errors: [] };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const n = f.slice(1).map(Number);
    switch (f[0]) {
      case 'ihdr': log.imageHeaderSeconds = n[0]; log.imageHeaderOffset = n[1]; break;
      case 'page': log.records.push({ kind: 'page', atSeconds: n[0], offset: n[1], type: 1, pfns: n[2], pages: n[3], firstPfn: n[4], lastPfn: n[5], length: 0 }); break;
      case 'rec': log.records.push({ kind: 'rec', atSeconds: n[0], offset: n[1], type: n[2], pfns: 0, pages: 0, firstPfn: -1, lastPfn: -1, length: n[3] }); break;
      case 'end': log.endSeconds = n[0]; log.endOffset = n[1]; log.records.push({ kind: 'end', atSeconds: n[0], offset: n[1], type: 0, pfns: 0, pages: 0, firstPfn: -1, lastPfn: -1, length: 0 }); break;
      case 'eof': log.eofSeconds = n[0]; log.totalBytes = n[1]; break;
      case 'error': log.errors.push(f.slice(2).join(' ')); break;
      default: break;
    }
  }
  return log;
}

/** The passes of Xen's pre-copy in a tap log (see above). */
export function passesOf(log: TapLog): StreamPass[] {
  const passes: StreamPass[] = [];
  let lastPfn = Infinity;
  let current: StreamPass | null = null;
  const close = (r: TapRecord): void => {
    if (current) { current.endSeconds = r.atSeconds; current.bytes = r.offset - startOffset; passes.push(current); current = null; }
  };
  let startOffset = 0;
  for (const r of log.records) {
    if (r.kind !== 'page') {
      // Records between passes (vCPU state, shared info, END) close the pass before them.
      if (current && r.kind === 'end') close(r);
      else if (current && (r.type === 4 || r.type === 7 || r.type === 8 || r.type === 12)) close(r);
      continue;
    }
    if (current === null || r.firstPfn <= lastPfn) {
      if (current) close(r);
      current = { pass: passes.length + 1, startSeconds: r.atSeconds, endSeconds: r.atSeconds, pages: 0, bytes: 0, records: 0 };
      startOffset = r.offset;
    }
    current.pages += r.pages;
    current.records++;
    lastPfn = r.lastPfn >= 0 ? r.lastPfn : r.firstPfn;
  }
  if (current) {
    const c = current as StreamPass;
    c.endSeconds = log.eofSeconds ?? c.startSeconds;
    c.bytes = (log.totalBytes ?? startOffset) - startOffset;
    passes.push(c);
  }
  return passes;
}

export interface ByteSample { seconds: number; bytes: number }

/** pv's `-n -b -t` lines: "<elapsed seconds> <bytes so far>". */
export function parsePvLog(text: string): ByteSample[] {
  const out: ByteSample[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([\d.]+)\s+(\d+)\s*$/.exec(line);
    if (m) out.push({ seconds: Number(m[1]), bytes: Number(m[2]) });
  }
  return out;
}
