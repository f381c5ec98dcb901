import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadScenario } from '../../models/scenario/load.ts';
import { InputError } from '../../models/input/errors.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { summaryOf, writeRunResults } from '../lib/results.ts';
import { formatRunTable } from '../lib/table.ts';
import { toJson } from '../lib/files.ts';
import { parseSeed } from '../lib/cliArgs.ts';
import { RATE_BAND_FRACTION, rateBand } from '../lib/rateBand.ts';
import type { RunResult } from '../../models/run/result.ts';

const BAND_METRICS = ['totalTimeSeconds', 'bytesTransferred', 'downtimeSeconds', 'rounds'] as const;

/** The band's lines under the table: each metric's range and its ends against the prediction. */
function bandText(r: RunResult): string {
  const b = r.rateBand;
  if (!b) return '';
  const pct = (x: number, of: number): string => (of === 0 ? '0 %' : `${x >= of ? '+' : '−'}${(Math.abs(x / of - 1) * 100).toFixed(1)} %`);
  const line = (label: string, m: (typeof BAND_METRICS)[number], f: (x: number) => string): string => `  ${label.padEnd(12)} ${f(b[m][0])} – ${f(b[m][1])}   (${pct(b[m][0], r[m])} / ${pct(b[m][1], r[m])})`;
  const widest = Math.max(...(['totalTimeSeconds', 'bytesTransferred'] as const).map((m) => (r[m] > 0 ? (b[m][1] - b[m][0]) / r[m] : 0)));
  return [
    '',
    '',
    `with every write rate up to ${b.writeRateFraction * 100} % lower and higher:`,
    line('total time', 'totalTimeSeconds', (x) => `${x.toFixed(3)} s`),
    line('bytes', 'bytesTransferred', (x) => `${(x / 1048576).toFixed(1)} MiB`),
    line('downtime', 'downtimeSeconds', (x) => `${(x * 1e3).toFixed(2)} ms`),
    line('passes', 'rounds', (x) => String(x)),
    ...(widest > 0.1 ? [`  a prediction here is a band, not a number: a 1 % error in the write rate moves it by ${(widest * 100).toFixed(0)} % (near saturation each pass shrinks the backlog by the small difference between the capped rate and the dirty rate)`] : []),
  ].join('\n');
}

export const runHelp = `miglab run <scenario.json> [options]

Simulates one migration scenario and writes results/<name>/summary.json and rounds.csv.

Options:
  --seed N             override the scenario's seed
  --set path=value     override any scenario field (repeatable), e.g.
                       --set network.bandwidthBitsPerSecond=1e9 --set migration.policy=qemu
                       (the value is read as JSON when it parses, else as a string)
  --out DIR            write into DIR instead of results/<scenario name>/
  --rate-band          also predict with every write rate 0.5 % and 1 % lower and higher and
                       report the lowest and highest time, bytes, downtime and passes
                       (summary.json rateBand): how much the prediction hangs on a rate no
                       writer keeps exactly — a few % far from the link's capacity, tens of %
                       near saturation (4 more simulations)
  --json               print the summary JSON alone on stdout (files are still written)
  --no-write           do not write files (with --json: stdout only)
  -h, --help           this help

Exit codes: 0 done, 1 internal error, 2 bad input (the message names the file and field).`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { seed: { type: 'string' }, set: { type: 'string', multiple: true }, out: { type: 'string' }, 'rate-band': { type: 'boolean' }, json: { type: 'boolean' }, 'no-write': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { console.log(runHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab run: expected one scenario file, got ${positionals.length}\n\n${runHelp}`);
  const seed = parseSeed(values.seed);
  const loaded = loadScenario(positionals[0], values.set ?? [], seed);
  const resolvePath = (p: string): string => resolve(loaded.baseDir, p);
  const result = runScenario(loaded.scenario, { resolvePath });
  for (const w of result.warnings ?? []) console.error(`warning: ${loaded.file}: ${w}`);
  if (values['rate-band']) {
    const band = rateBand(loaded.scenario, result, (s) => runScenario(s, { keepRounds: false, resolvePath }), BAND_METRICS, (r, m) => r[m]);
    if (!band) throw new InputError(`miglab run --rate-band: ${loaded.file}: workload: expected one with a write rate (${loaded.scenario.workload.type} has none)`);
    result.rateBand = { writeRateFraction: RATE_BAND_FRACTION, totalTimeSeconds: band.get('totalTimeSeconds')!, bytesTransferred: band.get('bytesTransferred')!, downtimeSeconds: band.get('downtimeSeconds')!, rounds: band.get('rounds')! };
  }
  if (!values['no-write']) {
    const dir = values.out ? resolve(values.out) : resolve('results', loaded.scenario.name);
    const { summaryPath, roundsPath } = writeRunResults(dir, result, values.out ? '--out' : 'output folder');
    if (!values.json) console.log(`${formatRunTable(result)}${bandText(result)}\n\n  wrote ${summaryPath}\n        ${roundsPath}`);
  } else if (!values.json) console.log(`${formatRunTable(result)}${bandText(result)}`);
  if (values.json) process.stdout.write(toJson(summaryOf(result)));
  return 0;
}

