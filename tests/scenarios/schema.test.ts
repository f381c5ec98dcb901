import type { AutoConvergeParameters } from '../../models/migration/policies/qemuAutoConverge.ts';
import type { MultifdParameters } from '../../models/network/wire/multifd.ts';
import type { XbzrleParameters } from '../../models/network/wire/xbzrle.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioSchema, validateScenario, qemuReplaySettings } from '../../models/scenario/validate.ts';
import type { Scenario, ResolvedMigrationSpec, QemuReplaySettings } from '../../models/scenario/types.ts';
import type { CheckpointParameters, FailureParameters } from '../../models/checkpoint/parameters.ts';
import { ALGORITHM_NAMES } from '../../models/migration/compositions/registry.ts';
import { POLICIES, POLICY_NAMES } from '../../models/migration/policies/registry.ts';
import { WIRE_FORMATS } from '../../models/network/wire/registry.ts';
import type { MecomParameters } from '../../models/network/wire/mecom.ts';

// The schema is the one place parameters are declared (their defaults, units and help). These
// tests fail when the TypeScript types, the registries or the resolved defaults drift from it.

const schema = scenarioSchema as any;
const props = (path: string[]): Record<string, any> => path.reduce((node, k) => node.properties[k], schema).properties;

// Every field of each resolved section, as a TypeScript key map: tsc rejects a missing or extra key
// against the type, and the test below compares the keys with the schema's.
type Keys<T> = { [K in keyof Required<T>]: true };
const sections: [string[], Record<string, true>][] = [
  [[], { name: true, description: true, seed: true, fidelity: true, concurrentMigrations: true, vm: true, workload: true, network: true, compression: true, migration: true, limits: true, checkpoint: true, failure: true, real: true } satisfies Keys<Scenario>],
  [['vm'], { memoryMiB: true, zeroPageFraction: true, zeroPagePlacement: true, bytesChangedPerWrite: true, osHotPages: true, pageWalksDirtyPageTables: true, workloadCpuFraction: true, footprint: true } satisfies Keys<Scenario['vm']>],
  [['network'], { bandwidthBitsPerSecond: true, latencySeconds: true, tcpWindowBytes: true, zeroPageSeconds: true, wireFormat: true } satisfies Keys<Scenario['network']>],
  [['migration'], { algorithm: true, policy: true, startSeconds: true, setupSeconds: true, resumeSeconds: true, firstTouchSecondsPerPage: true, downtimeLimitSeconds: true, maxBandwidthBytesPerSecond: true, windowOverrunSeconds: true, autoConverge: true, xbzrle: true, multifd: true, maxIterations: true, dirtyThresholdPages: true, maxFactor: true, startBitsPerSecond: true, incrementBitsPerSecond: true, maxBitsPerSecond: true, postcopyAfterRounds: true, postcopyAfterSeconds: true, postcopyPush: true, selfBallooning: true, traceLogBytesPerSecond: true, replaySpeedup: true } satisfies Keys<ResolvedMigrationSpec>],
  [['limits'], { maxTimeSeconds: true, onTimeout: true } satisfies Keys<Scenario['limits']>],
  [['compression'], { threads: true, similarPageFraction: true, similarCompressedFraction: true, otherCompressedFraction: true, wordCompressBytesPerSecond: true, wordDecompressBytesPerSecond: true, generalCompressBytesPerSecond: true, generalDecompressBytesPerSecond: true } satisfies Keys<MecomParameters>],
  [['checkpoint'], { intervalSeconds: true, firstAtSeconds: true, pauseFixedSeconds: true, writeProtectSecondsPerPage: true, cowFaultSeconds: true, pageCopySeconds: true, maxBandwidthBytesPerSecond: true, onOverrun: true } satisfies Keys<CheckpointParameters>],
  [['migration', 'autoConverge'], { initialPercent: true, incrementPercent: true, maxPercent: true, triggerThresholdPercent: true, tailslow: true, dirtySyncTimerSeconds: true } satisfies Keys<AutoConvergeParameters>],
  [['migration', 'xbzrle'], { cacheBytes: true, encodeBytesPerSecond: true } satisfies Keys<XbzrleParameters>],
  [['migration', 'multifd'], { channels: true, compression: true, compressedPageBytes: true, footprintCompressedPageBytes: true, compressBytesPerSecond: true, decompressBytesPerSecond: true } satisfies Keys<MultifdParameters>],
  [['failure'], { atSeconds: true, heartbeatIntervalSeconds: true, missedHeartbeats: true, restoreBytesPerSecond: true, resumeSeconds: true, bootSeconds: true, jobLengthSeconds: true } satisfies Keys<FailureParameters>],
  [['real', 'qemu'], { capabilities: true, postcopyAfterSeconds: true, warmupSeconds: true, bootTimeoutSeconds: true, preallocateMemory: true } satisfies Keys<QemuReplaySettings>],
];

test('the TypeScript types have exactly the schema\'s fields, section by section', () => {
  for (const [path, keys] of sections) {
    const fromSchema = Object.keys(props(path)).filter((k) => k !== '$schema').sort();
    assert.equal(Object.keys(keys).sort(), fromSchema, `section ${path.join('.') || '(top level)'}`);
  }
});

test('the registries name exactly the schema\'s algorithms, policies and wire formats', () => {
  assert.equal([...ALGORITHM_NAMES].sort(), [...props(['migration']).algorithm.enum].sort());
  assert.equal([...POLICY_NAMES].sort(), [...props(['migration']).policy.enum].sort());
  assert.equal(Object.keys(WIRE_FORMATS).sort(), [...props(['network']).wireFormat.enum].sort());
});

test('each policy reads exactly the fields the schema gives it a default for', () => {
  const m = props(['migration']);
  for (const name of POLICY_NAMES) {
    const declared = Object.keys(m).filter((f) => m[f]['x-miglab-defaults'] && name in m[f]['x-miglab-defaults']).sort();
    assert.equal([...POLICIES[name].parameters].sort(), declared, `policy ${name}`);
  }
});

const base = { name: 'd', vm: { memoryMiB: 64 }, network: { bandwidthBitsPerSecond: 1e9 } };
const resolve = (migration: Record<string, unknown>, extra: Record<string, unknown> = {}): Scenario => validateScenario({ ...base, migration, ...extra }, 'defaults.json', (p) => p);

test('a scenario that gives nothing gets the schema\'s defaults, for every algorithm and policy', () => {
  const m = props(['migration']);
  let checked = 0;
  for (const algorithm of ALGORITHM_NAMES) {
    const needsPolicy = m.policy['x-miglab-required-by'].includes(algorithm);
    for (const policy of needsPolicy ? POLICY_NAMES : [undefined]) {
      const extra = algorithm === 'cow-checkpoint' ? { checkpoint: { intervalSeconds: 10 } } : {};
      // Fields the algorithm needs given (x-miglab-required-by): given as 2, and refused when left out.
      const required = Object.entries<any>(m).filter(([k, f]) => k !== 'policy' && (f['x-miglab-required-by'] ?? []).includes(algorithm)).map(([k]) => k);
      for (const k of required) assert.throws(() => resolve({ algorithm, ...(policy ? { policy } : {}), ...Object.fromEntries(required.filter((x) => x !== k).map((x) => [x, 2])) }, extra), new RegExp(`migration\\.${k}: expected a (number|whole number) for algorithm "${algorithm}", which needs it`));
      const s = resolve({ algorithm, ...(policy ? { policy } : {}), ...Object.fromEntries(required.map((k) => [k, 2])) }, extra);
      for (const [field, f] of Object.entries<any>(m)) {
        const got = (s.migration as unknown as Record<string, unknown>)[field];
        if ('default' in f) { assert.is(got, f.default, `${algorithm}/${policy} ${field}`); checked++; continue; }
        const d = f['x-miglab-defaults'];
        if (!d) continue;
        const key = algorithm in d ? algorithm : policy !== undefined && policy in d ? policy : undefined;
        const expected = required.includes(field) ? 2 : key === undefined ? undefined : d[key] === null && !String(f.type).includes('null') ? undefined : d[key];
        assert.is(got, expected, `${algorithm}/${policy} migration.${field}`);
        checked++;
      }
      const w = props(['network']).wireFormat['x-miglab-defaults'];
      assert.is(s.network.wireFormat, w[algorithm] ?? w[policy!], `${algorithm}/${policy} wireFormat`);
    }
  }
  assert.ok(checked > 100);
  // The plain defaults of every other section.
  const s = resolve({ algorithm: 'cow-checkpoint', policy: 'xen', startSeconds: 100 }, { checkpoint: { intervalSeconds: 10 }, failure: { atSeconds: 50 } });
  for (const [path, value] of [[['vm'], s.vm], [['network'], s.network], [['limits'], s.limits], [['checkpoint'], s.checkpoint], [['failure'], s.failure]] as const) {
    for (const [field, f] of Object.entries<any>(props([...path]))) if ('default' in f) assert.equal((value as Record<string, unknown>)[field], f.default, `${path.join('.')}.${field}`);
  }
  for (const field of ['seed', 'fidelity', 'concurrentMigrations'] as const) assert.is(s[field], schema.properties[field].default, field);
  assert.equal(s.workload, schema.properties.workload.default);
  const q = qemuReplaySettings(s);
  for (const [field, f] of Object.entries<any>(props(['real', 'qemu']))) if ('default' in f) assert.equal((q as unknown as Record<string, unknown>)[field], f.default, `real.qemu.${field}`);
});

test('hybrid: postcopyAfterRounds defaults to 1 unless postcopyAfterSeconds is given', () => {
  assert.is(resolve({ algorithm: 'hybrid', policy: 'qemu' }).migration.postcopyAfterRounds, 1);
  assert.is(resolve({ algorithm: 'hybrid', policy: 'qemu', postcopyAfterSeconds: 5 }).migration.postcopyAfterRounds, undefined);
  assert.is(resolve({ algorithm: 'hybrid', policy: 'qemu', postcopyAfterSeconds: 5, postcopyAfterRounds: 3 }).migration.postcopyAfterRounds, 3);
});

// Source files: no branch on an algorithm's name outside the resolver and the composition that
// defines it, and no default of a scenario value (`s.x ?? …`) outside the resolver. Files that
// build input scenarios (the bench, the paper's figures) name algorithms as data.
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (n.endsWith('.ts') || n.endsWith('.mjs')) out.push(p);
  }
  return out;
}
const allSources = ['sim', 'models', 'real', 'scripts'].flatMap(sources);

test("no source outside the resolver and its composition names 'hybrid' or 'cow-checkpoint'", () => {
  const allowed: Record<string, string[]> = {
    "'hybrid'": ['models/scenario/validate.ts', 'models/migration/compositions/registry.ts', 'models/migration/compositions/hybrid.ts', 'scripts/bench.ts', 'scripts/paper/literature.ts'],
    "'cow-checkpoint'": ['models/scenario/validate.ts', 'models/migration/compositions/registry.ts', 'models/migration/compositions/cowCheckpoint.ts', 'scripts/paper/data.ts', 'scripts/paper/literature.ts'],
  };
  const found: string[] = [];
  for (const file of allSources) {
    const text = readFileSync(file, 'utf8');
    for (const [literal, ok] of Object.entries(allowed)) if ((text.includes(literal) || text.includes(literal.replace(/'/g, '"'))) && !ok.includes(file)) found.push(`${file}: ${literal}`);
  }
  assert.equal(found, []);
});

test('no ?? default of a scenario value outside the resolver', () => {
  const pattern = /\b(?:s|scenario|loaded\.scenario)\??\.(?:vm|network|migration|limits|checkpoint|failure|real|workload|seed|fidelity|concurrentMigrations)\b[\w?.[\]'"]*\s*\?\?/;
  const found = allSources.filter((f) => f !== 'models/scenario/validate.ts').flatMap((f) => readFileSync(f, 'utf8').split('\n').map((l, i) => [f, i + 1, l] as const)).filter(([, , l]) => pattern.test(l)).map(([f, i, l]) => `${f}:${i}: ${l.trim()}`);
  assert.equal(found, []);
});


test("the README's scenario table quotes the schema's defaults", () => {
  const readme = readFileSync('README.md', 'utf8');
  const table = readme.slice(readme.indexOf('| section | fields (defaults) |'), readme.indexOf('Rates are page writes per second'));
  let checked = 0;
  for (const row of table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| section') && !l.startsWith('|---'))) {
    const section = /^\| `?(\w+)`? \|/.exec(row)![1];
    const p = section === 'top' ? schema.properties : props([section]);
    for (const m of row.matchAll(/`(\w+)` \(([-+.\deE]+|null)\)/g)) {
      const f = p[m[1]];
      assert.ok(f && 'default' in f, `README: ${section}.${m[1]} has no default in the schema`);
      assert.equal(m[2] === 'null' ? null : Number(m[2]), f.default, `README: ${section}.${m[1]}`);
      checked++;
    }
  }
  assert.ok(checked >= 15, `only ${checked} defaults found in the README's table`);
});

test.run();
