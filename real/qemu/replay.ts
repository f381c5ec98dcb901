import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { passesFromSamples, type MigrateSample } from './passes.ts';
import { composition } from '../../models/migration/compositions/registry.ts';
import { QEMU_PARAMETERS } from '../../models/migration/policies/qemu.ts';
import { pick } from '../../models/migration/settings.ts';
import { MIB_BYTES, PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
import { xbzrleEncodingRate } from '../../models/network/wire/xbzrle.ts';
import type { IntegrityCheck, MeasuredCheckpoint } from '../../models/run/measurement.ts';
import { qemuReplaySettings, type QemuReplaySettingsResolved } from '../../models/scenario/validate.ts';
import { runReplay, type ReplaySteps } from '../steps.ts';
import type { QemuMeasurement } from './measurement.ts';
import { localGuestImage, type GuestImage } from './guestImage.ts';
import { firstTouchSecondsPerPage } from '../hostMemoryProbe.ts';
import type { RunResult } from '../../models/run/result.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import type { ReplayBackend, ReplayOptions } from '../backend.ts';
import { qemuCapabilities, qemuSupports } from './guest.ts';
import { dirtierFor, dirtierKernelArgs, dirtierLinesIn, type DirtierLine, type DirtierParams } from '../dirtier.ts';
import { achievedStartPage, dirtierReports, dirtierStartPage, sweepLeadSeconds, sweepClockOf, sweepPointerAt, waitForSweepPage } from '../sweepPointer.ts';
import type { HostSpec, HostsSpec } from '../hosts.ts';
import { machineFor, type QemuMachine } from './machine.ts';
import { takeCheckpoints } from './checkpoints.ts';
import { onAbnormalExit } from '../processes.ts';
import { guestPauseSeconds } from '../console.ts';
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

type Sample = MigrateSample;

const POLL_SECONDS = 0.1;
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const a = srv.address(); const port = typeof a === 'object' && a ? a.port : 0; srv.close(() => resolve(port)); });
  });
}

/** QEMU's arguments for the testbed guest (the machine adds its serial log and QMP socket). */
export function guestCommandLine(p: QemuPaths, memoryMiB: number, d: DirtierParams, incoming: boolean, preallocateMemory = false): string[] {
  const append = `console=ttyS0 panic=-1 quiet ${dirtierKernelArgs(d)}`;
  return [
    '-machine', 'q35', '-accel', 'tcg', '-cpu', 'qemu64', '-m', `${Math.round(memoryMiB)}M`, ...(preallocateMemory ? ['-mem-prealloc'] : []), '-smp', '1', '-nodefaults', '-no-user-config',
    '-display', 'none', '-no-reboot', '-kernel', p.kernel, '-initrd', p.initrd, '-append', append,
    ...(incoming ? ['-incoming', 'defer'] : []),
  ];
}

/** The dirtier's report lines in a guest's console so far. */
const dirtierLines = (m: QemuMachine): DirtierLine[] => dirtierLinesIn(m.console.text);

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

  async replay(s: Scenario, o: ReplayOptions): Promise<RunResult> {
    qemuSupports(s, s.name);
    const hosts = o.hosts ?? { source: {}, destination: {} };
    // This machine's testbed supplies every path a hosts file leaves out.
    const complete = (h: HostSpec): boolean => h.ssh !== undefined && h.qemu !== undefined && h.kernel !== undefined && h.initrd !== undefined;
    if (!this.paths && !(complete(hosts.source) && complete(hosts.destination))) await this.prepare();
    return runReplay(new QemuReplay(s, o, hosts, this.paths));
  }
}

/** One replay on QEMU, step by step (real/steps.ts): the state the steps share is its fields. */
class QemuReplay implements ReplaySteps {
  readonly backend = 'qemu';
  private readonly log: (line: string) => void;
  private readonly settings: QemuReplaySettingsResolved;
  private readonly caps: string[];
  private readonly postcopyAfterSeconds: number | undefined;
  private readonly d: DirtierParams;
  private readonly src: { m: QemuMachine; paths: QemuPaths };
  private readonly dst: { m: QemuMachine; paths: QemuPaths };
  private readonly forgetWorkDir: () => void;
  private qs: QmpClient | null = null;
  private qd: QmpClient | null = null;
  private zeroMs = 0;
  private measuredCheckpoints: { checkpoints: MeasuredCheckpoint[]; migrationWaitSeconds: number } | null = null;
  private version = '';
  private uri = '';
  private maxBandwidth = 0;
  private downtimeLimitMs = 0;
  private writesBefore = 0;
  /** The sweep's start page the run achieved (workload.startPage), null for other workloads. */
  private startPage: number | null = null;
  private start = 0;
  /** This host's time to back a fresh page just before the migration (hostMemoryProbe.ts); null for remote hosts. */
  private hostFirstTouch: number | null = null;
  private readonly samples: Sample[] = [];
  private final: Record<string, unknown> = {};
  private cancelled = false;
  private forced = false;
  private postcopyStarted = false;
  private failure: string | null = null;
  private wallSeconds = 0;
  private integrity: IntegrityCheck = { checked: false };
  private sourceRunning: boolean | null = null;

  constructor(private readonly s: Scenario, private readonly o: ReplayOptions, private readonly hosts: HostsSpec, testbed: QemuPaths | null) {
    this.log = o.log ?? (() => {});
    this.settings = qemuReplaySettings(s);
    ({ capabilities: this.caps, postcopyAfterSeconds: this.postcopyAfterSeconds } = qemuCapabilities(s));
    const d = dirtierFor(s, s.name, this.settings.dirtierCpuPercent, this.settings.dirtierEntropyBytes);
    this.d = { ...d, start: dirtierStartPage(s, d, sweepLeadSeconds(this.settings.warmupSeconds)) };
    rmSync(o.workDir, { recursive: true, force: true });
    mkdirSync(o.workDir, { recursive: true });
    this.forgetWorkDir = onAbnormalExit(() => rmSync(o.workDir, { recursive: true, force: true }));
    const runId = `${process.pid}-${Date.now().toString(36)}`;
    const side = (name: 'source' | 'destination', spec: HostSpec): { m: QemuMachine; paths: QemuPaths } => ({
      m: machineFor(name, spec.ssh ? spec : { ...spec, workDir: spec.workDir ?? join(o.workDir, name) }, runId),
      paths: { qemu: spec.qemu ?? testbed!.qemu, kernel: spec.kernel ?? testbed!.kernel, initrd: spec.initrd ?? testbed!.initrd },
    });
    this.src = side('source', hosts.source);
    this.dst = side('destination', hosts.destination);
  }

  private commandLine(p: QemuPaths, incoming: boolean): string[] {
    return guestCommandLine(p, this.s.vm.memoryMiB, this.d, incoming, this.settings.preallocateMemory);
  }

  async boot(): Promise<void> {
    const { src, dst } = this;
    // Both start at once; both have finished starting (or failed) before anything is stopped.
    const started = await Promise.allSettled([src.m.start(src.paths.qemu, this.commandLine(src.paths, false)), dst.m.start(dst.paths.qemu, this.commandLine(dst.paths, true))]);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    this.qs = await src.m.connectQmp();
    this.qd = await dst.m.connectQmp();
    // Wait for the dirtier, then let it run for the warm-up.
    this.log(`booting the ${this.s.vm.memoryMiB} MiB guest (TCG)…`);
    const bootTimeout = this.settings.bootTimeoutSeconds;
    const bootDeadline = Date.now() + bootTimeout * 1000;
    for (let poll = 0; dirtierLines(src.m).length < 1; poll++) {
      if (Date.now() > bootDeadline) {
        const tail = src.m.console.text.trim().split('\n').slice(-5).join('\n  ');
        throw new Error(`the guest never started its dirtier within ${bootTimeout} s (on ${src.m.where}); last lines of its console:\n  ${tail || '(nothing)'}`);
      }
      if (poll % 8 === 0 && !(await src.m.alive())) throw new Error(`QEMU (source) died while booting (on ${src.m.where})`);
      await sleep(0.25);
    }
    await sleep(this.settings.warmupSeconds);
    this.zeroMs = Date.now(); // scenario time 0
  }

  async checkpoints(): Promise<void> {
    if (this.s.checkpoint) this.measuredCheckpoints = await takeCheckpoints(this.s, this.qs!, this.src.m, this.zeroMs, this.s.migration.startSeconds, this.log);
    await sleep(this.s.migration.startSeconds - (Date.now() - this.zeroMs) / 1000);
  }

  async configure(): Promise<void> {
    const s = this.s, qs = this.qs!, qd = this.qd!;
    const v = await qs.execute<{ qemu: { major: number; minor: number; micro: number } }>('query-version');
    this.version = `${v.qemu.major}.${v.qemu.minor}.${v.qemu.micro}`;
    const capabilities = [{ capability: 'events', state: true }, ...this.caps.map((c) => ({ capability: c, state: true }))];
    await qs.execute('migrate-set-capabilities', { capabilities });
    await qd.execute('migrate-set-capabilities', { capabilities });
    // The scenario's QEMU policy parameters (resolved: present for policy qemu, null = no cap).
    const { downtimeLimitSeconds, maxBandwidthBytesPerSecond } = pick(s.migration, 'a QEMU replay', QEMU_PARAMETERS);
    this.maxBandwidth = maxBandwidthBytesPerSecond === null ? Number.MAX_SAFE_INTEGER : Math.round(maxBandwidthBytesPerSecond);
    this.downtimeLimitMs = Math.round(downtimeLimitSeconds * 1000);
    const params: Record<string, unknown> = { 'max-bandwidth': this.maxBandwidth, 'downtime-limit': this.downtimeLimitMs };
    if (this.settings.xbzrleCacheBytes) params['xbzrle-cache-size'] = this.settings.xbzrleCacheBytes;
    const ac = this.settings.autoConverge;
    if (ac) Object.assign(params, { 'cpu-throttle-initial': ac.initialPercent, 'cpu-throttle-increment': ac.incrementPercent, 'max-cpu-throttle': ac.maxPercent, 'throttle-trigger-threshold': ac.triggerThresholdPercent, 'cpu-throttle-tailslow': ac.tailslow });
    const mf = this.settings.multifd;
    if (mf) Object.assign(params, { 'multifd-channels': mf.channels, 'multifd-compression': mf.compression });
    await qs.execute('migrate-set-parameters', params);
    // The destination needs the same channels and compression to accept the streams.
    if (mf) await qd.execute('migrate-set-parameters', { 'multifd-channels': mf.channels, 'multifd-compression': mf.compression });
    const remoteDst = this.hosts.destination.ssh !== undefined;
    const port = this.hosts.destination.migrationPort ?? (remoteDst ? 4444 : await freePort());
    const address = this.hosts.destination.migrationAddress ?? (remoteDst ? this.hosts.destination.ssh!.replace(/^.*@/, '') : '127.0.0.1');
    this.uri = `tcp:${address}:${port}`;
    try { await qd.execute('migrate-incoming', { uri: this.uri }); } catch (e) {
      throw new InputError(`destination cannot listen on ${this.uri}: ${(e as Error).message}${/in use/i.test((e as Error).message) ? ' (the port is in use)' : ''}`);
    }
  }

  async migrate(): Promise<void> {
    const s = this.s, o = this.o, qs = this.qs!;
    this.writesBefore = dirtierLines(this.src.m).length;
    // Before the sweep pointer's wait, so the probe's ≈ 0.1–2 s cannot move the start page.
    if (this.hosts.source.ssh === undefined && this.hosts.destination.ssh === undefined) this.hostFirstTouch = firstTouchSecondsPerPage();
    // A sweep starts where the scenario puts its pointer (workload.startPage): wait for it, at most one sweep of the buffer.
    const clock = sweepClockOf(s, this.d);
    if (clock) await waitForSweepPage(s, clock, dirtierReports(this.src.m.console), this.log);
    this.log(`migrating (max-bandwidth ${this.maxBandwidth} B/s, downtime-limit ${this.downtimeLimitMs} ms${this.caps.length ? `, ${this.caps.join(', ')}` : ''})…`);
    this.start = Date.now();
    await qs.execute('migrate', { uri: this.uri });
    if (clock) this.startPage = achievedStartPage(s, clock, sweepPointerAt(dirtierReports(this.src.m.console), clock, this.start)!);
    let dstKilled = false;
    const maxT = s.limits.maxTimeSeconds;
    const guardSeconds = maxT + 120;
    for (;;) {
      const t = (Date.now() - this.start) / 1000;
      let q: Record<string, unknown>;
      try { q = await qs.execute<Record<string, unknown>>('query-migrate'); } catch (e) { this.failure = `source QMP failed: ${(e as Error).message}`; break; }
      const ram = (q.ram ?? {}) as Record<string, number>;
      const status = String(q.status);
      this.samples.push({ t, status, transferred: ram.transferred ?? 0, normal: ram.normal ?? 0, duplicate: ram.duplicate ?? 0, dirtySync: ram['dirty-sync-count'] ?? 0, raw: q });
      if (['completed', 'failed', 'cancelled'].includes(status)) { this.final = q; break; }
      if (this.caps.includes('postcopy-ram') && !this.postcopyStarted && this.postcopyAfterSeconds !== undefined && t >= this.postcopyAfterSeconds && status === 'active') {
        this.postcopyStarted = true;
        this.log('migrate-start-postcopy');
        await qs.execute('migrate-start-postcopy').catch((e) => { this.failure = `migrate-start-postcopy: ${(e as Error).message}`; });
      }
      if (o.killDestinationAfterSeconds !== undefined && !dstKilled && t >= o.killDestinationAfterSeconds) {
        dstKilled = true;
        this.log('fault injection: killing the destination');
        await this.dst.m.kill();
      }
      if (t >= maxT && !this.cancelled && !this.forced && !status.startsWith('postcopy')) {
        if (s.limits.onTimeout === 'cancel') { this.cancelled = true; this.log(`max time ${maxT} s: migrate_cancel`); await qs.execute('migrate_cancel').catch(() => undefined); }
        else { this.forced = true; this.log(`max time ${maxT} s: forcing the switchover (downtime-limit → 2000 s)`); await qs.execute('migrate-set-parameters', { 'downtime-limit': 2000000 }).catch(() => undefined); }
      }
      if (t > guardSeconds) { this.failure = `no end after ${guardSeconds} s`; await qs.execute('migrate_cancel').catch(() => undefined); }
      await sleep(POLL_SECONDS);
    }
    this.wallSeconds = (Date.now() - this.start) / 1000;
    const status = String(this.final.status ?? 'failed');
    if (status === 'failed' && !this.failure) this.failure = String(this.final['error-desc'] ?? 'QEMU reported failed');
  }

  async verify(): Promise<void> {
    const qs = this.qs!, qd = this.qd!, src = this.src, dst = this.dst;
    if (String(this.final.status) === 'completed') {
      const st = await qd.execute<{ status: string }>('query-status').catch(() => ({ status: 'unreachable' }));
      const before = dirtierLines(dst.m).length;
      await sleep(3);
      const lines = dirtierLines(dst.m).slice(before);
      const bad = lines.reduce((a, l) => Math.max(a, l.bad), 0);
      this.integrity = { checked: true, destinationStatus: st.status, destinationLines: lines.length, maxBad: bad, ok: st.status === 'running' && lines.length >= 2 && bad === 0 };
    } else {
      const st = await qs.execute<{ status: string }>('query-status').catch(() => ({ status: 'unreachable' }));
      this.sourceRunning = st.status === 'running';
      const before = dirtierLines(src.m).length;
      await sleep(2);
      const lines = dirtierLines(src.m).slice(before);
      this.integrity = { checked: true, sourceStatus: st.status, sourceLines: lines.length, maxBad: lines.reduce((a, l) => Math.max(a, l.bad), 0), ok: this.sourceRunning && lines.length >= 1 && lines.every((l) => l.bad === 0) };
    }
  }

  collect(): RunResult {
    // The guest's heartbeat, timed on arrival here: its pause as the guest lives it.
    const guestPause = guestPauseSeconds(this.src.m.console, this.dst.m.console);
    return toResult(this.s, { guestPauseSeconds: guestPause, final: this.final, samples: this.samples, events: this.qs!.events, wallSeconds: this.wallSeconds, cancelled: this.cancelled, forced: this.forced, postcopyStarted: this.postcopyStarted, failure: this.failure, integrity: this.integrity, sourceRunning: this.sourceRunning, version: this.version, checkpoints: this.measuredCheckpoints, srcLines: dirtierLines(this.src.m).slice(this.writesBefore), dirtier: this.d, start: this.start, startPage: this.startPage, guestImage: localGuestImage(this.src.paths.kernel, this.src.paths.initrd, this.hosts.source.ssh === undefined), hostFirstTouchSecondsPerPage: this.hostFirstTouch, hosts: { source: this.src.m.where, destination: this.dst.m.where, migrationUri: this.uri } });
  }

  async cleanUp(): Promise<void> {
    for (const q of [this.qs, this.qd]) { if (q && !q.isClosed) { await q.execute('quit').catch(() => undefined); q.close(); } }
    await Promise.all([this.src.m.stop(), this.dst.m.stop()]);
    rmSync(this.o.workDir, { recursive: true, force: true });
    this.forgetWorkDir();
  }
}

/** The measurement in the shape of a simulated run: QEMU's own figures, and what the guest showed. */
function toResult(s: Scenario, m: { final: Record<string, unknown>; samples: Sample[]; events: { event: string; data?: Record<string, unknown>; timestampSeconds: number }[]; wallSeconds: number; cancelled: boolean; forced: boolean; postcopyStarted: boolean; failure: string | null; integrity: IntegrityCheck; sourceRunning: boolean | null; version: string; srcLines: DirtierLine[]; dirtier: DirtierParams; start: number; startPage: number | null; guestImage: GuestImage; hostFirstTouchSecondsPerPage: number | null; guestPauseSeconds: number | null; hosts: QemuMeasurement['hosts']; checkpoints: { checkpoints: MeasuredCheckpoint[]; migrationWaitSeconds: number } | null }): RunResult {
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
  const rows = passesFromSamples(m.samples);
  const writes = m.srcLines.map((l) => l.writes).sort((a, b) => a - b);
  const achievedWrites = writes.length ? writes[Math.floor(writes.length / 2)] : m.dirtier.rate;
  const totalPages = (ram.total ?? lastRam.total ?? s.vm.memoryMiB * MIB_BYTES) / PAGE_SIZE_BYTES;
  const firstSync = m.samples.find((x) => x.dirtySync >= 2);
  const bulkRate = firstSync && firstSync.t > 0 ? firstSync.transferred / firstSync.t : null;
  const stopBytes = ram['downtime-bytes'] ?? 0;
  // The post-copy phase: from QEMU's postcopy-active to completed, its postcopy-bytes.
  const statusAt = (st: string): number | undefined => m.events.find((e) => e.event === 'MIGRATION' && e.data?.status === st)?.timestampSeconds;
  const postStart = statusAt('postcopy-active'), postEnd = statusAt('completed');
  const postcopyRate = m.postcopyStarted && postStart !== undefined && postEnd !== undefined && postEnd > postStart && (ram['postcopy-bytes'] ?? 0) > 0 ? ram['postcopy-bytes'] / (postEnd - postStart) : null;
  const features = measuredFeatures(s, m.samples, m.srcLines, m.dirtier, ram, lastRam);
  return {
    tool: 'miglab', source: 'qemu', scenarioName: s.name, seed: s.seed, algorithm: m.postcopyStarted ? (composition(s.migration).final.name === 'stop-and-copy' ? 'postcopy' : s.migration.algorithm) : 'precopy', policy: 'qemu', fidelity: s.fidelity,
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
    ...features,
    roundRows: rows,
    scenario: s,
    measurement: <QemuMeasurement>{
      qemuVersion: m.version,
      guestImage: m.guestImage,
      hostFirstTouchSecondsPerPage: m.hostFirstTouchSecondsPerPage,
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
        postcopyBytesPerSecond: postcopyRate,
        ...(m.startPage !== null ? { sweepStartPage: m.startPage } : {}),
        guestTotalPages: totalPages,
      },
      dirtier: m.dirtier,
      dirtierWritesPerSecond: m.srcLines.map((l) => l.writes),
      ...(s.migration.autoConverge ? { throttleTimeline: throttleTimeline(m.samples) } : {}),
      finalQueryMigrate: q,
    },
  };
}

/**
 * What QEMU's convergence features did, in the simulator's shapes: auto-converge from the
 * throttle query-migrate reported at each poll (cpu-throttle-percentage, every 100 ms: the CPU
 * lost is ∫ p dt over the polls) and the dirtier's once-a-second write counts (the workload's lost
 * seconds: Σ (1 − writes / nominal rate) over the seconds of the migration); XBZRLE from
 * query-migrate's xbzrle-cache; multifd from its multifd-bytes.
 */
function measuredFeatures(s: Scenario, samples: Sample[], lines: DirtierLine[], d: DirtierParams, ram: Record<string, number>, lastRam: Record<string, number>): Pick<RunResult, 'autoConverge' | 'xbzrle' | 'multifd'> {
  const out: Pick<RunResult, 'autoConverge' | 'xbzrle' | 'multifd'> = {};
  const mf = s.migration.multifd;
  if (mf) out.multifd = { channels: mf.channels, compression: mf.compression, bytesPerChannel: (ram['multifd-bytes'] ?? lastRam['multifd-bytes'] ?? 0) / mf.channels };
  if (s.migration.autoConverge) {
    let max = 0, steps = 0, lost = 0, prev = 0;
    for (let i = 0; i < samples.length; i++) {
      const pct = Number(samples[i].raw['cpu-throttle-percentage'] ?? 0);
      if (pct > prev) steps++;
      if (pct > 0) prev = pct;
      max = Math.max(max, pct);
      if (i > 0) lost += (Number(samples[i - 1].raw['cpu-throttle-percentage'] ?? 0) / 100) * (samples[i].t - samples[i - 1].t);
    }
    const workloadLost = d.rate > 0 ? lines.reduce((a, l) => a + Math.max(0, 1 - l.writes / d.rate), 0) : 0;
    out.autoConverge = { throttleMaxPercent: max, throttleSteps: steps, guestCpuSecondsLost: lost, workloadSecondsLost: workloadLost };
  }
  if (s.migration.xbzrle) {
    // query-migrate's xbzrle-cache sits beside ram, not in it: the final answer's, else the last poll that had one.
    const x = ([...samples].reverse().map((v) => v.raw['xbzrle-cache']).find((v) => v !== undefined) ?? {}) as Record<string, number>;
    out.xbzrle = { cacheBytes: x['cache-size'] ?? s.migration.xbzrle.cacheBytes, pages: x.pages ?? 0, bytes: x.bytes ?? 0, cacheMisses: x['cache-miss'] ?? 0, overflows: x.overflow ?? 0, encodingRate: xbzrleEncodingRate(x.pages ?? 0, x.bytes ?? 0) };
  }
  return out;
}

/** The throttle's changes over the migration, from the polls (rounded to the 100 ms poll). */
function throttleTimeline(samples: Sample[]): [number, number][] {
  const out: [number, number][] = [];
  for (const x of samples) {
    const pct = Number(x.raw['cpu-throttle-percentage'] ?? 0);
    if (out.length === 0 ? pct > 0 : out[out.length - 1][1] !== pct) out.push([Math.round(x.t * 10) / 10, pct]);
  }
  return out;
}
