import { closeSync, existsSync, fsyncSync, lstatSync, openSync, renameSync, statSync, truncateSync, createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../../models/input/errors.ts';
import { toJson, writeFileAtomic } from '../lib/files.ts';
import { hasHeaderStart } from '../lib/outputDir.ts';
import { readInputFile } from '../../models/input/readFile.ts';
import { countRecords, scanCsv } from './csvRecords.ts';

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

/** What a metadata path holds: nothing, miglab's sweep metadata, or something else. */
type MetaFile = { kind: 'absent' } | { kind: 'miglab'; meta: SweepMeta } | { kind: 'foreign'; why: string };

export function readMeta(path: string): MetaFile {
  let st;
  try { st = lstatSync(path); } catch { return { kind: 'absent' }; }
  if (!st.isFile()) return { kind: 'foreign', why: st.isDirectory() ? 'is a folder' : 'is not a regular file' };
  let text: string;
  try { text = readInputFile(path, 'sweep metadata', 'inputFileBytes'); } catch (e) { return { kind: 'foreign', why: `cannot be read (${(e as Error).message})` }; }
  let v: Partial<SweepMeta>;
  try { v = JSON.parse(text) as Partial<SweepMeta>; } catch { return { kind: 'foreign', why: 'is not JSON' }; }
  if (typeof v !== 'object' || v === null || v.tool !== 'miglab') return { kind: 'foreign', why: 'was not written by miglab' };
  const ok = typeof v.sweepHash === 'string' && Array.isArray(v.header) && Number.isInteger(v.totalRuns) && Number.isInteger(v.rows) && (v.status === 'running' || v.status === 'complete')
    && (v.shard === null || (typeof v.shard === 'object' && v.shard !== undefined && Number.isInteger(v.shard.fromRun) && Number.isInteger(v.shard.toRun) && Number.isInteger(v.shard.index) && Number.isInteger(v.shard.count)));
  if (!ok) return { kind: 'foreign', why: 'is miglab sweep metadata with missing or damaged fields' };
  return { kind: 'miglab', meta: v as SweepMeta };
}

/** A CSV miglab's sweeps write: its header starts with these columns. */
const SWEEP_CSV_START = 'run,point,replicate,seed';

function isSweepCsv(path: string): boolean {
  return hasHeaderStart(path, SWEEP_CSV_START);
}

/** A torn last record is at most one chunk of rows; more unreadable text than this is damage. */
const MAX_TORN_BYTES = 64 * 1024 * 1024;

export type OutputState = { kind: 'complete'; meta: SweepMeta } | { kind: 'start'; resumeFromRow: number; meta: SweepMeta };

/**
 * Decides whether to start, resume or stop, and checks that existing files belong to this sweep.
 * Nothing miglab did not write is touched, with or without --force. A half-written CSV is resumed
 * after counting its complete records by the CSV parser's rules (a quoted cell may hold line
 * breaks) and cutting a torn last record.
 */
export async function openOutput(paths: OutputPaths, meta: SweepMeta, force: boolean): Promise<OutputState> {
  const file = readMeta(paths.meta);
  if (file.kind === 'foreign') throw new InputError(`${paths.meta}: exists and ${file.why}; miglab writes its sweep metadata there, and overwrites nothing it did not write. Use --out for another folder.`);
  for (const p of [paths.csv, paths.partial]) {
    let st;
    try { st = lstatSync(p); } catch { continue; }
    if (!st.isFile()) throw new InputError(`${p}: exists and is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; nothing was overwritten. Use --out for another folder.`);
    if (st.size > 0 && !isSweepCsv(p)) throw new InputError(`${p}: exists and is not a miglab sweep CSV (its header does not start with ${SWEEP_CSV_START}); nothing was overwritten. Use --out for another folder.`);
  }
  const existing = file.kind === 'miglab' ? file.meta : null;
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
    const scan = await scanCsv(paths.partial);
    const size = statSync(paths.partial).size;
    if (scan.header !== null && JSON.stringify(scan.header) !== JSON.stringify(meta.header)) throw new InputError(`${paths.partial}: its header is not this sweep's columns; nothing was overwritten. Use --force to start over.`);
    if (size - scan.completeBytes > MAX_TORN_BYTES) throw new InputError(`${paths.partial}: after record ${scan.records} the file does not parse as CSV (${scan.stoppedBecause}) for ${(size - scan.completeBytes).toLocaleString('en-US')} bytes — more than a torn last record; nothing was changed. Use --force to start over.`);
    if (scan.completeBytes < size) {
      truncateSync(paths.partial, scan.completeBytes);
      process.stderr.write(`cut ${size - scan.completeBytes} bytes of a torn last record from ${paths.partial} (${scan.stoppedBecause})\n`);
    }
    const expectedTo = (meta.shard?.toRun ?? meta.totalRuns) - (meta.shard?.fromRun ?? 0);
    if (scan.records > expectedTo) throw new InputError(`${paths.partial}: holds ${scan.records} records, more than the ${expectedTo} runs it is for; nothing was changed. Use --force to start over.`);
    return { kind: 'start', resumeFromRow: scan.records, meta: { ...meta, startedAt: existing!.startedAt } };
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

  /**
   * Closes and syncs the CSV, checks that it holds exactly `meta.rows` complete records (counted
   * by CSV rules, so a lost or doubled row can never be reported as written), then writes the
   * metadata and renames the CSV into place.
   */
  async finish(meta: SweepMeta): Promise<void> {
    this.file.end();
    await this.done;
    const fd = openSync(this.paths.partial, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    const count = await countRecords(this.paths.partial);
    if (count.records !== meta.rows || !count.complete) {
      throw new Error(`${this.paths.partial}: holds ${count.records} records${count.complete ? '' : ' and a torn one'}, expected ${meta.rows}; left as it is, not renamed to ${this.paths.csv}. This is a miglab bug: please report it.`);
    }
    writeFileAtomic(this.paths.meta, toJson(meta));
    renameSync(this.paths.partial, this.paths.csv);
  }
}

export function writeMeta(paths: OutputPaths, meta: SweepMeta): void {
  writeFileAtomic(paths.meta, toJson(meta));
}
