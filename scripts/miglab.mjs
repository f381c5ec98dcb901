#!/usr/bin/env node
// The `miglab` command. Plain JS so it can be a package bin: registers tsx, then loads the CLI.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
