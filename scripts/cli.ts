import { InputError } from '../models/input/errors.ts';
/**
 * A command's module is loaded only when that command runs: `plot` and `validate` load vega
 * (≈ 0.15 s), which `miglab sweep` — started once per shard, often thousands of times — never needs.
 */
type Loaded = { run: (argv: string[]) => Promise<number>; help: string };
type Command = { summary: string; load: () => Promise<Loaded> };

const commands: Record<string, Command> = {
  run: { summary: 'simulate one scenario (results/<name>/summary.json, rounds.csv)', load: () => import('./commands/run.ts').then((m) => ({ run: m.runCommand, help: m.runHelp })) },
  fleet: { summary: 'run a fleet\'s migration plan on a topology (results/<name>/fleet.json, migrations.csv)', load: () => import('./commands/fleet.ts').then((m) => ({ run: m.fleetCommand, help: m.fleetHelp })) },
  sweep: { summary: 'run a parameter sweep on all cores, resumable; --shard i/N or --slurm for clusters', load: () => import('./commands/sweep.ts').then((m) => ({ run: m.sweepCommand, help: m.sweepHelp })) },
  merge: { summary: 'combine sweep shards into the CSV a local run gives', load: () => import('./commands/merge.ts').then((m) => ({ run: m.mergeCommand, help: m.mergeHelp })) },
  summarize: { summary: 'mean, std, 95 % CI, min, max of a sweep CSV per group', load: () => import('./commands/summarize.ts').then((m) => ({ run: m.summarizeCommand, help: m.summarizeHelp })) },
  plot: { summary: 'line/scatter/bar/cdf plots of a sweep CSV with CI bands (SVG, PNG, HTML)', load: () => import('./commands/plot.ts').then((m) => ({ run: m.plotCommand, help: m.plotHelp })) },
  replay: { summary: 'run a scenario on a real hypervisor (QEMU/KVM over QMP) and record the measurement', load: () => import('./commands/replay.ts').then((m) => ({ run: m.replayCommand, help: m.replayHelp })) },
  validate: { summary: 'replay, simulate, and tabulate predicted vs measured with % error', load: () => import('./commands/validate.ts').then((m) => ({ run: m.validateCommand, help: m.validateHelp })) },
  testbed: { summary: 'prepare the local QEMU testbed (Debian packages only)', load: () => import('./commands/testbed.ts').then((m) => ({ run: m.testbedCommand, help: m.testbedHelp })) },
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
  if (name === '--help' || name === '-h' || name === 'help') { console.log(usage()); return 0; }
  if (!name) { console.error(`miglab: expected a command\n\n${usage()}`); return 2; }
  const known = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!known) { console.error(`miglab: unknown command ${JSON.stringify(name)}\n\n${usage()}`); return 2; }
  const cmd = await known.load();
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof InputError) { console.error(e.message); return 2; }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) { console.error(`miglab ${name}: ${e.message}\n\n${cmd.help}`); return 2; }
    throw e;
  }
}

export const commandNames = (): string[] => Object.keys(commands);
