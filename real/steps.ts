import type { RunResult } from '../models/run/result.ts';

/**
 * The steps every real backend fills in, in this order (`runReplay` drives them):
 *
 *   boot        start the source (and the destination, ready to receive) with the scenario's guest;
 *               wait until its dirtier reports, then let it warm up
 *   checkpoints the scenario's checkpoints, on their schedule, until the migration's start (if any)
 *   configure   map the scenario onto the hypervisor's migration parameters
 *   migrate     start the migration and follow it to its end, intervening as the scenario says
 *               (max time: cancel or force the switchover; a switch to post-copy; injected faults)
 *   verify      the synchronization checks: where the guest runs now, with its dirtier intact
 *   collect     the measurement, in the shape of a simulated run (`RunResult`, `source` = backend)
 *   cleanUp     stop everything this replay started, on success, failure, timeout and Ctrl-C
 *
 * A failing step's error names the backend and the step; `cleanUp` always runs.
 */
export interface ReplaySteps {
  readonly backend: string;
  boot(): Promise<void>;
  checkpoints(): Promise<void>;
  configure(): Promise<void>;
  migrate(): Promise<void>;
  verify(): Promise<void>;
  collect(): RunResult;
  cleanUp(): Promise<void>;
}

const STEP_NAMES = ['boot', 'checkpoints', 'configure', 'migrate', 'verify'] as const;

export async function runReplay(steps: ReplaySteps): Promise<RunResult> {
  try {
    for (const name of STEP_NAMES) {
      try {
        await steps[name]();
      } catch (e) {
        if (e instanceof Error && !e.message.startsWith(`${steps.backend} replay, `)) e.message = `${steps.backend} replay, ${name}: ${e.message}`;
        throw e;
      }
    }
    return steps.collect();
  } finally {
    await steps.cleanUp();
  }
}
