import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../models/scenario/load.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import type { Scenario } from '../../models/scenario/types.ts';

// Sweeps hand every replicate of a design point the same validated scenario objects (only the seed
// differs), so no model may write to a scenario. Frozen objects make any such write throw (ES
// modules are strict code).
function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

const files = readdirSync('scenarios').filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));

test('no model writes to its scenario: every example scenario, frozen, runs at both fidelities', () => {
  assert.ok(files.length >= 10);
  for (const f of files) for (const fidelity of ['fluid', 'page'] as const) {
    const load = () => loadScenario(join('scenarios', f), [`fidelity="${fidelity}"`, 'limits.maxTimeSeconds=120']);
    let loaded: ReturnType<typeof load>;
    try {
      loaded = load();
    } catch (e) {
      if (fidelity === 'fluid' && /"page"/.test((e as Error).message)) continue; // page level only (traces, QEMU's post-copy push)
      throw e;
    }
    const { scenario, baseDir } = loaded;
    const frozen = deepFreeze(structuredClone(scenario));
    const copy: Scenario = structuredClone(scenario);
    const options = { keepRounds: false, resolvePath: (p: string) => resolve(baseDir, p) };
    let a;
    try {
      a = runScenario(frozen, options);
    } catch (e) {
      throw new Error(`${f} (${fidelity}): ${(e as Error).message}`);
    }
    const b = runScenario(copy, options);
    assert.equal(copy, scenario, `${f} (${fidelity}) changed its scenario`);
    assert.is(a.bytesTransferred, b.bytesTransferred, f);
  }
});

test.run();
