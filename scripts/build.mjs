#!/usr/bin/env node
// `npm run build`: compiles to dist/ (what `npm run bench` runs) and copies what the compiled code
// reads beside itself (scripts/compiled.mjs). `miglab` keeps its own compiled copy up to date.
import { join } from 'node:path';
import { buildInto, root } from './compiled.mjs';

process.exitCode = buildInto(join(root, 'dist'));
