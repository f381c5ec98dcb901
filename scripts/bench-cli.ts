// Helper of `npm run bench`: runs one `miglab` command (argv) in a process of its own, from the
// compiled CLI, so each timed sweep starts as a user's would (a fresh process, no JIT history).
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
