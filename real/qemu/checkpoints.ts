import type { Scenario } from '../../models/scenario/types.ts';
import type { QemuMachine } from './machine.ts';
import { shQuote } from '../ssh.ts';
import type { QmpClient } from './qmp.ts';
import type { MeasuredCheckpoint } from '../../models/run/measurement.ts';

/**
 * The real counterpart of the scenario's COW checkpoints: QEMU's `background-snapshot`, a
 * userfaultfd write-protect copy-on-write snapshot of the running guest (QEMU ≥ 6.0; needs a host
 * kernel with UFFD write-protect). The VM stops only to save device state and arm the write
 * protection (the snapshot's `downtime`); the pages then stream out while the guest runs, a page the
 * guest writes first being copied aside (a COW fault).
 *
 * Schedule: as the simulator's checkpointer — at firstAtSeconds + k × intervalSeconds after the
 * warm-up, until the migration starts; a snapshot still running when the next is due delays it
 * (`onOverrun: "delay"`) or skips that slot (`"skip"`); the migration waits for a running snapshot.
 * Each snapshot is written to one file on the source host (the latest image replaces the previous).
 *
 * What differs from the model, by QEMU's design: every snapshot is full (QEMU has no incremental
 * background snapshot), and QEMU reports no COW-fault count, so the guest's slowdown is not
 * measured here; the pause, the duration and the bytes are.
 */
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, s) * 1000));

/** Takes the scenario's checkpoints on the source until `untilSeconds` (scenario time); returns them and the wait imposed on the migration. */
export async function takeCheckpoints(s: Scenario, qs: QmpClient, source: QemuMachine, startMs: number, untilSeconds: number, log: (l: string) => void): Promise<{ checkpoints: MeasuredCheckpoint[]; migrationWaitSeconds: number }> {
  const cp = s.checkpoint!;
  const now = (): number => (Date.now() - startMs) / 1000;
  const checkpoints: MeasuredCheckpoint[] = [];
  const image = source.path('checkpoint.img');
  await qs.execute('migrate-set-capabilities', { capabilities: [{ capability: 'background-snapshot', state: true }] });
  if (cp.maxBandwidthBytesPerSecond !== null) await qs.execute('migrate-set-parameters', { 'max-bandwidth': Math.round(cp.maxBandwidthBytesPerSecond) });
  let due = cp.firstAtSeconds;
  let migrationWaitSeconds = 0;
  try {
    while (due < untilSeconds) {
      await sleep(due - now());
      const instant = now();
      log(`checkpoint ${checkpoints.length}: background-snapshot at ${instant.toFixed(2)} s`);
      await qs.execute('migrate', { uri: `exec:cat > ${shQuote(image)}` });
      let q: Record<string, unknown>;
      for (;;) {
        q = await qs.execute<Record<string, unknown>>('query-migrate');
        if (['completed', 'failed', 'cancelled'].includes(String(q.status))) break;
        await sleep(0.05);
      }
      const ram = (q.ram ?? {}) as Record<string, number>;
      const end = now();
      checkpoints.push({
        index: checkpoints.length, instantSeconds: instant, status: String(q.status),
        pauseSeconds: typeof q.downtime === 'number' ? q.downtime / 1000 : 0,
        durationSeconds: typeof q['total-time'] === 'number' ? (q['total-time'] as number) / 1000 : end - instant,
        bytes: ram.transferred ?? 0, pages: (ram.normal ?? 0) + (ram.duplicate ?? 0), zeroPages: ram.duplicate ?? 0,
        delayedSeconds: Math.max(0, instant - due),
      });
      if (q.status !== 'completed') throw new Error(`background-snapshot ${checkpoints.length - 1} ${String(q.status)}: ${String(q['error-desc'] ?? 'no reason given')}`);
      if (end > untilSeconds && instant < untilSeconds) migrationWaitSeconds = end - untilSeconds;
      // The next slot: delayed to now, or the first slot still ahead.
      due += cp.intervalSeconds;
      if (end > due) due = cp.onOverrun === 'delay' ? end : due + Math.ceil((end - due) / cp.intervalSeconds) * cp.intervalSeconds;
    }
  } finally {
    await qs.execute('migrate-set-capabilities', { capabilities: [{ capability: 'background-snapshot', state: false }] }).catch(() => undefined);
  }
  return { checkpoints, migrationWaitSeconds };
}
