import type { Scenario } from '../scenario/types.ts';
import { composition } from '../migration/compositions/registry.ts';

/**
 * What a scenario asks of a real hypervisor that the simulator does not model, as warnings for the
 * result and stderr: a prediction that silently ignores them would be taken at face value. Each
 * names the field, what the real system then does, and what the prediction assumes instead.
 * QEMU's post-copy (`postcopy-ram`, with algorithm hybrid) and background snapshots (a checkpoint
 * section) are modelled; auto-converge, XBZRLE and multifd are declared in the migration section
 * (and refused in real.qemu.capabilities). What is left: a replay told to switch to post-copy
 * (real.qemu.postcopyAfterSeconds) for a scenario simulated without it.
 */
export function unmodelledWarnings(s: Scenario): string[] {
  const q = s.real?.qemu;
  if (!q) return [];
  const out: string[] = [];
  // post-copy on the replay's clock while the prediction stays pre-copy.
  if ((q.capabilities ?? []).includes('postcopy-ram') && q.postcopyAfterSeconds !== undefined && composition(s.migration).final.name === 'stop-and-copy') {
    out.push(`real.qemu.postcopyAfterSeconds: the QEMU replay switches to post-copy at ${q.postcopyAfterSeconds} s, but algorithm ${JSON.stringify(s.migration.algorithm)} is simulated without post-copy; the prediction is plain pre-copy (for both: the hybrid algorithm, with migration.postcopyAfterSeconds)`);
  }
  return out;
}
