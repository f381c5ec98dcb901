import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { validateScenario } from '../../models/scenario/validate.ts';
import { QemuBackend } from '../../real/qemu/replay.ts';
import { firstTouchSecondsPerPage } from '../../real/hostMemoryProbe.ts';
import { GUEST_RESERVED_MIB } from '../../real/dirtier.ts';
import { solveFootprint } from '../../models/memory/zeroPages.ts';
import { parseWholeNumber } from '../lib/cliArgs.ts';
import { migrateOnce, zeroPagePoint } from '../lib/qemuTestbed.ts';
import { SMALL_FINAL_PASS_BYTES, solveSwitchover, solveSwitchoverUpTo, solveSwitchoverWithFirstTouch, solveZeroPageSeconds, type FirstTouchSwitchoverPoint, type ZeroPagePoint } from '../../models/migration/switchover.ts';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../lib/files.ts';
import type { RunResult } from '../../models/run/result.ts';
import { MIB_BYTES, PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
import { idleGuestMemoryMap, topBlockMiB } from '../../real/qemu/memoryMap.ts';

export const testbedHelp = `miglab testbed qemu [--measure-footprint [--map-dir DIR]] [--measure-switchover [--preallocate]] [--memory-mib 256,1024]
miglab testbed xen [start | start-two | stop | status] [--measure-switchover]

Prepares the QEMU testbed on this machine from Debian's packages (QEMU 10 from bookworm-backports,
unpacked privately; the Debian cloud kernel; a busybox initramfs with the dirtier) under
$MIGLAB_QEMU_DIR (default /var/tmp/miglab-qemu) and prints the paths. Idempotent.

  --measure-footprint   then, for each size, migrate the idle guest and the guest with a large
                        buffer once each, and print the image's footprint (vm.footprint: its
                        idle non-zero memory and the freed part of it that an allocation reuses,
                        from the zero pages QEMU found (its duplicate count); and the part at the
                        top of memory, from a dump of the idle guest's RAM)
  --map-dir DIR         with --measure-footprint: also write that dump's map, the idle guest's
                        non-zero pages per MiB, to DIR/qemu-<MiB>.json (→ vm.footprint.mapFile;
                        an existing file is not replaced)
  --measure-switchover  then migrate a 256 MiB guest, idle and with most of its memory written
                        (final passes that are the first pass's tail, ≈ 2-8 and 46 MiB), and
                        busy (a 64 MiB sweep at 2000 pages/s: final passes of pages sent
                        before, < 1, ≈ 3, 8 and 12 MiB), twice each, and print what predicting QEMU's
                        downtime on these hosts needs: the switchover's fixed part
                        (→ migration.resumeSeconds), the rate of the uncapped final pass
                        (→ network.bandwidthBitsPerSecond, when the link is faster than that)
                        and the destination's time for each page new to it
                        (→ migration.firstTouchSecondsPerPage); then migrate the idle 1024 MiB
                        guest uncapped three times and print the hosts' time per zero page
                        (→ network.zeroPageSeconds)
  --preallocate         with --measure-switchover: both QEMUs back all guest memory before the
                        guest boots (-mem-prealloc), as scenarios with
                        real.qemu.preallocateMemory replay: no page is new to its host, so there
                        is no first touch to tell apart (one line through all final passes), and
                        the zero pages cost only QEMU's check of them
  --memory-mib LIST     guest sizes for the measurements (default 256,1024)

xen: builds the Xen testbed from Debian's packages (scripts/testbeds/xen-setup.sh: Xen 4.17
rebuilt with shadow paging, a debootstrap dom0 with xl, sshd and pv, a PV guest kernel + busybox
initramfs with the dirtier; 3-5 min the first time, cached under $MIGLAB_XEN_DIR, default
/var/tmp/miglab-xen), boots it under QEMU (TCG) with dom0's sshd on 127.0.0.1:$MIGLAB_XEN_SSH_PORT
(default 48022), and prints the hosts file for --backend xen (one host migrating to itself).
start-two: two Xen machines joined by a QEMU socket network (192.168.77.1 → .2, the stream over
ssh between the dom0s), the two-host testbed; ports 48022, 48023 and 48024 for the link.
stop: stops the QEMUs (by their PID files). status: whether they run.
  --measure-switchover  then migrate the idle guest twice through an uncapped meter and print what
                        predicting Xen on these hosts needs: its downtime (the switchover's fixed
                        part: PV suspend, final pass, restore, resume → migration.resumeSeconds),
                        the fastest stream the hosts send (→ min(link, it) as the bandwidth), and
                        the pages the guest's own kernel dirties per live pass`;

const xenScript = new URL('../testbeds/xen-testbed.sh', import.meta.url).pathname;

async function xenTestbed(action: string, measureSwitchover: boolean): Promise<number> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('bash', [xenScript, action], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    if (action === 'status') { process.stdout.write(r.stdout); return 1; }
    throw new InputError(`Xen testbed ${action} failed (${xenScript}, exit ${r.status}); its messages are above`);
  }
  process.stdout.write(r.stdout);
  if (!action.startsWith('start') || !measureSwitchover) return 0;
  const { XenBackend } = await import('../../real/xen/replay.ts');
  const { loadHosts } = await import('../../real/hosts.ts');
  const hosts = loadHosts(r.stdout.trim(), 'xen');
  const pauses: number[] = [], rates: number[] = [], osPages: number[] = [];
  for (let i = 0; i < 2; i++) {
    // The idle guest through an uncapped meter (10 Gbit/s): its downtime is the switchover's fixed
    // part, its first pass the fastest stream these hosts send, its later live passes what the
    // guest's own kernel dirties per pass.
    const s = validateScenario({
      name: 'switchover-idle', vm: { memoryMiB: 128 }, workload: { type: 'idle' }, network: { bandwidthBitsPerSecond: 1e10 },
      migration: { algorithm: 'precopy', policy: 'xen' }, limits: { maxTimeSeconds: 120, onTimeout: 'cancel' }, real: { xen: { warmupSeconds: 1 } },
    }, 'testbed --measure-switchover', (p) => p);
    const res = await new XenBackend().replay(s, { workDir: join(tmpdir(), `miglab-switchover-${process.pid}`), hosts, log: (l) => process.stderr.write(`  ${l}\n`) });
    if (res.status !== 'completed') throw new Error(`the idle guest did not migrate (${res.status}: ${res.measurement?.failureReason ?? ''})`);
    const live = res.roundRows.slice(1, -1).map((r) => r.pagesSent);
    pauses.push(res.downtimeSeconds);
    rates.push(res.measurement?.achieved.bulkBytesPerSecond ?? 0);
    osPages.push(...live);
    console.log(`idle 128 MiB guest, migration ${i + 1}: downtime ${(res.downtimeSeconds * 1000).toFixed(0)} ms; first pass ${((res.measurement?.achieved.bulkBytesPerSecond ?? 0) / 1e6).toFixed(1)} MB/s; later live passes ${live.join(', ')} pages; stop-and-copy ${res.roundRows.at(-1)?.pagesSent ?? 0} pages`);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(`→ for Xen on these hosts: "migration": { "resumeSeconds": ${mean(pauses).toFixed(3)} } (the idle guest's downtime, mean of two)`);
  console.log(`→ the fastest stream they send: ${(mean(rates) * 8 / 1e6).toFixed(0)} Mbit/s (first pass, uncapped): use min(link, this) as network.bandwidthBitsPerSecond`);
  console.log(`→ the guest kernel's own dirt: ${mean(osPages).toFixed(0)} pages per live pass (median ${[...osPages].sort((a, b) => a - b)[Math.floor(osPages.length / 2)] ?? 0})`);
  return 0;
}

export async function testbedCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { 'measure-footprint': { type: 'boolean' }, 'measure-switchover': { type: 'boolean' }, 'memory-mib': { type: 'string' }, 'map-dir': { type: 'string' }, preallocate: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(testbedHelp); return 0; }
  if (positionals[0] === 'xen') {
    const action = positionals[1] ?? 'start';
    if (positionals.length > 2 || !['start', 'start-two', 'stop', 'status'].includes(action)) throw new InputError(`miglab testbed xen: expected start, start-two, stop or status, got ${JSON.stringify(positionals.slice(1).join(' '))}\n\n${testbedHelp}`);
    return xenTestbed(action, values['measure-switchover'] === true);
  }
  if (positionals[0] !== 'qemu' || positionals.length !== 1) throw new InputError(`miglab testbed: expected qemu or xen, got ${JSON.stringify(positionals.join(' ') || null)}\n\n${testbedHelp}`);
  const mapDir = values['map-dir'];
  const preallocateMemory = values.preallocate === true;
  if (preallocateMemory && !values['measure-switchover']) throw new InputError('miglab testbed qemu: --preallocate: expected it with --measure-switchover (the host inputs it changes), got it without');
  if (mapDir !== undefined && !values['measure-footprint']) throw new InputError('miglab testbed qemu: --map-dir: expected it with --measure-footprint (the map comes from its dump), got it alone');
  const sizes = (values['memory-mib'] ?? '256,1024').split(',').map((x) => parseWholeNumber('--memory-mib', x, 128, 16384));
  const b = new QemuBackend();
  await b.prepare();
  console.log(`QEMU   ${b.paths!.qemu}\nkernel ${b.paths!.kernel}\ninitrd ${b.paths!.initrd}`);
  if (!values['measure-footprint'] && !values['measure-switchover']) return 0;
  const workDir = join(tmpdir(), `miglab-testbed-${process.pid}`);
  const log = (l: string): void => { process.stderr.write(`  ${l}\n`); };
  for (const memoryMiB of values['measure-footprint'] ? sizes : []) {
    // The idle guest, the guest whose dirtier fills a large buffer (≫ the freed part), and the
    // idle guest's memory, dumped, for the block at the top.
    const migrate = (workload: Record<string, unknown>, tag: string): Promise<RunResult> => migrateOnce(b, memoryMiB, workload, tag, 0.3, workDir, log);
    const idle = await migrate({ type: 'idle' }, 'idle');
    const bufferMiB = Math.max(64, Math.floor((memoryMiB - GUEST_RESERVED_MIB) / 2));
    const big = await migrate({ type: 'sweep', writesPerSecond: 100, bufferMiB }, 'buffer');
    const fp = solveFootprint(nonZeroMiB(idle), nonZeroMiB(big), bufferMiB);
    const map = await idleGuestMemoryMap(b.paths!, memoryMiB, workDir, log);
    const topMiB = Math.min(topBlockMiB(map), fp.idleMiB);
    const dumpMiB = (map.reduce((a, x) => a + x, 0) * PAGE_SIZE_BYTES) / MIB_BYTES;
    if (mapDir !== undefined) {
      const file = join(mapDir, `qemu-${memoryMiB}.json`);
      if (existsSync(file)) throw new InputError(`--map-dir: ${file} exists; miglab does not replace it (remove it or choose another folder)`);
      mkdirSync(mapDir, { recursive: true });
      writeFileAtomic(file, `${JSON.stringify({ description: `The idle ${memoryMiB} MiB guest of the QEMU testbed (${b.paths!.initrd}): non-zero 4 KiB pages per MiB of guest-physical memory, from a pmemsave dump (miglab testbed qemu --measure-footprint, ${new Date().toISOString().slice(0, 10)}).`, memoryMiB, nonZeroPagesPerMiB: Array.from(map) })}\n`);
      console.log(`wrote ${file} → "footprint": { …, "mapFile": "${file}" }`);
    }
    console.log(`${memoryMiB} MiB guest: ${nonZeroMiB(idle).toFixed(1)} MiB non-zero idle (${dumpMiB.toFixed(1)} in a dump of its memory), ${nonZeroMiB(big).toFixed(1)} MiB with a ${bufferMiB} MiB buffer, ${topMiB.toFixed(1)} MiB at the top → "vm": { "memoryMiB": ${memoryMiB}, "footprint": { "idleMiB": ${fp.idleMiB.toFixed(1)}, "reusableMiB": ${fp.reusableMiB.toFixed(1)}, "topMiB": ${topMiB.toFixed(1)} } }`);
  }
  if (values['measure-switchover']) {
    // A property of the hosts, measured once with a 256 MiB guest: the idle guest (next to nothing
    // left for the final pass) and a guest with most of its memory written (160 MiB), stopped by
    // a downtime limit of 400 ms and 1 s at 64 MiB/s: final passes of ≈ 2, 8 and 46 MiB, sent at
    // the uncapped rate. Twice each. Two lines are printed: through the passes up to 16 MiB (what
    // most migrations end with) and through all of them.
    const capBytesPerSecond = 64 * MIB_BYTES;
    const points: FirstTouchSwitchoverPoint[] = [];
    for (let rep = 0; rep < 2; rep++) {
      for (const [workload, limit] of [[{ type: 'idle' }, 0.3], [{ type: 'sweep', writesPerSecond: 100, bufferMiB: 256 - GUEST_RESERVED_MIB }, 0.4], [{ type: 'sweep', writesPerSecond: 100, bufferMiB: 256 - GUEST_RESERVED_MIB }, 1]] as const) {
        const r = await migrateOnce(b, 256, workload, `switchover-${rep}`, limit, workDir, log, { capBytesPerSecond, preallocateMemory });
        // The tail of the first pass: memory the destination never had (the guest barely writes) — unless it backed all of it first.
        points.push({ downtimeSeconds: r.downtimeSeconds, bytes: r.bytesByPhase.stopCopy, firstTouchPages: preallocateMemory ? 0 : r.bytesByPhase.stopCopy / PAGE_SIZE_BYTES });
        console.log(`256 MiB guest, ${workload.type}, downtime limit ${limit * 1e3} ms: downtime ${(r.downtimeSeconds * 1e3).toFixed(0)} ms for ${(r.bytesByPhase.stopCopy / MIB_BYTES).toFixed(2)} MiB left (the first pass's tail${preallocateMemory ? ', memory the destination backed before the guest booted' : ''})`);
      }
      // A busy guest after several passes: its final pass is pages written again since an earlier
      // pass sent them, none of them new to the destination. The 30 ms limit ends with well under
      // 1 MiB left, so the line's fixed part rests on a switchover with next to nothing to send,
      // not only on its slope through passes of 3-15 MiB (on the fifth machine that line said
      // 0.6 ms where near-empty final passes took 2-5 ms).
      for (const limit of [0.03, 0.15, 0.3, 0.5]) {
        const r = await migrateOnce(b, 256, { type: 'sweep', writesPerSecond: 2000, bufferMiB: 64 }, `switchover-busy-${rep}`, limit, workDir, log, { capBytesPerSecond: 32 * MIB_BYTES, preallocateMemory });
        if (r.rounds < 3) { console.log(`256 MiB guest, sweep 64 MiB at 2000 pages/s, downtime limit ${limit * 1e3} ms: converged after its first pass (a slow writer on a busy host?), so its final pass is the tail, not pages sent before: left out`); continue; }
        points.push({ downtimeSeconds: r.downtimeSeconds, bytes: r.bytesByPhase.stopCopy, firstTouchPages: 0 });
        console.log(`256 MiB guest, sweep 64 MiB at 2000 pages/s, downtime limit ${limit * 1e3} ms: downtime ${(r.downtimeSeconds * 1e3).toFixed(0)} ms for ${(r.bytesByPhase.stopCopy / MIB_BYTES).toFixed(2)} MiB left (pages sent before, after ${r.rounds - 1} passes)`);
      }
    }
    const advice = (f: { fixedSeconds: number; bitsPerSecond: number }): string => `"migration": { "resumeSeconds": ${f.fixedSeconds.toFixed(4)} } (the fixed part) and a final pass at ${(f.bitsPerSecond / 1e9).toPrecision(3)} Gbit/s: "network": { "bandwidthBitsPerSecond": ${f.bitsPerSecond.toPrecision(3)} } unless the link is slower`;
    // The first pass's non-zero pages are new to the destination (unless preallocated): at the final passes' rate plus their first touch where that was told apart.
    let firstPassBytesPerSecond: number;
    if (preallocateMemory) {
      // Every page the final pass sends was backed at the destination before the guest booted: one line through all of them.
      const all = solveSwitchover(points);
      firstPassBytesPerSecond = all.bytesPerSecond;
      console.log(`→ for QEMU on these hosts, guest memory preallocated (real.qemu.preallocateMemory): ${advice(all)}, and no first touch: "migration": { "firstTouchSecondsPerPage": 0 } (all ${points.length} migrations)`);
    } else {
      const touch = solveSwitchoverWithFirstTouch(points);
      if (touch) console.log(`→ for QEMU on these hosts: ${advice(touch)}, and the destination's first touch: "migration": { "firstTouchSecondsPerPage": ${touch.firstTouchSecondsPerPage.toPrecision(3)} } (all ${points.length} migrations, the first touch apart)`);
      else console.log('(the first touch could not be told apart: the tails did not take longer than the busy guests\' final passes of their size — a busy host; measure again when it is quiet)');
      // Without the first touch apart (as before): the tails' line, up to 16 MiB and over all sizes.
      const tails = points.filter((p) => p.firstTouchPages > 0);
      const sw = solveSwitchover(tails);
      const small = solveSwitchoverUpTo(tails, SMALL_FINAL_PASS_BYTES);
      const plain = touch ? '(without migration.firstTouchSecondsPerPage) ' : '';
      if (small) console.log(`→ ${plain}for QEMU on these hosts, final passes up to ${SMALL_FINAL_PASS_BYTES / MIB_BYTES} MiB (cap × downtime limit up to that): ${advice(small)}`);
      else console.log(`(no line through the tails up to ${SMALL_FINAL_PASS_BYTES / MIB_BYTES} MiB alone: their downtimes did not grow with their size — a busy host; measure again when it is quiet)`);
      console.log(`→ ${plain}for QEMU on these hosts, ${small ? 'larger final passes (the six tails)' : 'all final passes (the six tails)'}: ${advice(sw)}`);
      firstPassBytesPerSecond = touch ? 1 / (1 / touch.bytesPerSecond + touch.firstTouchSecondsPerPage / PAGE_SIZE_BYTES) : sw.bytesPerSecond;
    }
    // What those inputs rest on, and may drift with: this host's time to back a fresh page (real/hostMemoryProbe.ts).
    console.log(`this host backs a fresh page in ${(firstTouchSecondsPerPage() * 1e6).toFixed(2)} us now (each replay records the same probe: measurement.hostFirstTouchSecondsPerPage)`);
    // The zero pages: the idle 1024 MiB guest (≈ 90 % zero pages, in long runs) uncapped, three times.
    const zeroPoints: ZeroPagePoint[] = [];
    for (let rep = 0; rep < 3; rep++) {
      // Preallocated, the first pass is fast enough (≈ 0.1 s) that a 300 ms limit would leave part of it, zero pages among them, to the final pass, which solveZeroPageSeconds counts as first-pass zero pages: 30 ms leaves only the idle guest's own dirt.
      const r = await migrateOnce(b, 1024, { type: 'idle' }, `zero-pages-${rep}`, preallocateMemory ? 0.03 : 0.3, workDir, log, { capBytesPerSecond: 16 * 1024 * MIB_BYTES, preallocateMemory });
      const p = zeroPagePoint(r);
      zeroPoints.push(p);
      console.log(`1024 MiB guest, idle, uncapped: ${(p.firstPassSeconds * 1e3).toFixed(0)} ms before the switchover for ${p.zeroPages} zero pages and ${(p.firstPassBytes / MIB_BYTES).toFixed(1)} MiB sent`);
    }
    const zeroPageSeconds = solveZeroPageSeconds(zeroPoints, firstPassBytesPerSecond);
    console.log(`→ the hosts' time per zero page: "network": { "zeroPageSeconds": ${zeroPageSeconds.toPrecision(3)} } (median of three)`);
  }
  return 0;
}

/** The guest's share of memory that is not zero pages (QEMU's duplicate count). */
function nonZeroMiB(r: RunResult): number {
  const zero = (r.measurement?.achieved as { zeroPageFraction?: number } | undefined)?.zeroPageFraction;
  if (typeof zero !== 'number') throw new Error(`${r.scenarioName}: QEMU reported no zero-page count`);
  return r.scenario.vm.memoryMiB * (1 - zero);
}

