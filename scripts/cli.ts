import { InputError } from '../models/scenario/errors.ts';
import { runCommand, runHelp } from './commands/run.ts';
import { sweepCommand, sweepHelp } from './commands/sweep.ts';
import { mergeCommand, mergeHelp } from './commands/merge.ts';
import { summarizeCommand, summarizeHelp } from './commands/summarize.ts';
import { plotCommand, plotHelp } from './commands/plot.ts';
import { replayCommand, replayHelp } from './commands/replay.ts';
import { validateCommand, validateHelp } from './commands/validate.ts';
import { testbedCommand, testbedHelp } from './commands/testbed.ts';

type Command = { summary: string; run: (argv: string[]) => Promise<number>; help: string };

const commands: Record<string, Command> = {
  run: { summary: 'simulate one scenario (results/<name>/summary.json, rounds.csv)', run: runCommand, help: runHelp },
  sweep: { summary: 'run a parameter sweep on all cores, resumable; --shard i/N or --slurm for clusters', run: sweepCommand, help: sweepHelp },
  merge: { summary: 'combine sweep shards into the CSV a local run gives', run: mergeCommand, help: mergeHelp },
  summarize: { summary: 'mean, std, 95 % CI, min, max of a sweep CSV per group', run: summarizeCommand, help: summarizeHelp },
  plot: { summary: 'line/scatter/bar/cdf plots of a sweep CSV with CI bands (SVG, PNG, HTML)', run: plotCommand, help: plotHelp },
  replay: { summary: 'run a scenario on a real hypervisor (QEMU/KVM over QMP) and record the measurement', run: replayCommand, help: replayHelp },
  validate: { summary: 'replay, simulate, and tabulate predicted vs measured with % error', run: validateCommand, help: validateHelp },
  testbed: { summary: 'prepare the local QEMU testbed (Debian packages only)', run: testbedCommand, help: testbedHelp },
};

export function usage(): string {
  const w = Math.max(...Object.keys(commands).map((k) => k.length));
  return `miglab — discrete-event simulator and testbench for live VM migration

Usage: miglab <command> [options]      (miglab <command> --help for its options)

Commands:
${Object.entries(commands).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`).join('\n')}

Scenario format: scenarios/scenario.schema.json (examples in scenarios/).`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { console.log(usage()); return name ? 0 : 2; }
  const cmd = commands[name];
  if (!cmd) { console.error(`miglab: unknown command ${JSON.stringify(name)}\n\n${usage()}`); return 2; }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof InputError) { console.error(e.message); return 2; }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) { console.error(`miglab ${name}: ${e.message}\n\n${cmd.help}`); return 2; }
    throw e;
  }
}

export const commandNames = (): string[] => Object.keys(commands);
