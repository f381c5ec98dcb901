import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadScenario } from '../../models/scenario/load.ts';
import { InputError } from '../../models/input/errors.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { summaryOf, writeRunResults } from '../lib/results.ts';
import { formatRunTable } from '../lib/table.ts';
import { toJson } from '../lib/files.ts';
import { parseSeed } from '../lib/cliArgs.ts';

export const runHelp = `miglab run <scenario.json> [options]

Simulates one migration scenario and writes results/<name>/summary.json and rounds.csv.

Options:
  --seed N             override the scenario's seed
  --set path=value     override any scenario field (repeatable), e.g.
                       --set network.bandwidthBitsPerSecond=1e9 --set migration.policy=qemu
                       (the value is read as JSON when it parses, else as a string)
  --out DIR            write into DIR instead of results/<scenario name>/
  --json               print the summary JSON alone on stdout (files are still written)
  --no-write           do not write files (with --json: stdout only)
  -h, --help           this help

Exit codes: 0 done, 1 internal error, 2 bad input (the message names the file and field).`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { seed: { type: 'string' }, set: { type: 'string', multiple: true }, out: { type: 'string' }, json: { type: 'boolean' }, 'no-write': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { console.log(runHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab run: expected one scenario file, got ${positionals.length}\n\n${runHelp}`);
  const seed = parseSeed(values.seed);
  const loaded = loadScenario(positionals[0], values.set ?? [], seed);
  const result = runScenario(loaded.scenario, { resolvePath: (p) => resolve(loaded.baseDir, p) });
  for (const w of result.warnings ?? []) console.error(`warning: ${loaded.file}: ${w}`);
  if (!values['no-write']) {
    const dir = values.out ? resolve(values.out) : resolve('results', loaded.scenario.name);
    const { summaryPath, roundsPath } = writeRunResults(dir, result, values.out ? '--out' : 'output folder');
    if (!values.json) console.log(`${formatRunTable(result)}\n\n  wrote ${summaryPath}\n        ${roundsPath}`);
  } else if (!values.json) console.log(formatRunTable(result));
  if (values.json) process.stdout.write(toJson(summaryOf(result)));
  return 0;
}

