import type { MigrationOutcome } from '../migration/recorder.ts';
import type { Scenario } from '../scenario/types.ts';

/**
 * The result of one run, simulated or measured (`source`). With several concurrent migrations the
 * top-level metrics aggregate them: times and downtime are the maximum, bytes the sum, and
 * `migrations` lists each one.
 */
export interface RunResult extends Omit<MigrationOutcome, 'roundRows'> {
  tool: 'miglab';
  source: 'simulation' | 'qemu' | 'xen';
  scenarioName: string;
  seed: number;
  algorithm: string;
  policy: string | null;
  fidelity: 'fluid' | 'page';
  /** Page writes per second the workload generates on average (its nominal rate). */
  workloadWritesPerSecond: number;
  roundRows: MigrationOutcome['roundRows'];
  migrations?: Omit<MigrationOutcome, 'roundRows'>[];
  scenario: Scenario;
}
