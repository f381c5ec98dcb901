import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { InputError } from '../../models/scenario/errors.ts';
import type { RoundRow } from '../../models/migration/recorder.ts';
import type { RunResult } from '../../models/run/result.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import type { ReplayBackend, ReplayOptions } from '../backend.ts';
import { dirtierFor, qemuCapabilities, qemuSupports, type DirtierParams } from './guest.ts';
import type { HostSpec } from './hosts.ts';
import { machineFor, type QemuMachine } from './machine.ts';
import { takeCheckpoints, type MeasuredCheckpoint } from './checkpoints.ts';
import { onAbnormalExit } from '../processes.ts';
import type { QmpClient } from './qmp.ts';

/**
 * Replays a scenario on two QEMU processes (source, and destination started with `-incoming
 * defer`), on this machine or on the hosts of a hosts file (see hosts.ts), driven over QMP, under TCG. Follows the QEMU testbed note: QEMU ≥ 9 (the
 * testbed script fetches 10.0 from bookworm-backports), a Debian cloud kernel, a busybox initramfs
 * running the dirtier, `query-migrate` polled every 100 ms plus MIGRATION / MIGRATION_PASS / STOP /
 * RESUME events. After a completed migration the destination must keep running with its dirtier
 * reporting bad=0 (no lost write); after a cancel, the source must still run.
 */
export interface QemuPaths { qemu: string; kernel: string; initrd: string }

interface Sample { t: number; status: string; transferred: number; normal: number; duplicate: number; dirtySync: number; raw: Record<string, unknown> }

const POLL_SECONDS = 0.1;
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const a = srv.address(); const port = typeof a === 'object' && a ? a.port : 0; srv.close(() => resolve(port)); });
  });
}

interface DirtierLine { writes: number; bad: number; t: number }
/** The dirtier's once-a-second report lines in a guest's console so far. */
function dirtierLines(m: QemuMachine): DirtierLine[] {
  const out: DirtierLine[] = [];
  for (const x of m.console.text.matchAll(/DIRTIER t=([\d.]+) writes=(\d+) distinct=\d+ target=-?\d+ bad=(\d+)/g)) out.push({ t: Number(x[1]), writes: Number(x[2]), bad: Number(x[3]) });
  return out;
}

export class QemuBackend implements ReplayBackend {
  readonly name = 'qemu' as const;
  paths: QemuPaths | null = null;

  /** Runs scripts/testbeds/qemu-setup.sh (idempotent) and records the binary and image paths. */
  async prepare(): Promise<void> {
    const script = new URL('../../scripts/testbeds/qemu-setup.sh', import.meta.url).pathname;
    const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new InputError(`QEMU testbed setup failed (${script}):\n${(r.stderr ?? '').trim().split('\n').slice(-8).join('\n')}`);
    const kv = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=')).filter((p) => p.length >= 2).map(([k, ...v]) => [k, v.join('=')]));
    for (const k of ['QEMU', 'KERNEL', 'INITRD']) if (!kv[k] || !existsSync(kv[k])) throw new InputError(`QEMU testbed setup did not produce ${k} (got ${kv[k] ?? 'nothing'})`);
    this.paths = { qemu: kv.QEMU, kernel: kv.KERNEL, initrd: kv.INITRD };
  }

  /** QEMU's arguments (the machine adds its serial log and QMP socket). */
  private commandLine(s: Scenario, d: DirtierParams, p: QemuPaths, incoming: boolean): string[] {
    const append = `console=ttyS0 panic=-1 quiet dirtier.mb=${d.mb} dirtier.rate=${d.rate} dirtier.mode=${d.mode} dirtier.hotmb=${d.hotmb} dirtier.hotpct=${d.hotpct} dirtier.fill=${d.fill}`;
    return [
      '-machine', 'q35', '-accel', 'tcg', '-cpu', 'qemu64', '-m', `${Math.round(s.vm.memoryMiB)}M`, '-smp', '1', '-nodefaults', '-no-user-config',
      '-display', 'none', '-no-reboot', '-kernel', p.kernel, '-initrd', p.initrd, '-append', append,
      ...(incoming ? ['-incoming', 'defer'] : []),
    ];
  }

  async replay(s: Scenario, o: ReplayOptions): Promise<RunResult> {
    const file = s.name;
    qemuSupports(s, file);
    const d = dirtierFor(s, file);
    const hosts = o.hosts ?? { source: {}, destination: {} };
    // This machine's testbed supplies every path a hosts file leaves out.
    const complete = (h: HostSpec): boolean => h.ssh !== undefined && h.qemu !== undefined && h.kernel !== undefined && h.initrd !== undefined;
    if (!this.paths && !(complete(hosts.source) && complete(hosts.destination))) await this.prepare();
    const log = o.log ?? (() => {});
    const { capabilities: caps, postcopyAfterSeconds } = qemuCapabilities(s);
    const warmup = s.real?.qemu?.warmupSeconds ?? 3;
    const bootTimeout = s.real?.qemu?.bootTimeoutSeconds ?? 90;
    rmSync(o.workDir, { recursive: true, force: true });
    mkdirSync(o.workDir, { recursive: true });
    const forgetWorkDir = onAbnormalExit(() => rmSync(o.workDir, { recursive: true, force: true }));
    const runId = `${process.pid}-${Date.now().toString(36)}`;
    const side = (name: 'source' | 'destination', spec: HostSpec): { m: QemuMachine; paths: QemuPaths } => ({
      m: machineFor(name, spec.ssh ? spec : { ...spec, workDir: spec.workDir ?? join(o.workDir, name) }, runId),
      paths: { qemu: spec.qemu ?? this.paths!.qemu, kernel: spec.kernel ?? this.paths!.kernel, initrd: spec.initrd ?? this.paths!.initrd },
    });
    const src = side('source', hosts.source), dst = side('destination', hosts.destination);
    const remoteDst = hosts.destination.ssh !== undefined;
    const port = hosts.destination.migrationPort ?? (remoteDst ? 4444 : await freePort());
    const address = hosts.destination.migrationAddress ?? (remoteDst ? hosts.destination.ssh!.replace(/^.*@/, '') : '127.0.0.1');
    let qs: QmpClient | null = null, qd: QmpClient | null = null;
    try {
      // Both start at once; both have finished starting (or failed) before anything is stopped.
      const started = await Promise.allSettled([src.m.start(src.paths.qemu, this.commandLine(s, d, src.paths, false)), dst.m.start(dst.paths.qemu, this.commandLine(s, d, dst.paths, true))]);
      for (const r of started) if (r.status === 'rejected') throw r.reason;
      qs = await src.m.connectQmp();
      qd = await dst.m.connectQmp();
      // Boot: wait for the dirtier, then let it run for the warm-up.
      log(`booting the ${s.vm.memoryMiB} MiB guest (TCG)…`);
      const bootDeadline = Date.now() + bootTimeout * 1000;
      for (let poll = 0; dirtierLines(src.m).length < 1; poll++) {
        if (Date.now() > bootDeadline) {
          const tail = src.m.console.text.trim().split('\n').slice(-5).join('\n  ');
          throw new Error(`the guest never started its dirtier within ${bootTimeout} s (on ${src.m.where}); last lines of its console:\n  ${tail || '(nothing)'}`);
        }
        if (poll % 8 === 0 && !(await src.m.alive())) throw new Error(`QEMU (source) died while booting (on ${src.m.where})`);
        await sleep(0.25);
      }
      await sleep(warmup);
      // Scenario time 0: checkpoints (if any) until the migration's start, then the migration.
      const zeroMs = Date.now();
      let measuredCheckpoints: { checkpoints: MeasuredCheckpoint[]; migrationWaitSeconds: number } | null = null;
      if (s.checkpoint) measuredCheckpoints = await takeCheckpoints(s, qs, src.m, zeroMs, s.migration.startSeconds, log);
      await sleep(s.migration.startSeconds - (Date.now() - zeroMs) / 1000);
      const version = await qs.execute<{ qemu: { major: number; minor: number; micro: number } }>('query-version');
      const capabilities = [{ capability: 'events', state: true }, ...caps.map((c) => ({ capability: c, state: true }))];
      await qs.execute('migrate-set-capabilities', { capabilities });
      await qd.execute('migrate-set-capabilities', { capabilities });
      const params: Record<string, unknown> = {
        'max-bandwidth': s.migration.maxBandwidthBytesPerSecond === null || s.migration.maxBandwidthBytesPerSecond === undefined ? Number.MAX_SAFE_INTEGER : Math.round(s.migration.maxBandwidthBytesPerSecond),
        'downtime-limit': Math.round((s.migration.downtimeLimitSeconds ?? 0.3) * 1000),
      };
      if (s.real?.qemu?.xbzrleCacheBytes) params['xbzrle-cache-size'] = s.real.qemu.xbzrleCacheBytes;
      if (s.real?.qemu?.multifdChannels) params['multifd-channels'] = s.real.qemu.multifdChannels;
      await qs.execute('migrate-set-parameters', params);
      if (params['multifd-channels']) await qd.execute('migrate-set-parameters', { 'multifd-channels': params['multifd-channels'] });
      const uri = `tcp:${address}:${port}`;
      try { await qd.execute('migrate-incoming', { uri }); } catch (e) {
        throw new InputError(`destination cannot listen on ${uri}: ${(e as Error).message}${/in use/i.test((e as Error).message) ? ' (the port is in use)' : ''}`);
      }
      const writesBefore = dirtierLines(src.m).length;
      log(`migrating (max-bandwidth ${params['max-bandwidth']} B/s, downtime-limit ${params['downtime-limit']} ms${caps.length ? `, ${caps.join(', ')}` : ''})…`);
      const start = Date.now();
      await qs.execute('migrate', { uri });

      const samples: Sample[] = [];
      let final: Record<string, unknown> = {};
      let cancelled = false, forced = false, postcopyStarted = false, dstKilled = false;
      let failure: string | null = null;
      const maxT = s.limits.maxTimeSeconds;
      const guardSeconds = maxT + 120;
      for (;;) {
        const t = (Date.now() - start) / 1000;
        let q: Record<string, unknown>;
        try { q = await qs.execute<Record<string, unknown>>('query-migrate'); } catch (e) { failure = `source QMP failed: ${(e as Error).message}`; break; }
        const ram = (q.ram ?? {}) as Record<string, number>;
        const status = String(q.status);
        samples.push({ t, status, transferred: ram.transferred ?? 0, normal: ram.normal ?? 0, duplicate: ram.duplicate ?? 0, dirtySync: ram['dirty-sync-count'] ?? 0, raw: q });
        if (['completed', 'failed', 'cancelled'].includes(status)) { final = q; break; }
        if (caps.includes('postcopy-ram') && !postcopyStarted && postcopyAfterSeconds !== undefined && t >= postcopyAfterSeconds && status === 'active') {
          postcopyStarted = true;
          log('migrate-start-postcopy');
          await qs.execute('migrate-start-postcopy').catch((e) => { failure = `migrate-start-postcopy: ${(e as Error).message}`; });
        }
        if (o.killDestinationAfterSeconds !== undefined && !dstKilled && t >= o.killDestinationAfterSeconds) {
          dstKilled = true;
          log('fault injection: killing the destination');
          await dst.m.kill();
        }
        if (t >= maxT && !cancelled && !forced && !status.startsWith('postcopy')) {
          if (s.limits.onTimeout === 'cancel') { cancelled = true; log(`max time ${maxT} s: migrate_cancel`); await qs.execute('migrate_cancel').catch(() => undefined); }
          else { forced = true; log(`max time ${maxT} s: forcing the switchover (downtime-limit → 2000 s)`); await qs.execute('migrate-set-parameters', { 'downtime-limit': 2000000 }).catch(() => undefined); }
        }
        if (t > guardSeconds) { failure = `no end after ${guardSeconds} s`; await qs.execute('migrate_cancel').catch(() => undefined); }
        await sleep(POLL_SECONDS);
      }
      const wallSeconds = (Date.now() - start) / 1000;
      const status = String(final.status ?? 'failed');
      if (status === 'failed' && !failure) failure = String(final['error-desc'] ?? 'QEMU reported failed');
      // Integrity and liveness checks.
      let integrity: Record<string, unknown> = { checked: false };
      let sourceRunning: boolean | null = null;
      if (status === 'completed') {
        const st = await qd.execute<{ status: string }>('query-status').catch(() => ({ status: 'unreachable' }));
        const before = dirtierLines(dst.m).length;
        await sleep(3);
        const lines = dirtierLines(dst.m).slice(before);
        const bad = lines.reduce((a, l) => Math.max(a, l.bad), 0);
        integrity = { checked: true, destinationStatus: st.status, destinationLines: lines.length, maxBad: bad, ok: st.status === 'running' && lines.length >= 2 && bad === 0 };
      } else {
        const st = await qs.execute<{ status: string }>('query-status').catch(() => ({ status: 'unreachable' }));
        sourceRunning = st.status === 'running';
        const before = dirtierLines(src.m).length;
        await sleep(2);
        const lines = dirtierLines(src.m).slice(before);
        integrity = { checked: true, sourceStatus: st.status, sourceLines: lines.length, maxBad: lines.reduce((a, l) => Math.max(a, l.bad), 0), ok: sourceRunning && lines.length >= 1 && lines.every((l) => l.bad === 0) };
      }
      // The guest's heartbeat, timed on arrival here: its pause as the guest lives it.
      const firstDst = dst.m.console.heartbeatArrivalsMs[0];
      const lastSrc = firstDst === undefined ? undefined : [...src.m.console.heartbeatArrivalsMs].reverse().find((t) => t <= firstDst);
      const guestPauseSeconds = firstDst !== undefined && lastSrc !== undefined ? (firstDst - lastSrc) / 1000 : null;
      return this.toResult(s, { guestPauseSeconds, final, samples, events: qs.events, wallSeconds, cancelled, forced, postcopyStarted, failure, integrity, sourceRunning, version: `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`, checkpoints: measuredCheckpoints, srcLines: dirtierLines(src.m).slice(writesBefore), dirtier: d, start, hosts: { source: src.m.where, destination: dst.m.where, migrationUri: uri } });
    } finally {
      for (const q of [qs, qd]) { if (q && !q.isClosed) { await q.execute('quit').catch(() => undefined); q.close(); } }
      await Promise.all([src.m.stop(), dst.m.stop()]);
      rmSync(o.workDir, { recursive: true, force: true });
      forgetWorkDir();
    }
  }

  private toResult(s: Scenario, m: { final: Record<string, unknown>; samples: Sample[]; events: { event: string; data?: Record<string, unknown>; timestampSeconds: number }[]; wallSeconds: number; cancelled: boolean; forced: boolean; postcopyStarted: boolean; failure: string | null; integrity: Record<string, unknown>; sourceRunning: boolean | null; version: string; srcLines: DirtierLine[]; dirtier: DirtierParams; start: number; guestPauseSeconds: number | null; hosts: Record<string, string>; checkpoints: { checkpoints: MeasuredCheckpoint[]; migrationWaitSeconds: number } | null }): RunResult {
    const q = m.final;
    const ram = (q.ram ?? {}) as Record<string, number>;
    // A cancelled or failed query-migrate carries no ram object: use the last sample that had one.
    const withRam = [...m.samples].reverse().find((x) => x.raw.ram !== undefined);
    const last = withRam ?? m.samples[m.samples.length - 1];
    const lastRam = ((last?.raw.ram ?? {}) as Record<string, number>);
    const status: RunResult['status'] = q.status === 'completed' ? 'completed' : q.status === 'cancelled' ? 'cancelled' : 'failed';
    const transferred = ram.transferred ?? lastRam.transferred ?? 0;
    const totalTime = typeof q['total-time'] === 'number' ? (q['total-time'] as number) / 1000 : m.wallSeconds;
    const downtime = status === 'completed' && typeof q.downtime === 'number' ? (q.downtime as number) / 1000 : 0;
    // Passes between bitmap syncs, from the polled samples (dirty-sync-count changes).
    const rows: RoundRow[] = [];
    let passStart = 0, passBytes = 0, passPages = 0;
    for (let i = 1; i < m.samples.length; i++) {
      const a = m.samples[i - 1], b = m.samples[i];
      if (b.dirtySync !== a.dirtySync || i === m.samples.length - 1) {
        const bytes = b.transferred - passBytes, pages = b.normal + b.duplicate - passPages;
        rows.push({ round: rows.length + 1, phase: b.status === 'completed' ? 'stopCopy' : b.status.startsWith('postcopy') ? 'postcopy' : 'precopy', startSeconds: passStart, durationSeconds: b.t - passStart, pagesSent: pages, zeroPagesSent: 0, pagesSkipped: 0, pagesDirtied: 0, bytes });
        passStart = b.t; passBytes = b.transferred; passPages = b.normal + b.duplicate;
      }
    }
    const writes = m.srcLines.map((l) => l.writes).sort((a, b) => a - b);
    const achievedWrites = writes.length ? writes[Math.floor(writes.length / 2)] : m.dirtier.rate;
    const totalPages = (ram.total ?? lastRam.total ?? s.vm.memoryMiB * 1048576) / 4096;
    const firstSync = m.samples.find((x) => x.dirtySync >= 2);
    const bulkRate = firstSync && firstSync.t > 0 ? firstSync.transferred / firstSync.t : null;
    const stopBytes = ram['downtime-bytes'] ?? 0;
    return {
      tool: 'miglab', source: 'qemu', scenarioName: s.name, seed: s.seed, algorithm: m.postcopyStarted ? (s.migration.algorithm === 'hybrid' ? 'hybrid' : 'postcopy') : 'precopy', policy: 'qemu', fidelity: s.fidelity,
      workloadWritesPerSecond: achievedWrites,
      status, converged: status === 'completed' && !m.forced && !m.postcopyStarted,
      stopReason: status === 'cancelled' ? 'timeout-cancelled' : m.forced ? 'timeout-forced' : m.postcopyStarted ? 'postcopy-switch' : 'converged',
      totalTimeSeconds: totalTime, downtimeSeconds: downtime, setupTimeSeconds: typeof q['setup-time'] === 'number' ? (q['setup-time'] as number) / 1000 : 0,
      bytesTransferred: transferred,
      // With multifd QEMU counts the pages sent on its channels apart (multifd-bytes), not by phase:
      // whatever the phase counters miss is then put in pre-copy.
      bytesByPhase: (() => {
        const post = ram['postcopy-bytes'] ?? 0;
        const pre = ram['precopy-bytes'] ?? Math.max(0, transferred - stopBytes - post);
        return { precopy: pre + post + stopBytes < 0.5 * transferred ? Math.max(0, transferred - stopBytes - post) : pre, stopCopy: stopBytes, postcopy: post, checkpoint: 0 };
      })(),
      pagesTransferred: (ram.normal ?? lastRam.normal ?? 0) + (ram.duplicate ?? lastRam.duplicate ?? 0),
      // Passes: QEMU's dirty-sync-count minus the sync at setup, which starts no pass (the same
      // count as miglab's rounds: live passes + the stop-and-copy), plus the post-copy phase, which
      // the sync at its start begins and no sync ends.
      rounds: Math.max(0, (ram['dirty-sync-count'] ?? lastRam['dirty-sync-count'] ?? 0) - 1) + (m.postcopyStarted ? 1 : 0),
      roundRows: rows,
      scenario: s,
      measurement: {
        qemuVersion: m.version,
        hosts: m.hosts,
        // From the guest's heartbeat (one every 20 ms, timed on arrival here): the last from the
        // source to the first from the destination. Resolution ≈ the heartbeat period.
        guestPauseSeconds: m.guestPauseSeconds,
        ...(m.checkpoints ? { checkpoints: m.checkpoints.checkpoints, checkpointMigrationWaitSeconds: m.checkpoints.migrationWaitSeconds } : {}),
        failureReason: m.failure,
        integrity: m.integrity,
        sourceRunningAfter: m.sourceRunning,
        postcopyStarted: m.postcopyStarted,
        postcopyRequests: ram['postcopy-requests'] ?? null,
        wallSeconds: m.wallSeconds,
        samples: m.samples.length,
        events: m.events.filter((e) => ['MIGRATION', 'MIGRATION_PASS', 'STOP', 'RESUME'].includes(e.event)).map((e) => ({ event: e.event, data: e.data ?? null, atSeconds: e.timestampSeconds - m.start / 1000 })),
        achieved: {
          writesPerSecond: achievedWrites,
          zeroPageFraction: totalPages > 0 ? Math.min(1, (ram.duplicate ?? lastRam.duplicate ?? 0) / totalPages) : 0,
          bulkBytesPerSecond: bulkRate,
          stopCopyBytesPerSecond: downtime > 0 && stopBytes > 0 ? stopBytes / downtime : null,
          guestTotalPages: totalPages,
        },
        dirtier: m.dirtier,
        finalQueryMigrate: q,
      },
    };
  }
}
