import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { EventLimitError, Simulator } from '../../sim/simulator.ts';
import { BOUNDS } from '../../models/bounds.ts';
import { loadScenario } from '../../models/scenario/load.ts';
import { runScenario } from '../../models/run/runScenario.ts';
import { InputError } from '../../models/input/errors.ts';

test('the kernel stops a run past its event bound with an EventLimitError', () => {
  const sim = new Simulator();
  sim.maxEvents = 1000;
  const tick = (): void => { sim.schedule(1, tick); };
  sim.schedule(0, tick);
  assert.throws(() => sim.run(), (e: unknown) => e instanceof EventLimitError && e.events === 1000 && e.atSeconds === 1000);
});

test('a run past its event bound is an InputError naming the scenario, the bound and the remedy', () => {
  // A non-converging guest at page level, its rounds not kept (as in a sweep): only the event bound stops it.
  const s = loadScenario('scenarios/precopy-qemu-nonconverging.json', ['fidelity="page"', 'limits.maxTimeSeconds=1e7']).scenario;
  try {
    runScenario(s, { keepRounds: false, maxEvents: 20000 });
    assert.unreachable('the bound should stop it');
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    assert.match((e as Error).message, /^precopy-qemu-nonconverging: the run fired more than 20,000 events by simulated t = [\d.e+]+ s \(limits\.maxTimeSeconds is 10000000\); miglab's bound .*eventsPerRun.*lower limits\.maxTimeSeconds/);
  }
});

test('the README lists every bound with its value', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Bounds'));
  assert.ok(readme.includes('## Bounds'), 'a Bounds section');
  for (const [name, b] of Object.entries(BOUNDS)) {
    const row = section.split('\n').find((l) => l.includes(`\`${name}\``));
    assert.ok(row, `README Bounds table: a row for ${name}`);
    assert.ok(row!.includes(b.value.toLocaleString('en-US')), `README Bounds table: ${name} is ${b.value.toLocaleString('en-US')}`);
  }
});

test.run();
