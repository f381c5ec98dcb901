import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../scripts/cli.ts';
import { InputError } from '../../models/input/errors.ts';

/**
 * Property-based fuzzing of everything a user types or writes: scenarios, sweeps, CLI flags and
 * trace files. The property, for every generated input: miglab either runs it (exit 0) or refuses
 * it (exit 2) with a message — never another exception, never a stack trace in the message, nothing
 * written when refused, within a time and memory bound (hang and blow-up detectors, not timings).
 * Seeded (MIGLAB_FUZZ_SEED to vary), a fixed number of inputs per category, and each category
 * stops early after its time budget. The counts are printed for the record.
 */
const SEED = Number(process.env.MIGLAB_FUZZ_SEED ?? 20261130);
const BUDGET_MS = Number(process.env.MIGLAB_FUZZ_BUDGET_MS ?? 45000);
const PER_INPUT_MS = 120000; // a hang detector: the slowest legitimate input here takes seconds
const HEAP_BYTES = 3 * 1024 ** 3;
const root = resolve('.');
const scratch = mkdtempSync(join(tmpdir(), 'miglab-fuzz-'));
process.chdir(scratch); // default output folders (results/<name>) land in the scratch folder, never the checkout
test.after(() => { process.chdir(root); rmSync(scratch, { recursive: true, force: true }); });

const scenarioFiles = readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.json') && !f.endsWith('schema.json')).map((f) => join(root, 'scenarios', f));
const schema = JSON.parse(readFileSync(join(root, 'scenarios', 'scenario.schema.json'), 'utf8'));

/** Dotted paths of every field the scenario schema declares (and a few it does not). */
function schemaPaths(): string[] {
  const out: string[] = [];
  const walk = (node: any, prefix: string): void => {
    for (const [k, v] of Object.entries<any>(node?.properties ?? {})) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      walk(v, p);
    }
  };
  walk(schema, '');
  return [...out, 'workload.writesPerSecond', 'workload.bufferMiB', 'workload.hotSetMiB', 'workload.phases', 'workload.repeat', 'workload.file', 'vm.ram', 'x', 'migration.x.y'];
}
const PATHS = schemaPaths();

const deep = (levels: number): unknown => { let v: unknown = 1; for (let i = 0; i < levels; i++) v = [v]; return v; };
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 0.5, 1e-9, 1e-300, 1e308, -1e308, 4294967295, 4294967296, 2 ** 53, 64, 256, 1024, 4096, 16777216, 3600, 1e7, 1e8, 1e9, 0.001, 0.3),
  fc.integer({ min: -10, max: 100000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
);
const nastyString = fc.oneof(
  fc.constantFrom('', ' ', '\n', 'page', 'fluid', 'xen', 'qemu', 'simgrid', 'xen-legacy', 'clark05', 'precopy', 'postcopy', 'hybrid', 'cow-checkpoint', 'stop-and-copy',
    'uniform', 'sweep', 'hotcold', 'zipf', 'idle', 'phases', 'trace', 'cancel', 'stop-and-copy', 'raw', '__proto__', 'constructor', '-rf', '../../etc/passwd', '/dev/zero', 'x'.repeat(5000), 'a\nb,"c"'),
  fc.string({ maxLength: 20 }),
);
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: nastyNumber },
  { weight: 3, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 1, arbitrary: fc.array(nastyNumber, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('type', 'writesPerSecond', 'durationSeconds', 'workload', 'x'), nastyNumber, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map(deep) },
);

type Mutation = { path: string; value: unknown; remove: boolean };
/** Values a researcher might plausibly write (so that many mutated scenarios run), or hostile ones. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 1, max: 2048 }), fc.double({ min: 0.001, max: 1e4, noNaN: true }), fc.constantFrom(0.5, 0.9, 1e8, 1e9, 'page', 'fluid', 'xen', 'qemu', 'simgrid', 'cancel', true)) },
  { weight: 3, arbitrary: nasty },
);
const mutation: fc.Arbitrary<Mutation> = fc.record({ path: fc.constantFrom(...PATHS), value, remove: fc.integer({ min: 0, max: 4 }).map((x) => x === 0) });

function mutate(base: any, ms: Mutation[]): any {
  const o = structuredClone(base);
  for (const m of ms) {
    const keys = m.path.split('.');
    let node = o;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
      node = node[k];
    }
    const last = keys[keys.length - 1];
    if (m.remove) delete node[last];
    else node[last] = m.value;
  }
  return o;
}

/** One call of the CLI, in this process, with its output captured. */
async function call(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stdout = '', stderr = '';
  const log = console.log, error = console.error, write = process.stdout.write, ewrite = process.stderr.write;
  console.log = (...a: unknown[]) => { stdout += a.join(' ') + '\n'; };
  console.error = (...a: unknown[]) => { stderr += a.join(' ') + '\n'; };
  process.stdout.write = ((s: string) => { stdout += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { stderr += s; return true; }) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } catch (e) {
    const why = e instanceof InputError ? 'an InputError escaped main' : `${(e as Error).name}: ${(e as Error).message}`;
    throw new Error(`miglab ${argv.map((a) => JSON.stringify(a)).join(' ')} threw (${why})\n${(e as Error).stack}`);
  } finally {
    console.log = log; console.error = error; process.stdout.write = write; process.stderr.write = ewrite;
  }
}

const counts: Record<string, Record<string, number>> = {};
let n = 0;

/** The property: exit 0 or 2, a message without a stack trace when refused, nothing written then, bounded. */
async function check(category: string, argv: string[], outDir: string | null): Promise<void> {
  const t0 = Date.now();
  const r = await call(argv);
  const ms = Date.now() - t0;
  const c = (counts[category] ??= { inputs: 0, ran: 0, refused: 0 });
  c.inputs++;
  if (r.code === 0) c.ran++;
  else if (r.code === 2) c.refused++;
  const shown = `miglab ${argv.map((a) => JSON.stringify(a.length > 300 ? a.slice(0, 300) + '…' : a)).join(' ')}`;
  if (r.code !== 0 && r.code !== 2) throw new Error(`${shown}: exit ${r.code}\n${r.stderr}`);
  if (r.code === 2 && !/\S/.test(r.stderr)) throw new Error(`${shown}: refused without a message`);
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr)) throw new Error(`${shown}: a stack trace\n${r.stderr}`);
  if (r.code === 2 && outDir !== null && existsSync(outDir) && readdirSync(outDir).length > 0) throw new Error(`${shown}: refused but wrote ${readdirSync(outDir).join(', ')} in ${outDir}`);
  if (ms > PER_INPUT_MS) throw new Error(`${shown}: took ${ms} ms (a hang?)`);
  const heap = process.memoryUsage().heapUsed;
  if (heap > HEAP_BYTES) throw new Error(`${shown}: heap at ${heap} bytes`);
}

const params = (numRuns: number): fc.Parameters<any> => ({ seed: SEED, numRuns, endOnFailure: true, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false });

/** fc.assert, with the failing input's own error (fast-check keeps it in `cause`) in the message. */
async function fuzz(property: fc.IAsyncProperty<any>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, params(numRuns));
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause;
    throw new Error(`${(e as Error).message.split('\n').slice(0, 4).join('\n')}\n${cause ? cause.message : ''}`);
  }
}

test('fuzz: scenarios (examples with 1–4 fields set to hostile values) run or are refused cleanly', async () => {
  const bases = scenarioFiles.map((f) => ({ f, raw: JSON.parse(readFileSync(f, 'utf8')) }));
  await fuzz(fc.asyncProperty(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), async (b, ms, write) => {
    const raw = mutate(b.raw, ms);
    const dir = join(scratch, `s${n++}`);
    mkdirSync(dir);
    // Relative paths in the scenario (traces) keep resolving: the file sits beside the originals' folder.
    const file = join(root, 'scenarios', `.fuzz-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(raw));
    try {
      const out = join(dir, 'out');
      await check('scenario', ['run', file, ...(write ? ['--out', out] : ['--no-write']), '--json'], out);
    } finally {
      rmSync(file, { force: true });
    }
  }), 1500);
});

test('fuzz: sweeps (hostile axes, designs, replicates, bases) run or are refused cleanly', async () => {
  const axis = fc.record({
    field: fc.constantFrom(...PATHS, 'seed', 'name', 'vm.constructor', 'a..b', ''),
    kind: fc.constantFrom('values', 'linear', 'log', 'both', 'none'),
    values: fc.array(nasty, { maxLength: 4 }),
    from: nastyNumber, to: nastyNumber, count: fc.constantFrom(1, 2, 3, 0, -1, 1e6, 1e9, 2.5),
  }).map((a) => {
    const o: any = { field: a.field };
    if (a.kind === 'values' || a.kind === 'both') o.values = a.values;
    if (a.kind === 'linear' || a.kind === 'both') o.linear = { from: a.from, to: a.to, count: a.count };
    if (a.kind === 'log') o.log = { from: a.from, to: a.to, count: a.count };
    return o;
  });
  // Mostly plausible axes (so that many sweeps run), some hostile ones.
  const plausible = fc.oneof(
    fc.record({ field: fc.constant('vm.memoryMiB'), values: fc.array(fc.constantFrom(64, 128, 256, 0, -1, 'big'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ field: fc.constant('workload.writesPerSecond'), linear: fc.record({ from: fc.constantFrom(100, 1000, -5), to: fc.constantFrom(5000, 1e9), count: fc.constantFrom(1, 2, 3) }) }),
    fc.record({ field: fc.constant('migration.policy'), values: fc.array(fc.constantFrom('xen', 'qemu', 'simgrid', 'bogus'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ field: fc.constant('description'), values: fc.array(nastyString, { minLength: 1, maxLength: 2 }) }),
  );
  const sweep = fc.record({
    name: fc.oneof({ weight: 6, arbitrary: fc.constant('fz') }, { weight: 1, arbitrary: fc.constantFrom('', '../x', 'a b') }),
    base: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...scenarioFiles.filter((f) => !f.includes('trace'))) }, fc.constant('missing.json'), fc.constantFrom(...scenarioFiles).map((f) => JSON.parse(readFileSync(f, 'utf8')))),
    seed: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, nastyNumber),
    replicates: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.constantFrom(1, 2, 0, 1e5, 1e12, 1.5)),
    design: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.record({ type: fc.constantFrom('grid', 'random', 'lhs', 'bogus'), samples: fc.constantFrom(undefined, 1, 5, 0, 1e6, 1e12) })),
    axes: fc.oneof({ weight: 3, arbitrary: fc.array(plausible, { minLength: 1, maxLength: 3 }) }, fc.array(fc.oneof(axis, plausible), { maxLength: 3 }), fc.array(axis, { minLength: 2, maxLength: 2 }).map((z) => [{ zip: z }])),
  });
  await fuzz(fc.asyncProperty(sweep, async (s) => {
    const dir = join(scratch, `w${n++}`);
    mkdirSync(dir);
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify(s));
    const out = join(dir, 'out');
    // --max-runs keeps a valid but large sweep short: the bound itself is part of what is tested.
    await check('sweep', ['sweep', file, '--out', out, '--workers', '1', '--parallel-after', '1000', '--quiet', '--max-runs', '300'], out);
  }), 600);
});

test('fuzz: command lines (every command but replay/validate/testbed, which start hypervisors) run or are refused cleanly', async () => {
  const okCsv = join(scratch, 'ok-runs');
  assert.is((await call(['sweep', join(root, 'tests/fixtures/sweeps/small.json'), '--out', okCsv, '--quiet', '--workers', '1'])).code, 0);
  writeFileSync(join(scratch, 'a-file'), 'x\n');
  symlinkSync(join(scratch, 'nowhere'), join(scratch, 'dangling'));
  const files = [join(root, 'scenarios/stop-and-copy.json'), join(root, 'tests/fixtures/sweeps/small.json'), join(okCsv, 'runs.csv'), okCsv, '/dev/zero', join(scratch, 'a-file'), 'missing.json', ''];
  const flagValue = fc.oneof(nastyString, nastyNumber.map(String), fc.constantFrom(...files, '/proc/x', join(scratch, 'dangling'), join(scratch, 'a-file', 'x'), '0/2', '1/1', '3/2', 'vm.memoryMiB=64', '__proto__.x=1', 'network.bandwidthBitsPerSecond=1e9', 'a=b=c', 'totalTimeSeconds', 'vm.memoryMiB'));
  const flag = fc.constantFrom('--seed', '--set', '--out', '--workers', '--shard', '--tasks', '--json', '--no-write', '--force', '--max-runs', '--parallel-after', '--quiet', '-h', '--bogus', '--by', '--x', '--y', '--metric', '--shards', '--format', '--kind', '--color');
  const argv = fc.tuple(fc.constantFrom('run', 'sweep', 'merge', 'summarize', 'plot', 'help', '--help', 'bogus', ''), fc.constantFrom(...files), fc.array(fc.tuple(flag, fc.option(flagValue, { nil: undefined })), { maxLength: 4 }))
    .map(([cmd, file, fl]) => [cmd, file, ...fl.flatMap(([f, v]) => (v === undefined ? [f] : [f, v]))].filter((a, i) => i > 0 || a !== ''));
  await fuzz(fc.asyncProperty(argv, async (args) => {
    // A run or sweep told to write somewhere gets a fresh folder unless the fuzzer chose --out.
    const out = join(scratch, `c${n++}`);
    const full = args.includes('--out') || !['run', 'sweep'].includes(args[0]) ? args : [...args, '--out', out];
    await check('cli', full, full === args ? null : out);
  }), 1500);
});

test('fuzz: trace files (headers, ranges, garbage, sizes) replay or are refused cleanly', async () => {
  const page = fc.integer({ min: 0, max: 1023 });
  const token = fc.oneof({ weight: 8, arbitrary: page.map(String) }, { weight: 4, arbitrary: fc.tuple(page, page).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`) },
    { weight: 1, arbitrary: fc.constantFrom('1024', '-5', '3-1', '99999999999', '0-2147483647', 'x', '#', '1e3', '０', '1-', '-') });
  const line = fc.oneof({ weight: 6, arbitrary: fc.array(token, { maxLength: 8 }).map((t) => t.join(' ')) }, { weight: 1, arbitrary: fc.constantFrom('', '# comment', '   ', '\r') });
  const header: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('0.1', '1', '0.01').map((i) => `# miglab-dirty-trace v1 interval_seconds=${i} pages=1024`) },
    fc.tuple(fc.constantFrom('0.1', '1', '0', '-1', '1e-300', 'x', '1e308', ''), fc.constantFrom('1024', '1', '0', '268435456', '2147483648', 'x', '1024.5')).map(([i, p]) => `# miglab-dirty-trace v1 interval_seconds=${i} pages=${p}`),
    fc.constantFrom('# miglab-dirty-trace v2', 'root:x:0:0', ''),
  );
  await fuzz(fc.asyncProperty(header, fc.array(line, { maxLength: 20 }), fc.boolean(), fc.constantFrom(4, 4, 4, 1, 1024), async (h, lines, repeat, memoryMiB) => {
    const dir = join(scratch, `t${n++}`);
    mkdirSync(dir);
    const trace = join(dir, 'x.trace');
    writeFileSync(trace, [h, ...lines].join('\n') + '\n');
    const s = JSON.parse(readFileSync(join(root, 'scenarios/precopy-xen-trace.json'), 'utf8'));
    s.vm.memoryMiB = memoryMiB;
    s.workload = { type: 'trace', file: trace, repeat };
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify(s));
    await check('trace', ['run', file, '--no-write', '--json'], null);
  }), 1000);
});

test('fuzz: the counts', () => {
  const total = Object.values(counts).reduce((a, c) => a + c.inputs, 0);
  console.log(`fuzz (seed ${SEED}): ${Object.entries(counts).map(([k, c]) => `${k} ${c.inputs} inputs (${c.ran} ran, ${c.refused} refused)`).join('; ')}; ${total} in all`);
  for (const [k, c] of Object.entries(counts)) assert.ok(c.ran > 0 && c.refused > 0, `${k}: both outcomes reached (${c.ran} ran, ${c.refused} refused)`);
});

test.run();
