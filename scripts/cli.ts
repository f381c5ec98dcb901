import { InputError } from '../models/scenario/errors.ts';
import { runCommand, runHelp } from './commands/run.ts';

type Command = { summary: string; run: (argv: string[]) => Promise<number>; help: string };

const commands: Record<string, Command> = {
  run: { summary: 'simulate one scenario (results/<name>/summary.json, rounds.csv)', run: runCommand, help: runHelp },
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
