import { parseArgs } from 'node:util';
import { readdirSync, readFileSync, existsSync, createWriteStream, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { InputError } from '../../models/input/errors.ts';
import { outputPaths, writeMeta, type SweepMeta } from '../sweep/output.ts';

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
  const found = readdirSync(dir).map((f) => /^sweep\.shard-(\d+)-of-(\d+)\.json$/.exec(f)).filter((m): m is RegExpExecArray => m !== null);
  const counts = [...new Set(found.map((m) => Number(m[2])))];
  const count = values.shards !== undefined ? Number(values.shards) : counts.length === 1 ? counts[0] : NaN;
  if (!Number.isInteger(count) || count < 1) throw new InputError(`${positionals[0]}: ${counts.length > 1 ? `shards of several splits (${counts.join(', ')}); pass --shards N` : 'no shard metadata (sweep.shard-i-of-N.json) found'}`);
  const metas: SweepMeta[] = [];
  for (let i = 0; i < count; i++) {
    const p = outputPaths(dir, { index: i, count });
    if (!existsSync(p.meta) || !existsSync(p.csv)) throw new InputError(`${p.csv}: missing — shard ${i} of ${count} has not completed`);
    const meta = JSON.parse(readFileSync(p.meta, 'utf8')) as SweepMeta;
    if (meta.status !== 'complete') throw new InputError(`${p.meta}: shard ${i} is not complete`);
    if (metas.length && (meta.sweepHash !== metas[0].sweepHash || JSON.stringify(meta.header) !== JSON.stringify(metas[0].header))) throw new InputError(`${p.csv}: belongs to another sweep than shard 0 (hash ${meta.sweepHash.slice(0, 12)} vs ${metas[0].sweepHash.slice(0, 12)})`);
    if (metas.length && meta.shard!.fromRun !== metas[metas.length - 1].shard!.toRun) throw new InputError(`${p.csv}: runs ${meta.shard!.fromRun}… do not follow shard ${i - 1}`);
    metas.push(meta);
  }
  if (metas[0].shard!.fromRun !== 0 || metas[count - 1].shard!.toRun !== metas[0].totalRuns) throw new InputError(`${dir}: the shards do not cover runs 0..${metas[0].totalRuns - 1}`);
  const final = outputPaths(dir, null);
  if (existsSync(final.csv)) {
    const m = existsSync(final.meta) ? (JSON.parse(readFileSync(final.meta, 'utf8')) as SweepMeta) : null;
    if (!m || m.sweepHash !== metas[0].sweepHash) throw new InputError(`${final.csv}: already holds another sweep's results; nothing was overwritten`);
  }
  // Concatenate: header from shard 0, data lines from all, streamed.
  const out = createWriteStream(final.partial);
  for (let i = 0; i < count; i++) {
    const text = readFileSync(outputPaths(dir, { index: i, count }).csv, 'utf8');
    const body = i === 0 ? text : text.slice(text.indexOf('\n') + 1);
    if (!out.write(body)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const meta: SweepMeta = { ...metas[0], shard: null, startedAt: metas.map((m) => m.startedAt).sort()[0], finishedAt: metas.map((m) => m.finishedAt ?? '').sort().at(-1) ?? null, status: 'complete', rows: metas[0].totalRuns };
  writeMeta(final, meta);
  renameSync(final.partial, final.csv);
  console.error(`merged ${count} shards into ${final.csv} (${meta.rows} runs)`);
  return 0;
}
