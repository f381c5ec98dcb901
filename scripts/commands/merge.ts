import { parseArgs } from 'node:util';
import { readdirSync, existsSync, statSync, createReadStream, createWriteStream, renameSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { OutputLock } from '../lib/lock.ts';
import { countRecords, scanCsv } from '../sweep/csvRecords.ts';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { InputError } from '../../models/input/errors.ts';
import { outputPaths, readMeta, writeMeta, type OutputPaths, type SweepMeta } from '../sweep/output.ts';

export const mergeHelp = `miglab merge <dir> [--shards N]

Combines runs.shard-i-of-N.csv (from \`miglab sweep --shard i/N\`, e.g. Slurm array tasks) into
<dir>/runs.csv and sweep.json, the same bytes a local run writes. Every shard must be complete
and from the same sweep; N is found from the files unless given.`;

export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { shards: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(mergeHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab merge: expected one folder, got ${positionals.length}\n\n${mergeHelp}`);
  const dir = resolve(positionals[0]);
  if (!existsSync(dir)) throw new InputError(`${positionals[0]}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new InputError(`${positionals[0]}: expected the folder of a sharded sweep, got a file`);
  const found = readdirSync(dir).map((f) => /^sweep\.shard-(\d+)-of-(\d+)\.json$/.exec(f)).filter((m): m is RegExpExecArray => m !== null);
  const counts = [...new Set(found.map((m) => Number(m[2])))];
  const count = values.shards !== undefined ? Number(values.shards) : counts.length === 1 ? counts[0] : NaN;
  if (!Number.isInteger(count) || count < 1) throw new InputError(`${positionals[0]}: ${counts.length > 1 ? `shards of several splits (${counts.join(', ')}); pass --shards N` : 'no shard metadata (sweep.shard-i-of-N.json) found'}`);
  const metas: SweepMeta[] = [];
  for (let i = 0; i < count; i++) {
    const p = outputPaths(dir, { index: i, count });
    if (!existsSync(p.meta) || !existsSync(p.csv)) throw new InputError(`${p.csv}: missing — shard ${i} of ${count} has not completed`);
    const file = readMeta(p.meta);
    if (file.kind !== 'miglab') throw new InputError(`${p.meta}: ${file.kind === 'foreign' ? file.why : 'missing'}; expected the metadata \`miglab sweep --shard ${i}/${count}\` writes. Rerun that shard (it resumes) or restore the file.`);
    const meta = file.meta;
    if (meta.status !== 'complete') throw new InputError(`${p.meta}: shard ${i} is not complete`);
    if (meta.shard === null || meta.shard.index !== i || meta.shard.count !== count) throw new InputError(`${p.meta}: describes ${meta.shard ? `shard ${meta.shard.index} of ${meta.shard.count}` : 'a whole sweep'}, expected shard ${i} of ${count}`);
    if (metas.length && (meta.sweepHash !== metas[0].sweepHash || JSON.stringify(meta.header) !== JSON.stringify(metas[0].header))) throw new InputError(`${p.csv}: belongs to another sweep than shard 0 (hash ${meta.sweepHash.slice(0, 12)} vs ${metas[0].sweepHash.slice(0, 12)})`);
    if (metas.length && meta.shard.fromRun !== metas[metas.length - 1].shard!.toRun) throw new InputError(`${p.csv}: runs ${meta.shard.fromRun}… do not follow shard ${i - 1}`);
    if (meta.rows !== meta.shard.toRun - meta.shard.fromRun) throw new InputError(`${p.meta}: says ${meta.rows} rows for runs ${meta.shard.fromRun}..${meta.shard.toRun - 1}`);
    await checkShardCsv(p.csv, meta);
    metas.push(meta);
  }
  if (metas[0].shard!.fromRun !== 0 || metas[count - 1].shard!.toRun !== metas[0].totalRuns) throw new InputError(`${dir}: the shards do not cover runs 0..${metas[0].totalRuns - 1}`);
  const final = outputPaths(dir, null);
  const existing = readMeta(final.meta);
  if (existing.kind === 'foreign') throw new InputError(`${final.meta}: exists and ${existing.why}; nothing was overwritten`);
  if (existsSync(final.csv) && (existing.kind !== 'miglab' || existing.meta.sweepHash !== metas[0].sweepHash)) throw new InputError(`${final.csv}: already holds another sweep's results; nothing was overwritten`);
  const lock = OutputLock.acquire(dir, 'runs.csv');
  try {
    await concatenate(dir, count, metas, final);
  } finally {
    lock.release();
  }
  return 0;
}

/**
 * Every shard's CSV must hold exactly its metadata's rows, as complete CSV records (counted by the
 * CSV parser), with the run numbers fromRun, fromRun + 1, … in order and the sweep's header.
 */
async function checkShardCsv(csv: string, meta: SweepMeta): Promise<void> {
  const from = meta.shard!.fromRun;
  const runColumn = meta.header.indexOf('run');
  let broken: string | null = null;
  const scan = await scanCsv(csv, (record, k) => {
    if (broken === null && record[runColumn] !== String(from + k)) broken = `record ${k + 1} is run ${JSON.stringify(record[runColumn])}, expected run ${from + k}`;
  });
  const where = `${csv}: shard ${meta.shard!.index} of ${meta.shard!.count} (runs ${from}..${meta.shard!.toRun - 1})`;
  if (scan.header === null || JSON.stringify(scan.header) !== JSON.stringify(meta.header)) throw new InputError(`${where}: the header is not the sweep's columns; rerun the shard with --force`);
  if (broken !== null) throw new InputError(`${where}: ${broken}; rerun the shard with --force`);
  if (scan.stoppedBecause !== null) throw new InputError(`${where}: after ${scan.records} complete records the file does not parse (${scan.stoppedBecause}); rerun the shard with --force`);
  if (scan.records !== meta.rows) throw new InputError(`${where}: holds ${scan.records} records, its metadata says ${meta.rows}; rerun the shard with --force`);
}

/** Header from shard 0, then every shard's records (its bytes after the header), streamed; then verified. */
async function concatenate(dir: string, count: number, metas: SweepMeta[], final: OutputPaths): Promise<void> {
  const headerBytes = Buffer.byteLength(stringify([metas[0].header]));
  const out = createWriteStream(final.partial);
  for (let i = 0; i < count; i++) {
    const input = createReadStream(outputPaths(dir, { index: i, count }).csv, { start: i === 0 ? 0 : headerBytes });
    for await (const chunk of input) if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const meta: SweepMeta = { ...metas[0], shard: null, startedAt: metas.map((m) => m.startedAt).sort()[0], finishedAt: metas.map((m) => m.finishedAt ?? '').sort().at(-1) ?? null, status: 'complete', rows: metas[0].totalRuns };
  const merged = await countRecords(final.partial);
  if (merged.records !== meta.rows || !merged.complete) throw new Error(`${final.partial}: merged ${merged.records} records, expected ${meta.rows}; left as it is (a miglab bug: please report it)`);
  writeMeta(final, meta);
  renameSync(final.partial, final.csv);
  console.error(`merged ${count} shards into ${final.csv} (${meta.rows} runs)`);
}
