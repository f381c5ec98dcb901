import type { QemuMeasurement } from '../../real/qemu/measurement.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuBackend, guestCommandLine } from '../../real/qemu/replay.ts';
import { qemuReplaySettings } from '../../models/scenario/validate.ts';
import { testbedCommand } from '../../scripts/commands/testbed.ts';
import { liveProcesses } from '../../real/processes.ts';
import { loadScenario } from '../../models/scenario/load.ts';
import { compare } from '../../real/validation.ts';
import { parseHosts } from '../../real/hosts.ts';
import { qemuCapabilities, qemuSupports } from '../../real/qemu/guest.ts';
import { createServer } from 'node:net';

const freePort = (): Promise<number> => new Promise((resolve) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => { const a = srv.address() as { port: number }; srv.close(() => resolve(a.port)); });
});
import { runScenario } from '../../models/run/runScenario.ts';
import { loadZeroMap } from '../../models/memory/zeroMap.ts';

/**
 * Real QEMU 10 migrations on this machine (TCG), prepared by scripts/testbeds/qemu-setup.sh from
 * Debian packages. MIGLAB_SKIP_E2E=1 skips them where that cannot be installed.
 */
const skip = process.env.MIGLAB_SKIP_E2E === '1';
const t = skip ? test.skip : test;
const scratch = mkdtempSync(join(tmpdir(), 'miglab-qemu-test-'));
const backend = new QemuBackend();
const work = (n: string) => join(scratch, n);
// The bracket keeps pgrep from matching its own shell's command line.
const ourQemus = (): number => Number(spawnSync('bash', ['-c', `pgrep -f -- "[-]serial file:${scratch}" | wc -l`], { encoding: 'utf8' }).stdout.trim());

// A private sshd on this machine stands in for two remote hosts (scripts/testbeds/ssh-local.sh).
let sshdPid: number | null = null;
let sshConfig: string | null = null;
test.after(() => {
  if (sshdPid !== null) { try { process.kill(sshdPid); } catch { /* gone */ } }
  rmSync(scratch, { recursive: true, force: true });
});

t('testbed: QEMU ≥ 9, kernel and initramfs from Debian packages', async () => {
  await backend.prepare();
  const v = spawnSync(backend.paths!.qemu, ['--version'], { encoding: 'utf8' }).stdout;
  const major = Number(/version (\d+)/.exec(v)?.[1]);
  assert.ok(major >= 9, v);
});

t('converging pre-copy: completes, guest intact, numbers consistent with QEMU, prediction within ±25 % time / ±15 % bytes', async () => {
  const s = loadScenario('scenarios/qemu-replay-converging.json').scenario;
  const r = await backend.replay(s, { workDir: work('conv') });
  const m = (r.measurement as QemuMeasurement);
  const q = m.finalQueryMigrate as Record<string, any>;
  assert.is(r.status, 'completed', String(m.failureReason));
  assert.ok((m.integrity as any).ok, JSON.stringify(m.integrity));
  // The adapter's fields are QEMU's own figures.
  assert.is(r.bytesTransferred, q.ram.transferred);
  assert.is(r.totalTimeSeconds, q['total-time'] / 1000);
  assert.is(r.downtimeSeconds, q.downtime / 1000);
  assert.is(r.rounds, q.ram['dirty-sync-count'] - 1); // minus the setup sync
  // The guest image it ran: the testbed kernel's own version string, the initramfs by its hash-named file.
  assert.match(String(m.guestImage?.kernelVersion), /^\d+\.\d+\.\d+\S* \(/);
  assert.match(String(m.guestImage?.initrd), /^initramfs-[0-9a-f]+\.cpio\.gz$/);
  // The host's memory-backing time, probed before the migrate command (a local replay): a time per page.
  assert.ok(typeof m.hostFirstTouchSecondsPerPage === 'number' && m.hostFirstTouchSecondsPerPage > 0 && m.hostFirstTouchSecondsPerPage < 1, String(m.hostFirstTouchSecondsPerPage));
  assert.ok(Math.abs(r.bytesByPhase.precopy + r.bytesByPhase.stopCopy - r.bytesTransferred) <= 0.01 * r.bytesTransferred);
  assert.ok(Math.abs((m.achieved as any).writesPerSecond - 2000) / 2000 < 0.05, 'the dirtier ran at its rate');
  assert.ok((m.events as { event: string }[]).some((e) => e.event === 'MIGRATION_PASS'));
  // The guest's own view of the pause (heartbeat every 20 ms): at least QEMU's downtime, well under a second.
  const guestPause = m.guestPauseSeconds as number;
  assert.ok(guestPause >= r.downtimeSeconds - 0.025 && guestPause < 1, `guest pause ${guestPause} s vs QEMU downtime ${r.downtimeSeconds} s`);
  const { rows } = compare(s, r);
  const err = (metric: string) => rows.find((x) => x.metric === metric)!.errorAchievedPercent!;
  assert.ok(Math.abs(err('totalTimeSeconds')) <= 25, `time error ${err('totalTimeSeconds')} %`);
  assert.ok(Math.abs(err('bytesTransferred')) <= 15, `bytes error ${err('bytesTransferred')} %`);
  assert.is(rows.find((x) => x.metric === 'converged')!.errorAchievedPercent, 0);
  assert.is(liveProcesses(), 0);
  assert.is(ourQemus(), 0);
});

t('non-converging pre-copy: cancelled at max time, the source keeps running intact; miglab agrees it cannot converge', async () => {
  const s = loadScenario('scenarios/qemu-replay-nonconverging.json').scenario;
  const r = await backend.replay(s, { workDir: work('nonconv') });
  assert.is(r.status, 'cancelled');
  assert.is((r.measurement as QemuMeasurement).sourceRunningAfter, true);
  assert.ok(((r.measurement as QemuMeasurement).integrity as any).ok, JSON.stringify((r.measurement as QemuMeasurement).integrity));
  // QEMU kept sending at its 10 MiB/s cap until the cancel (the bulk pass alone takes ≈ 13 s).
  assert.ok(r.rounds >= 1, 'at least the bulk pass was counted');
  assert.ok(r.bytesTransferred > 0.8 * 10485760 * (r.totalTimeSeconds - 1), `${r.bytesTransferred} B in ${r.totalTimeSeconds} s`);
  assert.is(runScenario(s).status, 'cancelled');
  assert.is(ourQemus(), 0);
});

t('hybrid: a guest that pre-copy cannot move completes in post-copy after migrate-start-postcopy, intact; time and bytes as predicted within ±15 %, a handful of faults as predicted', async () => {
  const s = loadScenario('scenarios/qemu-replay-postcopy.json').scenario;
  const r = await backend.replay(s, { workDir: work('post') });
  assert.is(r.status, 'completed', String((r.measurement as QemuMeasurement).failureReason));
  assert.is((r.measurement as QemuMeasurement).postcopyStarted, true);
  assert.is(r.algorithm, 'hybrid');
  assert.is(r.stopReason, 'postcopy-switch');
  assert.ok(r.bytesByPhase.postcopy > 0);
  assert.ok(((r.measurement as QemuMeasurement).integrity as any).ok, JSON.stringify((r.measurement as QemuMeasurement).integrity));
  // The model's hybrid migration (models/migration/postcopy.ts) against QEMU's.
  const { rows } = compare(s, r);
  const err = (m: string) => rows.find((x) => x.metric === m)!.errorNominalPercent!;
  // The post-copy phase runs uncapped, as fast as this host's loopback and CPUs go (slower on a
  // loaded machine): time is compared from the rate the run achieved there, bytes from nominal inputs.
  const achievedTime = rows.find((x) => x.metric === 'totalTimeSeconds')!.errorAchievedPercent!;
  assert.ok(typeof (r.measurement as QemuMeasurement).achieved?.postcopyBytesPerSecond === 'number', 'the post-copy phase\'s rate was measured');
  assert.ok(Math.abs(achievedTime) <= 15, `total time ${achievedTime.toFixed(1)} % from the achieved post-copy rate (${err('totalTimeSeconds').toFixed(1)} % from nominal inputs)`);
  assert.ok(Math.abs(err('bytesTransferred')) <= 15, `bytes ${err('bytesTransferred').toFixed(1)} %`);
  assert.is(rows.find((x) => x.metric === 'rounds')!.measured, rows.find((x) => x.metric === 'rounds')!.predictedNominal);
  // QEMU's postcopy-requests against the model's faults with QEMU's push order: a sequential writer
  // finds the stream just ahead of it after a request, so both are a handful (QEMU also serves the
  // guest kernel's own first touches, which the model does not write); the push in address order
  // would predict ≈ 470.
  const faults = rows.find((x) => x.metric === 'postcopyFaults')!;
  const [m, p] = [faults.measured, faults.predictedNominal];
  assert.ok(m <= 10 * p + 40 && p <= 10 * m + 40, `faults: QEMU ${m}, model ${p}`);
  assert.is(ourQemus(), 0);
});

t('faults: destination killed mid-migration → failed with a reason, source still running; a guest that never boots → clear error, nothing left', async () => {
  const s = loadScenario('scenarios/qemu-replay-nonconverging.json').scenario;
  const r = await backend.replay(s, { workDir: work('kill'), killDestinationAfterSeconds: 2 });
  assert.is(r.status, 'failed');
  assert.ok(String((r.measurement as QemuMeasurement).failureReason).length > 0);
  assert.is((r.measurement as QemuMeasurement).sourceRunningAfter, true);
  const broken = new QemuBackend();
  broken.paths = { ...backend.paths!, initrd: '/dev/null' };
  const bad = loadScenario('scenarios/qemu-replay-converging.json', ['real.qemu.bootTimeoutSeconds=8']).scenario;
  try {
    await broken.replay(bad, { workDir: work('noboot') });
    assert.unreachable('should fail');
  } catch (e) {
    assert.match((e as Error).message, /never started its dirtier within 8 s|died while booting|exited at start/);
  }
  // A migration port already taken on the destination: a clear error, both QEMUs stopped. The
  // guest boots with the default (generous) boot timeout, so a slow boot on a loaded machine
  // cannot pre-empt the port check.
  const good = loadScenario('scenarios/qemu-replay-converging.json').scenario;
  const blocker = createServer();
  const busyPort = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
  try {
    await backend.replay(good, { workDir: work('busy'), hosts: parseHosts({ destination: { migrationPort: busyPort } }, 'hosts.json') });
    assert.unreachable('should fail');
  } catch (e) {
    assert.match((e as Error).message, new RegExp(`destination cannot listen on tcp:127\\.0\\.0\\.1:${busyPort}: .*\\(the port is in use\\)`));
  } finally {
    blocker.close();
  }
  assert.is(ourQemus(), 0);
  const missing = new QemuBackend();
  missing.paths = { ...backend.paths!, qemu: '/nonexistent/qemu-system-x86_64' };
  try {
    await missing.replay(bad, { workDir: work('missing') });
    assert.unreachable('should fail');
  } catch (e) {
    assert.match((e as Error).message, /cannot start QEMU \(source\) \/nonexistent\/qemu-system-x86_64: no such binary/);
  }
  assert.is(liveProcesses(), 0);
  assert.is(ourQemus(), 0);
});

t('capabilities: xbzrle with auto-converge, and multifd over two channels, each completes intact with QEMU accounting for them as the model does', async () => {
  const x = loadScenario('scenarios/qemu-replay-converging.json', ['fidelity="page"', 'migration.xbzrle={"cacheBytes":33554432}', 'migration.autoConverge={"initialPercent":30}']).scenario;
  const rx = await backend.replay(x, { workDir: work('xbzrle') });
  assert.is(rx.status, 'completed', String((rx.measurement as QemuMeasurement).failureReason));
  assert.ok(((rx.measurement as QemuMeasurement).integrity as any).ok, JSON.stringify((rx.measurement as QemuMeasurement).integrity));
  const qx = (rx.measurement as QemuMeasurement).finalQueryMigrate as Record<string, any>;
  assert.is(qx['xbzrle-cache']['cache-size'], 33554432, 'xbzrle was on with the scenario\'s cache size');
  assert.is(rx.xbzrle!.cacheBytes, 33554432);
  assert.ok(rx.autoConverge !== undefined && rx.autoConverge.throttleMaxPercent >= 0, 'the throttle was measured');
  const mf = loadScenario('scenarios/qemu-replay-converging.json', ['migration.multifd={"channels":2}']).scenario;
  const rm = await backend.replay(mf, { workDir: work('multifd') });
  assert.is(rm.status, 'completed', String((rm.measurement as QemuMeasurement).failureReason));
  assert.ok(((rm.measurement as QemuMeasurement).integrity as any).ok, JSON.stringify((rm.measurement as QemuMeasurement).integrity));
  const qm = (rm.measurement as QemuMeasurement).finalQueryMigrate as Record<string, any>;
  assert.ok(qm.ram['multifd-bytes'] > 0.5 * rm.bytesTransferred, 'the pages went over the multifd channels');
  assert.ok(Math.abs(rm.bytesByPhase.precopy + rm.bytesByPhase.stopCopy - rm.bytesTransferred) <= 0.01 * rm.bytesTransferred, 'phases add up under multifd too');
  assert.is(ourQemus(), 0);
});

t('checkpoints as background snapshots: taken on schedule while the guest runs, then the migration; pause and image size against the model', async () => {
  const s = loadScenario('scenarios/qemu-replay-checkpoints.json').scenario;
  const r = await backend.replay(s, { workDir: work('cp') });
  const m = (r.measurement as QemuMeasurement);
  assert.is(r.status, 'completed', String(m.failureReason));
  assert.ok((m.integrity as any).ok, JSON.stringify(m.integrity));
  const cps = m.checkpoints as { instantSeconds: number; status: string; pauseSeconds: number; durationSeconds: number; bytes: number; pages: number }[];
  // Every 2 s from 0 until the migration at 5 s: at 0, 2 and 4 s, unless a snapshot outlasts its
  // slot (a slow host): the next then starts when it ends (onOverrun "delay"), and none starts at 5 s
  // or later. The slots follow from the measured durations, whatever the host's speed.
  let due = 0;
  const expected: number[] = [];
  for (const c of cps) {
    if (due >= 5) break;
    expected.push(due);
    due = Math.max(due + 2, c.instantSeconds + c.durationSeconds);
  }
  if (due < 5) expected.push(due);
  // (A slot this close to 5 s may fall either side of it: the durations are QEMU's, the replay's clock a poll later.)
  const missing = expected.slice(cps.length);
  assert.ok(cps.length <= expected.length && missing.every((x) => x > 4.5), `checkpoints at ${cps.map((c) => c.instantSeconds.toFixed(2)).join(', ')} s for slots ${expected.map((x) => x.toFixed(2)).join(', ')} s`);
  // At least the slot at 0 s; on a host fast enough for the first snapshot to end before 3 s, the
  // slot at 2 s too (the schedule above follows the measured durations, a loaded host's included).
  assert.ok(cps.length >= 1 && (cps[0].durationSeconds > 3 || cps.length >= 2), `checkpoints ${cps.map((c) => `${c.instantSeconds.toFixed(2)} s (${c.durationSeconds.toFixed(2)} s long)`).join(', ')} before the migration at 5 s`);
  cps.forEach((c, i) => {
    assert.is(c.status, 'completed');
    assert.ok(Math.abs(c.instantSeconds - expected[i]) < 0.5, `checkpoint ${i} at ${c.instantSeconds} s, its slot ${expected[i]} s`);
    assert.ok(c.pauseSeconds > 0 && c.pauseSeconds < 0.1, `a short pause (${c.pauseSeconds} s): the guest runs while the snapshot streams`);
    assert.ok(c.durationSeconds > c.pauseSeconds);
    assert.ok(c.pages >= 65536, 'a full image of the 256 MiB guest');
  });
  const { rows } = compare(s, r);
  const row = (metric: string) => rows.find((x) => x.metric === metric)!;
  assert.ok(Math.abs(row('firstCheckpointBytes').errorAchievedPercent!) <= 15, `first image size error ${row('firstCheckpointBytes').errorAchievedPercent} %`);
  assert.ok(row('checkpointPauseSeconds').measured > 0);
  assert.is(ourQemus(), 0);
});

t('remote hosts over ssh (--hosts): both QEMUs started, driven and stopped through ssh; the guest arrives intact', async () => {
  const sshDir = work('ssh');
  const setup = spawnSync('bash', ['scripts/testbeds/ssh-local.sh', sshDir, String(await freePort())], { encoding: 'utf8' });
  assert.is(setup.status, 0, setup.stderr);
  const kv = Object.fromEntries(setup.stdout.trim().split('\n').map((l) => l.split('=')));
  sshdPid = Number(kv.SSHD_PID);
  sshConfig = kv.SSH_CONFIG;
  const ssh = ['-F', kv.SSH_CONFIG];
  const hosts = parseHosts({
    source: { ssh: 'miglab-a', sshOptions: ssh, workDir: work('remote-src') },
    destination: { ssh: 'miglab-b', sshOptions: ssh, workDir: work('remote-dst'), migrationAddress: '127.0.0.1', migrationPort: await freePort() },
  }, 'hosts.json');
  const s = loadScenario('scenarios/qemu-replay-converging.json').scenario;
  const r = await backend.replay(s, { workDir: work('remote'), hosts });
  const m = (r.measurement as QemuMeasurement);
  assert.is(r.status, 'completed', String(m.failureReason));
  assert.ok((m.integrity as any).ok, JSON.stringify(m.integrity));
  assert.equal(m.hosts, { source: 'miglab-a', destination: 'miglab-b', migrationUri: `tcp:127.0.0.1:${hosts.destination.migrationPort}` });
  assert.is(r.bytesTransferred, (m.finalQueryMigrate as any).ram.transferred);
  assert.is(ourQemus(), 0);
  // An unreachable host is a clear error, and nothing is left behind.
  const dead = parseHosts({ source: { ssh: 'miglab-a', sshOptions: [...ssh, '-p', String(await freePort()), '-o', 'ConnectTimeout=5'] } }, 'hosts.json');
  try {
    await backend.replay(s, { workDir: work('unreachable'), hosts: dead });
    assert.unreachable('should fail');
  } catch (e) {
    assert.match((e as Error).message, /cannot reach the source host miglab-a over ssh/);
  }
  assert.is(liveProcesses(), 0);
  assert.is(ourQemus(), 0);
});

t('Ctrl-C during a replay stops every QEMU it started, on this machine and on ssh hosts', async () => {
  const interrupt = async (name: string, hosts: Record<string, unknown>): Promise<void> => {
    const file = work(`${name}-hosts.json`);
    writeFileSync(file, JSON.stringify(hosts));
    const child = spawn(process.execPath, ['scripts/miglab.mjs', 'replay', 'scenarios/qemu-replay-nonconverging.json', '--backend', 'qemu', '--hosts', file, '--out', work(`${name}-out`)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no migration started: ${stderr}`)), 120000);
      child.stderr!.on('data', (b) => { stderr += b; if (stderr.includes('migrating')) { clearTimeout(timer); resolve(); } });
    });
    assert.ok(ourQemus() >= 2, `${name}: both QEMUs run before the interrupt`);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.is(code, 130, `${name}: exit status of an interrupted command`);
    for (let i = 0; i < 300 && ourQemus() > 0; i++) await new Promise((r) => setTimeout(r, 100)); // generous: a loaded machine
    assert.is(ourQemus(), 0, `${name}: no QEMU left after Ctrl-C`);
    assert.not.ok(existsSync(join(tmpdir(), `miglab-replay-${child.pid}`)), `${name}: its scratch folder is gone`);
  };
  await interrupt('int-local', { source: { workDir: work('int-local-src') }, destination: { workDir: work('int-local-dst') } });
  assert.ok(sshConfig, 'the ssh testbed of the remote-hosts test is up');
  const ssh = ['-F', sshConfig!];
  const port = await freePort();
  await interrupt('int-remote', { source: { ssh: 'miglab-a', sshOptions: ssh, workDir: work('int-remote-src') }, destination: { ssh: 'miglab-b', sshOptions: ssh, workDir: work('int-remote-dst'), migrationAddress: '127.0.0.1', migrationPort: port } });
});

t('testbed qemu --measure-footprint and --measure-switchover print what predicting this testbed needs', () => {
  // What a researcher runs once per guest image and host pair; outcomes, not timings.
  const mapDir = join(mkdtempSync(join(tmpdir(), 'miglab-maps-')), 'maps');
  const r = spawnSync(process.execPath, ['scripts/miglab.mjs', 'testbed', 'qemu', '--measure-footprint', '--map-dir', mapDir, '--measure-switchover', '--memory-mib', '256'], { encoding: 'utf8', timeout: 20 * 60_000 });
  assert.is(r.status, 0, r.stderr.slice(-2000));
  const fp = /"footprint": \{ "idleMiB": ([\d.]+), "reusableMiB": ([\d.]+), "topMiB": ([\d.]+) \}/.exec(r.stdout);
  assert.ok(fp, r.stdout);
  const [idle, reusable, top] = fp!.slice(1).map(Number);
  assert.ok(idle > 40 && idle < 200, `idle footprint ${idle} MiB`);
  assert.ok(reusable >= 0 && reusable <= idle && top > 0 && top <= idle, `reusable ${reusable}, top ${top} MiB`);
  const sw = /"resumeSeconds": ([\d.]+) \}.*"bandwidthBitsPerSecond": ([\d.e+]+) \}/.exec(r.stdout);
  assert.ok(sw, r.stdout);
  assert.ok(Number(sw![1]) >= 0 && Number(sw![1]) < 0.05 && Number(sw![2]) > 0, `fixed ${sw![1]} s, rate ${sw![2]} bit/s`);
  // The destination's first touch, told apart from the busy guests' final passes (or, on a loaded host, said not to be).
  const touch = /"firstTouchSecondsPerPage": ([\d.e+-]+) \}/.exec(r.stdout);
  assert.ok(touch ? Number(touch[1]) >= 0 && Number(touch[1]) < 1e-3 : /could not be told apart/.test(r.stdout), r.stdout);
  // The image's map, one count per MiB, as a scenario reads it; the hosts' time per zero page.
  const map = loadZeroMap(join(mapDir, 'qemu-256.json'), 256);
  const mapMiB = (map.reduce((a, x) => a + x, 0) * 4096) / (1 << 20);
  assert.ok(Math.abs(mapMiB - idle) < 0.1 * idle, `map ${mapMiB} MiB non-zero, footprint ${idle} MiB`);
  const zero = /"zeroPageSeconds": ([\d.e+-]+) \}/.exec(r.stdout);
  assert.ok(zero && Number(zero[1]) > 0 && Number(zero[1]) < 1e-3, r.stdout);
  rmSync(join(mapDir, '..'), { recursive: true, force: true });
  assert.is(spawnSync('bash', ['-c', `pgrep -f -- "[m]iglab-testbed-${r.pid}" | wc -l`], { encoding: 'utf8' }).stdout.trim(), '0', 'no QEMU of its own left');
});

test('background-snapshot is asked for through a checkpoint section, not as a migration capability', () => {
  const s = loadScenario('scenarios/qemu-replay-converging.json', ['real.qemu.capabilities=["background-snapshot"]']).scenario;
  assert.throws(() => qemuSupports(s, 'x.json'), /x\.json: real\.qemu\.capabilities: background-snapshot is not a migration capability here; give the scenario a checkpoint section/);
});

test('QEMU replays pre-copy and hybrid with its own policy; hybrid needs its switch time', () => {
  const hybrid = loadScenario('scenarios/qemu-replay-postcopy.json').scenario;
  qemuSupports(hybrid, 'x.json');
  assert.equal(qemuCapabilities(hybrid), { capabilities: ['postcopy-ram'], postcopyAfterSeconds: 3 });
  const byRounds = loadScenario('scenarios/qemu-replay-postcopy.json', ['migration={"algorithm":"hybrid","policy":"qemu","postcopyAfterRounds":2}']).scenario;
  assert.throws(() => qemuSupports(byRounds, 'x.json'), /x\.json: migration\.postcopyAfterSeconds: replaying hybrid on QEMU needs the switch time/);
  const xen = loadScenario('scenarios/qemu-replay-postcopy.json', ['migration={"algorithm":"hybrid","policy":"xen","postcopyAfterSeconds":3}']).scenario;
  assert.throws(() => qemuSupports(xen, 'x.json'), /x\.json: migration: replaying on QEMU needs live rounds of policy "qemu"/);
});

test('preallocated guest memory: -mem-prealloc on both QEMUs, refused with post-copy', () => {
  const paths = { qemu: 'q', kernel: 'k', initrd: 'i' };
  const d = { mb: 64, rate: 2000, mode: 'seq' as const, hotmb: 0, hotpct: 0, delta: 1, cpu: 0, entropy: 0 };
  assert.ok(guestCommandLine(paths, 256, d, true, true).includes('-mem-prealloc'));
  assert.not.ok(guestCommandLine(paths, 256, d, true).includes('-mem-prealloc'));
  const s = loadScenario('scenarios/qemu-replay-converging.json', ['real.qemu.preallocateMemory=true']).scenario;
  qemuSupports(s, 'x.json');
  assert.is(qemuReplaySettings(s).preallocateMemory, true);
  assert.is(qemuReplaySettings(loadScenario('scenarios/qemu-replay-converging.json').scenario).preallocateMemory, false);
  const hybrid = loadScenario('scenarios/qemu-replay-postcopy.json', ['real.qemu.preallocateMemory=true']).scenario;
  assert.throws(() => qemuSupports(hybrid, 'x.json'), /x\.json: real\.qemu\.preallocateMemory: not with post-copy/);
  assert.throws(() => loadScenario('scenarios/qemu-replay-converging.json', ['real.qemu.preallocateMemory="yes"']), /real\.qemu\.preallocateMemory/);
});

test('miglab testbed qemu --preallocate is refused without --measure-switchover, before anything starts', async () => {
  for (const argv of [['qemu', '--preallocate'], ['qemu', '--preallocate', '--measure-footprint']]) {
    const error = await testbedCommand(argv).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof Error && /testbed qemu: --preallocate: expected it with --measure-switchover/.test(error.message), String(error));
  }
});

test('hosts files: each mistake names the file and the field', () => {
  const cases: [unknown, RegExp][] = [
    [[], /h\.json: expected an object with "source" and "destination"/],
    [{ sorce: {} }, /h\.json: sorce: unknown field/],
    [{ source: { ssh: '' } }, /h\.json: source\.ssh: expected a non-empty string/],
    [{ source: { sshOptions: '-F x' } }, /h\.json: source\.sshOptions: expected a list of strings/],
    [{ destination: { migrationPort: 70000 } }, /h\.json: destination\.migrationPort: expected a TCP port/],
    [{ source: { migrationAddress: '10.0.0.1' } }, /h\.json: source\.migrationAddress: only the destination listens/],
    [{ destination: { host: 'x' } }, /h\.json: destination\.host: unknown field/],
    // Nothing that reaches a shell, ssh's options or a QEMU/socat address is trusted to quoting alone.
    [{ source: { ssh: '-oProxyCommand=touch /tmp/x' } }, /h\.json: source\.ssh: expected an ssh destination .*not starting with -/],
    [{ source: { ssh: 'me@host; rm -rf ~' } }, /h\.json: source\.ssh: expected an ssh destination/],
    [{ source: { ssh: 'a', workDir: '/tmp/$(touch /tmp/pwned)' } }, /h\.json: source\.workDir: expected an absolute path of letters, digits/],
    [{ source: { ssh: 'a', workDir: '/tmp/a,server=off' } }, /h\.json: source\.workDir: expected an absolute path/],
    [{ source: { workDir: 'relative/dir' } }, /h\.json: source\.workDir: expected an absolute path/],
    [{ destination: { kernel: '-append=x' } }, /h\.json: destination\.kernel: expected a path .*not starting with -/],
    [{ destination: { migrationAddress: '10.0.0.2 -o x' } }, /h\.json: destination\.migrationAddress: expected a host name or IP address/],
  ];
  for (const [raw, re] of cases) {
    try { parseHosts(raw, 'h.json'); assert.unreachable(JSON.stringify(raw)); } catch (e) { assert.match((e as Error).message, re); }
  }
});

test.run();
