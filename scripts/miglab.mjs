#!/usr/bin/env node
// The `miglab` command. Plain JS so it can be a package bin: runs the CLI compiled to JavaScript
// (scripts/compiled.mjs: ≈ 1.5× faster simulation than under tsx), or from the TypeScript sources
// through tsx when it cannot be compiled (or MIGLAB_FROM_SOURCE=1).
import { compiledCliUrl } from './compiled.mjs';

const compiled = compiledCliUrl();
let main;
if (compiled) {
  process.setSourceMapsEnabled(true); // stack traces name the TypeScript lines
  ({ main } = await import(compiled));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
