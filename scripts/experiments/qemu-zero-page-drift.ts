/**
 * What a zero page costs on this host, migration after migration (→ how far one measured
 * network.zeroPageSeconds holds): the idle guest (≈ 90 % zero pages at 1 GiB) migrated `--runs`
 * times, uncapped unless `--cap-mib` is given, with `--gap` seconds between runs. Per run: the
 * first pass's time, the time per zero page it implies (solveZeroPageSeconds, as
 * `miglab testbed qemu --measure-switchover` derives it, at the final pass's rate `--gbit`), and how
 * much both QEMUs' anonymous memory grew during the migration (sampled from /proc every 100 ms): a
 * host where migrating a never-written page backs it at both ends (the source's read and the
 * destination's zero-page check each fault in fresh memory) pays for that in the zero pages' time,
 * and what that costs drifts with the host's own memory state.
 *
 *   npx tsx scripts/experiments/qemu-zero-page-drift.ts [--memory-mib 1024] [--runs 4] [--gap 0] [--cap-mib N] [--gbit 9.05]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { solveZeroPageSeconds } from '../../models/migration/switchover.ts';
import { MIB_BYTES } from '../../models/units/pageSize.ts';
import { QemuBackend } from '../../real/qemu/replay.ts';
import type { QemuMeasurement } from '../../real/qemu/measurement.ts';
import { parseWholeNumber } from '../lib/cliArgs.ts';
import { migrateOnce, zeroPagePoint } from '../lib/qemuTestbed.ts';
import type { RunResult } from '../../models/run/result.ts';

const { values } = parseArgs({ options: { 'memory-mib': { type: 'string', default: '1024' }, runs: { type: 'string', default: '4' }, gap: { type: 'string', default: '0' }, 'cap-mib': { type: 'string' }, gbit: { type: 'string', default: '9.05' } } });
const flag = (f: () => number): number => { try { return f(); } catch (e) { console.error((e as Error).message); process.exit(2); } };
const memoryMiB = flag(() => parseWholeNumber('--memory-mib', values['memory-mib'], 64, 16384));
const runs = flag(() => parseWholeNumber('--runs', values.runs, 1, 100));
const gapSeconds = Number(values.gap);
const capBytesPerSecond = values['cap-mib'] ? flag(() => parseWholeNumber('--cap-mib', values['cap-mib'], 1, 1 << 20)) * MIB_BYTES : 16 * 1024 * MIB_BYTES;
const finalPassBytesPerSecond = (Number(values.gbit) * 1e9) / 8;
if (!(gapSeconds >= 0) || !(finalPassBytesPerSecond > 0)) { console.error('--gap: expected seconds ≥ 0; --gbit: expected a rate > 0'); process.exit(2); }

/** Anonymous memory (KiB) of every QEMU process now, by PID. */
function qemuRssKiB(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('qemu-system')) continue;
      const m = /RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
      if (m) out.set(Number(d), Number(m[1]));
    } catch { /* the process ended */ }
  }
  return out;
}

const backend = new QemuBackend();
for (let k = 0; k < runs; k++) {
  if (k > 0 && gapSeconds > 0) await new Promise((r) => setTimeout(r, gapSeconds * 1000));
  // Growth from each process's size when the migration began (the source's boot is not counted).
  let migrating = false;
  const atStart = new Map<number, number>(), peak = new Map<number, number>();
  const sampler = setInterval(() => {
    if (!migrating) return;
    for (const [pid, kib] of qemuRssKiB()) {
      if (!atStart.has(pid)) atStart.set(pid, kib);
      peak.set(pid, Math.max(peak.get(pid) ?? 0, kib));
    }
  }, 100);
  const log = (l: string): void => { if (l.startsWith('migrating')) migrating = true; };
  let r: RunResult;
  try { r = await migrateOnce(backend, memoryMiB, { type: 'idle' }, `zero-page-drift-${k}`, 0.3, join(tmpdir(), `miglab-zero-drift-${process.pid}`), log, { capBytesPerSecond }); }
  catch (e) { console.error(`run ${k}: ${(e as Error).message}`); continue; }
  finally { clearInterval(sampler); }
  const p = zeroPagePoint(r);
  const perZero = solveZeroPageSeconds([p], finalPassBytesPerSecond);
  const grown = [...peak].map(([pid, kib]) => (kib - (atStart.get(pid) ?? kib)) / 1024).filter((m) => m > 0).sort((a, b) => b - a);
  console.log(`run ${k}: first pass ${(p.firstPassSeconds * 1e3).toFixed(0)} ms for ${p.zeroPages} zero pages and ${(p.firstPassBytes / MIB_BYTES).toFixed(1)} MiB sent → ${(perZero * 1e6).toFixed(2)} us per zero page (the host backed a fresh page in ${(((r.measurement as QemuMeasurement).hostFirstTouchSecondsPerPage ?? NaN) * 1e6).toFixed(2)} us just before); the QEMUs' memory grew by ${grown.map((m) => `${m.toFixed(0)} MiB`).join(' and ') || 'nothing seen'} during the migration`);
}
