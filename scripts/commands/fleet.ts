import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../../models/input/errors.ts';
import { loadFleet } from '../../models/fleet/load.ts';
import { FLEET_COLUMNS, runFleet, type FleetResult } from '../../models/fleet/runFleet.ts';
import { formatNumber } from '../lib/results.ts';
import { toJson } from '../lib/files.ts';
import { OutputLock } from '../lib/lock.ts';
import { checkReplaceable, hasHeader, isMiglabJson, prepareOutputDir } from '../lib/outputDir.ts';
import { parseSeed } from '../lib/cliArgs.ts';
import { dirname } from 'node:path';

export const fleetHelp = `miglab fleet <fleet.json> [options]

Runs a fleet's migration plan (many guests on a topology, scenarios/fleet.schema.json) and writes
results/<name>/fleet.json (summary, energy, bytes and peak utilisation per link) and
migrations.csv (one row per migration: ${FLEET_COLUMNS.join(', ')}).

Options:
  --seed N             override the fleet's seed
  --set path=value     override any fleet field (repeatable), e.g. --set plan.maxConcurrent.global=4
  --out DIR            write into DIR instead of results/<fleet name>/
  --json               print fleet.json's content on stdout (files are still written)
  --no-write           do not write files
  -h, --help           this help

Exit codes: 0 done, 1 internal error, 2 bad input (the message names the file and field).`;

export async function fleetCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { seed: { type: 'string' }, set: { type: 'string', multiple: true }, out: { type: 'string' }, json: { type: 'boolean' }, 'no-write': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { console.log(fleetHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab fleet: expected one fleet file, got ${positionals.length}\n\n${fleetHelp}`);
  const seed = parseSeed(values.seed);
  const file = positionals[0];
  const fleet = loadFleet(file, [...(values.set ?? []), ...(seed !== undefined ? [`seed=${seed}`] : [])]);
  const result = runFleet(fleet, { resolvePath: (p) => resolve(dirname(resolve(file)), p) });
  const { migrations: _m, ...summary } = result;
  if (!values['no-write']) {
    const dir = values.out ? resolve(values.out) : resolve('results', fleet.spec.name);
    const written = writeFleetResults(dir, result, values.out ? '--out' : 'output folder');
    if (!values.json) console.log(`${formatFleetTable(result)}\n\n  wrote ${written.join('\n        ')}`);
  } else if (!values.json) console.log(formatFleetTable(result));
  if (values.json) process.stdout.write(toJson(summary));
  return 0;
}

export function formatFleetTable(r: FleetResult): string {
  const s = r.summary;
  const MiB = 1048576;
  const rows: [string, string][] = [
    ['fleet', `${r.fleetName} (seed ${r.seed}, ${r.fidelity}): ${s.guests} guests, ${s.migrations} migrations`],
    ['status', `${s.completed} completed, ${s.cancelled} cancelled, ${s.converged} converged; at most ${s.peakConcurrentMigrations} at once`],
    ['makespan', `${s.makespanSeconds.toFixed(3)} s (mean migration ${s.meanMigrationSeconds.toFixed(3)} s)`],
    ['downtime', `sum ${(s.sumDowntimeSeconds * 1000).toFixed(1)} ms, max ${(s.maxDowntimeSeconds * 1000).toFixed(1)} ms`],
    ['transferred', `${(s.bytesTransferred / MiB).toFixed(1)} MiB; busiest link at ${(s.peakLinkUtilisation * 100).toFixed(1)} % at its peak`],
  ];
  if (s.degradedByPostcopy) rows.push(['post-copy', `${s.degradedByPostcopy} guests waited on network-bound faults`]);
  if (r.energy) rows.push(['energy', `${(r.energy.totalJoules / 1000).toFixed(2)} kJ (${r.energy.hosts} hosts idle ${(r.energy.idleJoules / 1000).toFixed(2)}, CPU ${(r.energy.cpuJoules / 1000).toFixed(2)}, network ${(r.energy.networkJoules / 1000).toFixed(2)})`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

/** fleet.json and migrations.csv, under the folder's lock, written whole then renamed (fleet.json last). */
function writeFleetResults(dir: string, r: FleetResult, flag: string): string[] {
  prepareOutputDir(dir, flag);
  const lock = OutputLock.acquire(dir, 'fleet.json');
  const json = join(dir, 'fleet.json'), csv = join(dir, 'migrations.csv');
  const tmp = (p: string): string => `${p}.${process.pid}.tmp`;
  try {
    checkReplaceable(json, isMiglabJson, 'fleet summary (fleet.json)');
    checkReplaceable(csv, hasHeader(FLEET_COLUMNS), 'migrations table (migrations.csv)');
    const cell = (v: unknown): string => (v === null ? '' : typeof v === 'number' ? formatNumber(v) : String(v));
    writeFileSync(tmp(csv), stringify(r.migrations.map((m) => FLEET_COLUMNS.map((c) => cell(m[c]))), { header: true, columns: FLEET_COLUMNS as string[] }));
    const { migrations: _m, ...summary } = r;
    writeFileSync(tmp(json), toJson(summary));
    rmSync(json, { force: true });
    renameSync(tmp(csv), csv);
    renameSync(tmp(json), json);
  } finally {
    rmSync(tmp(csv), { force: true }); rmSync(tmp(json), { force: true });
    lock.release();
  }
  return [json, csv];
}
