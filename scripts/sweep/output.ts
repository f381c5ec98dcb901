import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, truncateSync, createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../../models/input/errors.ts';
import { toJson, writeFileAtomic } from '../lib/files.ts';

/**
 * The CSV of a sweep (or of one shard), written as a stream in run order to `<name>.partial` and
 * renamed when complete. A metadata file beside it names the sweep (file hash) so that a rerun
 * continues a half-written CSV of the same sweep — after cutting a torn last line — and refuses
 * one from another sweep without touching it.
 */
export interface SweepMeta {
  tool: 'miglab';
  miglabVersion: string;
  gitCommit: string | null;
  nodeVersion: string;
  sweepFile: string;
  sweepHash: string;
  header: string[];
  totalRuns: number;
  shard: { index: number; count: number; fromRun: number; toRun: number } | null;
  startedAt: string;
  finishedAt: string | null;
  status: 'running' | 'complete';
  rows: number;
}

export interface OutputPaths { csv: string; partial: string; meta: string }

export function outputPaths(dir: string, shard: { index: number; count: number } | null): OutputPaths {
  const stem = shard ? `runs.shard-${shard.index}-of-${shard.count}` : 'runs';
  const csv = join(dir, `${stem}.csv`);
  return { csv, partial: `${csv}.partial`, meta: join(dir, shard ? `sweep.shard-${shard.index}-of-${shard.count}.json` : 'sweep.json') };
}

function readMeta(path: string): SweepMeta | null {
  if (!existsSync(path)) return null;
  try { return JSON.parse(readFileSync(path, 'utf8')) as SweepMeta; } catch { return null; }
}

/** Counts complete lines and cuts a torn last line (a run killed mid-write). */
function completeRows(path: string): number {
  const buf = readFileSync(path);
  let end = buf.lastIndexOf(0x0a) + 1;
  if (end < buf.length) truncateSync(path, end);
  let lines = 0;
  for (let i = 0; i < end; i++) if (buf[i] === 0x0a) lines++;
  return Math.max(0, lines - 1); // minus the header
}

export type OutputState = { kind: 'complete'; meta: SweepMeta } | { kind: 'start'; resumeFromRow: number; meta: SweepMeta };

/** Decides whether to start, resume or stop, and checks that existing files belong to this sweep. */
export function openOutput(paths: OutputPaths, meta: SweepMeta, force: boolean): OutputState {
  const existing = readMeta(paths.meta);
  const sameSweep = existing !== null && existing.sweepHash === meta.sweepHash && JSON.stringify(existing.shard) === JSON.stringify(meta.shard);
  const same = sameSweep && JSON.stringify(existing!.header) === JSON.stringify(meta.header);
  // Whose results the folder holds, when they are not this sweep's with these columns.
  const whose = (): string => {
    if (!existing) return 'an unknown sweep (no metadata)';
    if (!sameSweep) return `another sweep (${existing.sweepFile}, hash ${existing.sweepHash.slice(0, 12)})`;
    const added = meta.header.filter((c) => !existing.header.includes(c));
    return `this sweep with other columns (written by another miglab version${added.length ? `; this one also writes ${added.join(', ')}` : ''})`;
  };
  if (existsSync(paths.csv) && !force) {
    if (same && existing!.status === 'complete') return { kind: 'complete', meta: existing! };
    throw new InputError(`${paths.csv}: already holds the results of ${whose()}; nothing was overwritten. Use --out for another folder, or --force to replace it.`);
  }
  if (existsSync(paths.partial) && !force) {
    if (!same) throw new InputError(`${paths.partial}: is a half-written CSV of ${whose()}; nothing was overwritten. Use --out for another folder, or --force to start over.`);
    const rows = statSync(paths.partial).size > 0 ? completeRows(paths.partial) : 0;
    return { kind: 'start', resumeFromRow: rows, meta: { ...meta, startedAt: existing!.startedAt } };
  }
  return { kind: 'start', resumeFromRow: 0, meta };
}

/** A cell that csv-stringify (default options) writes as it is: no delimiter, quote or line break. */
const NEEDS_QUOTING = /[,"\r\n]/;

/**
 * CSV text of rows (no header), byte for byte what csv-stringify writes (tests/sweep/csv.test.ts);
 * lanes format their own chunks with it. A row of plain cells (numbers, names: nearly every sweep
 * row) is joined directly, since csv-stringify would write each cell unchanged anyway but spends
 * ≈ 0.5 µs and 400 bytes of garbage per cell finding that out (≈ 10 % of a fluid run); csv-stringify
 * formats every row with a cell to quote.
 */
export function rowsToCsv(rows: string[][]): string {
  let text = '';
  for (const row of rows) {
    let plain = true;
    for (let i = 0; i < row.length && plain; i++) plain = !NEEDS_QUOTING.test(row[i]);
    text += plain ? row.join(',') + '\n' : stringify([row]);
  }
  return text;
}

/**
 * Streams CSV text to `<name>.partial` in run order (the header by csv-stringify, then chunks of
 * rows formatted by `rowsToCsv` in the lane that computed them), with back-pressure; `finish`
 * closes, syncs and renames into place.
 */
export class CsvAppender {
  private readonly file: WriteStream;
  private readonly done: Promise<void>;

  constructor(private readonly paths: OutputPaths, header: string[], writeHeader: boolean) {
    this.file = createWriteStream(paths.partial, { flags: writeHeader ? 'w' : 'a' });
    this.done = new Promise((resolve, reject) => { this.file.on('finish', () => resolve()); this.file.on('error', reject); });
    if (writeHeader) this.file.write(stringify([header]));
  }

  async write(text: string): Promise<void> {
    if (text && !this.file.write(text)) await new Promise<void>((r) => this.file.once('drain', () => r()));
  }

  async finish(meta: SweepMeta): Promise<void> {
    this.file.end();
    await this.done;
    const fd = openSync(this.paths.partial, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    writeFileAtomic(this.paths.meta, toJson(meta));
    renameSync(this.paths.partial, this.paths.csv);
  }
}

export function writeMeta(paths: OutputPaths, meta: SweepMeta): void {
  writeFileAtomic(paths.meta, toJson(meta));
}
