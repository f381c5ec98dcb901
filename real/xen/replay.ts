import { InputError } from '../../models/input/errors.ts';
import type { RoundRow } from '../../models/migration/recorder.ts';
import type { IntegrityCheck } from '../../models/run/measurement.ts';
import type { RunResult } from '../../models/run/result.ts';
import { xenReplaySettings } from '../../models/scenario/validate.ts';
import type { Scenario } from '../../models/scenario/types.ts';
import { PAGE_SIZE_BYTES } from '../../models/units/pageSize.ts';
import type { ReplayBackend, ReplayOptions } from '../backend.ts';
import { GuestConsole, guestPauseSeconds } from '../console.ts';
import { dirtierFor, dirtierLinesIn, type DirtierParams } from '../dirtier.ts';
import { achievedStartPage, dirtierReports, dirtierStartPage, sweepLeadSeconds, sweepClockOf, sweepPointerAt, waitForSweepPage } from '../sweepPointer.ts';
import type { HostSpec, HostsSpec } from '../hosts.ts';
import { onAbnormalExit, startProcess } from '../processes.ts';
import { shQuote, SshHost } from '../ssh.ts';
import { runReplay, type ReplaySteps } from '../steps.ts';
import { TESTBED_GUEST_INITRD, TESTBED_GUEST_KERNEL, xenSupports, xlConfig } from './guest.ts';
import type { SyncCheck, XenMeasurement } from './measurement.ts';
import { parsePvLog, parseTapLog, passesOf, type StreamPass } from './stream.ts';
import { runRemus, type RemusOutcome } from './remus.ts';
import { killReceiverCommand, RECEIVER_KILLED, transportScript } from './transport.ts';

/**
 * Replays a scenario on two Xen hosts (dom0s reached with the system's ssh; the testbed's is one
 * host migrating to itself): `xl create` of a PV guest running miglab's dirtier, `xl migrate`
 * through a metering transport, the synchronization checks before and after (the founding
 * paper's module E), and `xl destroy` of every domain it created, whatever happens.
 *
 * The transport (`xl migrate -s '' NAME 'sh rune.sh'`; xl runs it with `sh -c` and writes the
 * stream to its stdin, reads the receiver's replies from its stdout):
 *
 *   miglab-xen-tap tap.log | pv -n -b -t -i 0.1 -L <bandwidth> 2>pv.log | <receiver>
 *
 * receiver = `xl migrate-receive -e` on the same host, else `ssh <destination> xl migrate-receive -e`.
 * pv (Debian's) caps the rate at the scenario's bandwidth and prints the byte time series; the
 * tap (real/xen/guest/xen-tap.c) times every libxenguest record so the passes can be told apart
 * (real/xen/stream.ts). Neither is in the reply direction.
 *
 * Downtime is the gap in the guest's heartbeat as seen from here (the last '~' from the source's
 * console log, the first from the destination's), as on QEMU: xl prints no times.
 */
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));
const CONSOLE_DIR = '/var/log/xen/console';

export class XenBackend implements ReplayBackend {
  readonly name = 'xen' as const;
  async prepare(): Promise<void> { /* the hosts are checked by each replay (its synchronization checks) */ }

  async replay(s: Scenario, o: ReplayOptions): Promise<RunResult> {
    xenSupports(s, s.name);
    if (!o.hosts) throw new InputError('--hosts: a Xen replay runs on Xen hosts reached by ssh: start the testbed with `miglab testbed xen` (it prints its hosts file) or write one (see real/hosts.ts)');
    return runReplay(new XenReplay(s, o, o.hosts));
  }
}

interface Side { name: 'source' | 'destination'; spec: HostSpec; host: SshHost; where: string; dir: string }
interface XlInfo { major: number; minor: number; freeMemoryMiB: number; virtCaps: string }

function parseXlInfo(text: string): XlInfo | null {
  const get = (k: string): string | undefined => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const major = Number(get('xen_major')), minor = Number(get('xen_minor')), free = Number(get('free_memory'));
  if (!Number.isFinite(major) || !Number.isFinite(minor) || !Number.isFinite(free)) return null;
  return { major, minor, freeMemoryMiB: free, virtCaps: get('virt_caps') ?? '' };
}

/** One replay on Xen, step by step (real/steps.ts). */
/** How long xl may take to tear down a migration's leftover domain before the check fails. */
const VANISH_SECONDS = 30;

class XenReplay implements ReplaySteps {
  readonly backend = 'xen';
  private readonly log: (line: string) => void;
  private readonly d: DirtierParams;
  private readonly name: string;
  private readonly src: Side;
  private readonly dst: Side;
  private readonly sameHost: boolean;
  private readonly settings: ReturnType<typeof xenReplaySettings>;
  private readonly before: SyncCheck[] = [];
  private readonly after: SyncCheck[] = [];
  private srcConsole: GuestConsole | null = null;
  private dstConsole: GuestConsole | null = null;
  private forgetCleanup: (() => void) | null = null;
  private created = false;
  private sourceDomid = -1;
  private version = '';
  private rateBytesPerSecond = 0;
  private start = 0;
  private wallSeconds = 0;
  private xlOutput = '';
  private xlExit: number | null = null;
  private cancelled = false;
  private destinationKilled = false;
  private failure: string | null = null;
  private integrity: IntegrityCheck = { checked: false };
  private sourceRunning: boolean | null = null;
  private destinationDomid: number | null = null;
  private tapText = '';
  private pvText = '';
  private linesBefore = 0;
  /** The sweep's start page the run achieved (workload.startPage), null for other workloads. */
  private startPage: number | null = null;
  private zeroMs = 0;
  private remus: RemusOutcome | null = null;
  private guestType: 'pv' | 'pvh' | null = null;

  constructor(private readonly s: Scenario, private readonly o: ReplayOptions, hosts: HostsSpec) {
    this.log = o.log ?? (() => {});
    this.settings = xenReplaySettings(s);
    const d = dirtierFor(s, s.name);
    this.d = { ...d, start: dirtierStartPage(s, d, sweepLeadSeconds(this.settings.warmupSeconds)) };
    const runId = `${process.pid}-${Date.now().toString(36)}`;
    this.name = `miglab-${runId}`;
    const side = (name: 'source' | 'destination', spec: HostSpec): Side => ({
      name, spec, host: new SshHost(spec.ssh!, spec.sshOptions ?? []), where: spec.ssh!,
      dir: `${(spec.workDir ?? '/tmp').replace(/\/+$/, '')}/miglab-xen-${runId}-${name}`,
    });
    this.src = side('source', hosts.source);
    this.dst = side('destination', hosts.destination);
    this.sameHost = hosts.source.ssh === hosts.destination.ssh && JSON.stringify(hosts.source.sshOptions ?? []) === JSON.stringify(hosts.destination.sshOptions ?? []) && hosts.destination.migrationAddress === undefined;
  }

  private check(list: SyncCheck[], check: string, ok: boolean, detail: string): boolean {
    list.push({ check, ok, detail });
    this.log(`${ok ? 'ok  ' : 'FAIL'} ${check}: ${detail}`);
    return ok;
  }

  /** Runs a command on a side; a failure to reach the host is an error naming it and the step. */
  private async on(side: Side, what: string, command: string, timeoutSeconds = 60): Promise<string> {
    const r = await side.host.run(command, timeoutSeconds);
    if (r.timedOut) throw new Error(`${what} on the ${side.name} host ${side.where}: no answer in ${timeoutSeconds} s`);
    if (r.status === 255 && !r.stdout) throw new InputError(`cannot reach the ${side.name} host ${side.where} over ssh (${what}): ${r.stderr.trim() || 'exit 255'}`);
    if (r.status !== 0) throw new Error(`${what} on the ${side.name} host ${side.where} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-4).join(' | ')}`);
    return r.stdout;
  }

  /**
   * Shell text that destroys this replay's domains (and only them: their names are unique to this
   * replay) and removes their console logs and the scratch folder. First it kills any xl still
   * handling the domain (after a Ctrl-C here, the death of ssh does not stop it there) with
   * `pkill -f`; so that the pattern cannot match this very shell, the name never appears in the
   * command as it is: it is spelled with a bracket and rebuilt in the shell.
   */
  private destroyCommand(dir: string): string {
    const bracketed = shQuote(`[${this.name[0]}]${this.name.slice(1)}`);
    return `n=$(printf %s ${bracketed} | tr -d '[]'); pkill -KILL -f -- ${bracketed} 2>/dev/null; `
      + `for d in "$n" "$n--incoming" "$n--migratedaway"; do xl destroy "$d" >/dev/null 2>&1; rm -f ${CONSOLE_DIR}/guest-"$d".log; done; `
      + `for f in rune.pid remus.pid; do p=$(cat ${shQuote(dir)}/$f 2>/dev/null) && [ -n "$p" ] && pkill -KILL -P "$p" 2>/dev/null; done; rm -rf ${shQuote(dir)}; true`;
  }

  async boot(): Promise<void> {
    const s = this.s, src = this.src, dst = this.dst;
    const kernel = src.spec.kernel ?? TESTBED_GUEST_KERNEL, initrd = src.spec.initrd ?? TESTBED_GUEST_INITRD;
    // Synchronization checks before: both reachable with xl, the same Xen major.minor, shadow paging
    // (PV log-dirty), room on the destination, the meter and the guest's images on the source.
    const probe = `xl info 2>&1; echo "--"; for c in pv miglab-xen-tap pkill; do command -v $c >/dev/null && echo "has $c"; done; [ -r ${shQuote(kernel)} ] && echo has-kernel; [ -r ${shQuote(initrd)} ] && echo has-initrd; [ -d ${CONSOLE_DIR} ] && echo has-console-dir; true`;
    const [si, di] = await Promise.all([this.on(src, 'xl info', probe, 60), this.sameHost ? Promise.resolve('') : this.on(dst, 'xl info', probe, 60)]);
    const srcInfo = parseXlInfo(si), dstInfo = this.sameHost ? srcInfo : parseXlInfo(di);
    if (!this.check(this.before, 'xl on the source', srcInfo !== null, srcInfo ? `Xen ${srcInfo.major}.${srcInfo.minor}` : si.trim().split('\n')[0] ?? 'no output')) throw new InputError(`the source host ${src.where} has no working xl (\`xl info\` said: ${si.trim().split('\n').slice(0, 2).join(' | ')})`);
    if (!this.check(this.before, 'xl on the destination', dstInfo !== null, dstInfo ? `Xen ${dstInfo.major}.${dstInfo.minor}` : di.trim().split('\n')[0] ?? 'no output')) throw new InputError(`the destination host ${dst.where} has no working xl (\`xl info\` said: ${di.trim().split('\n').slice(0, 2).join(' | ')})`);
    this.version = `${srcInfo!.major}.${srcInfo!.minor}`;
    if (!this.check(this.before, 'same Xen major.minor', srcInfo!.major === dstInfo!.major && srcInfo!.minor === dstInfo!.minor, `${this.version} → ${dstInfo!.major}.${dstInfo!.minor}`)) throw new InputError(`the hosts run different Xen versions (${this.version} on ${src.where}, ${dstInfo!.major}.${dstInfo!.minor} on ${dst.where}): xl migrate needs the same major.minor`);
    // PV log-dirty needs shadow paging (Debian's binary has none); without it, a PVH guest on a
    // hypervisor with hardware-assisted paging (HAP) migrates instead, slower under TCG.
    const caps = srcInfo!.virtCaps;
    this.guestType = /\bshadow\b/.test(caps) ? 'pv' : /\bhap\b/.test(caps) ? 'pvh' : null;
    if (!this.check(this.before, 'log-dirty paging on the source', this.guestType !== null, `virt_caps: ${caps} → ${this.guestType ?? 'none'} guest`)) throw new InputError(`the source host ${src.where}'s hypervisor has neither shadow paging nor HAP (virt_caps: ${caps}): it cannot track a guest's dirty pages, so it cannot live-migrate (Debian's binary is built without CONFIG_SHADOW_PAGING: \`miglab testbed xen\` rebuilds it; or boot it with nested paging for PVH guests)`);
    const needMiB = s.vm.memoryMiB * (this.sameHost ? 2 : 1) + 16;
    if (!this.check(this.before, 'free memory for the guest', srcInfo!.freeMemoryMiB >= s.vm.memoryMiB + 16 && dstInfo!.freeMemoryMiB >= needMiB, `source ${srcInfo!.freeMemoryMiB} MiB, destination ${dstInfo!.freeMemoryMiB} MiB, need ${needMiB} MiB there${this.sameHost ? ' (both copies on one host during the migration)' : ''}`)) {
      throw new InputError(`the destination host ${dst.where} has ${dstInfo!.freeMemoryMiB} MiB free, the ${s.vm.memoryMiB} MiB guest needs ${needMiB} MiB${this.sameHost ? ' (source and destination copies exist at once on one host)' : ''}`);
    }
    for (const [tool, why] of [['pv', 'the meter (Debian: apt-get install pv)'], ['miglab-xen-tap', 'the stream tap (real/xen/guest/xen-tap.c, built static by scripts/testbeds/xen-setup.sh: copy it into PATH)'], ['pkill', 'procps']] as const) {
      if (!this.check(this.before, `${tool} on the source`, si.includes(`has ${tool}`), si.includes(`has ${tool}`) ? 'found' : 'missing')) throw new InputError(`the source host ${src.where} has no ${tool}: ${why}`);
    }
    if (!si.includes('has-kernel') || !si.includes('has-initrd')) throw new InputError(`the source host ${src.where} has no guest ${!si.includes('has-kernel') ? `kernel ${kernel}` : `initramfs ${initrd}`} (set source.kernel/initrd in the hosts file, or use the testbed's)`);
    if (!si.includes('has-console-dir')) throw new InputError(`the source host ${src.where} has no ${CONSOLE_DIR}: xenconsoled must log guest consoles (xenconsoled --log=guest; Debian: XENCONSOLED_TRACE=guest in /etc/default/xen) — the heartbeat is read there`);

    // Create the guest (clean-up registered first: a Ctrl-C from here on destroys it).
    this.forgetCleanup = onAbnormalExit(() => { this.src.host.runSync(this.destroyCommand(this.src.dir)); if (!this.sameHost) this.dst.host.runSync(this.destroyCommand(this.dst.dir)); });
    this.created = true;
    const cfg = `${src.dir}/guest.cfg`;
    const w = await src.host.run(`mkdir -p ${shQuote(src.dir)} && cat > ${shQuote(cfg)}`, 30, xlConfig(this.name, s, this.d, kernel, initrd, this.guestType!));
    if (w.status !== 0) throw new Error(`cannot write ${cfg} on ${src.where}: ${w.stderr.trim() || `exit ${w.status}`}`);
    if (!this.sameHost) await this.on(dst, 'making the scratch folder', `mkdir -p ${shQuote(dst.dir)}`, 30);
    this.log(`xl create ${this.name} (${s.vm.memoryMiB} MiB ${this.guestType!.toUpperCase()} guest) on ${src.where}…`);
    await this.on(src, 'xl create', `xl create ${shQuote(cfg)} 2>&1`, this.settings.bootTimeoutSeconds);
    this.sourceDomid = Number((await this.on(src, 'xl domid', `xl domid ${shQuote(this.name)}`, 30)).trim());
    // Follow both console logs from now on: the source's, and the one xenconsoled opens for the
    // incoming domain on the destination (named NAME--incoming while it is received).
    const follow = (side: Side, file: string): GuestConsole => new GuestConsole('ssh', side.host.args(`exec tail -c +1 -s 0.02 -F ${shQuote(`${CONSOLE_DIR}/guest-${file}.log`)} 2>/dev/null`));
    this.srcConsole = follow(src, this.name);
    this.dstConsole = follow(dst, `${this.name}--incoming`);
    const deadline = Date.now() + this.settings.bootTimeoutSeconds * 1000;
    while (dirtierLinesIn(this.srcConsole.text).length < 1) {
      if (Date.now() > deadline) {
        const tail = this.srcConsole.text.trim().split('\n').slice(-5).join('\n  ');
        throw new Error(`the guest never started its dirtier within ${this.settings.bootTimeoutSeconds} s (on ${src.where}); last lines of ${CONSOLE_DIR}/guest-${this.name}.log:\n  ${tail || '(nothing: is xenconsoled logging guest consoles?)'}`);
      }
      await sleep(0.25);
    }
    this.check(this.before, 'dirtier alive before', true, `${dirtierLinesIn(this.srcConsole.text).length} report(s), domid ${this.sourceDomid}`);
    await sleep(this.settings.warmupSeconds);
    this.zeroMs = Date.now(); // scenario time 0
  }

  /** The scenario's checkpoints, as Xen's own: `xl remus` epochs until the migration starts (real/xen/remus.ts). */
  async checkpoints(): Promise<void> {
    const c = this.s.checkpoint;
    if (c) {
      await sleep(c.firstAtSeconds - (Date.now() - this.zeroMs) / 1000);
      this.remus = await runRemus({
        host: this.src.host, where: this.src.where, dir: this.src.dir, domain: this.name, intervalSeconds: c.intervalSeconds,
        untilMs: this.zeroMs + this.s.migration.startSeconds * 1000, zeroMs: this.zeroMs, rateBytesPerSecond: Math.max(1, Math.round(this.s.network.bandwidthBitsPerSecond / 8)),
        console: this.srcConsole!, log: this.log,
      });
      this.check(this.before, 'guest runs after the checkpoints', this.remus.primaryRunning, this.remus.primaryRunning ? `${this.remus.checkpoints.length} checkpoint(s) taken` : 'the primary stopped');
      if (!this.remus.primaryRunning) throw new Error(`the guest did not keep running after xl remus on ${this.src.where}: ${this.remus.failure ?? ''}`);
    }
    await sleep(this.s.migration.startSeconds - (Date.now() - this.zeroMs) / 1000);
  }

  async configure(): Promise<void> {
    const src = this.src;
    this.rateBytesPerSecond = Math.max(1, Math.round(this.s.network.bandwidthBitsPerSecond / 8));
    const dir = src.dir;
    const receiver = this.sameHost ? 'xl migrate-receive -e'
      : `ssh -o BatchMode=yes ${shQuote(this.dst.spec.migrationAddress ?? this.dst.where.replace(/^.*@/, ''))} xl migrate-receive -e`;
    const rune = transportScript(dir, 'rune', this.rateBytesPerSecond, receiver);
    const r = await src.host.run(`cat > ${shQuote(`${dir}/rune.sh`)}`, 30, rune);
    if (r.status !== 0) throw new Error(`cannot write the transport script on ${src.where}: ${r.stderr.trim()}`);
  }

  async migrate(): Promise<void> {
    const s = this.s, src = this.src, dir = src.dir;
    this.linesBefore = dirtierLinesIn(this.srcConsole!.text).length;
    this.log(`xl migrate ${this.name} → ${this.sameHost ? 'the same host (local pipe)' : this.dst.where} through the meter (${this.rateBytesPerSecond} B/s)…`);
    // A sweep starts where the scenario puts its pointer (workload.startPage): wait for it, at most
    // one sweep of the buffer. xl migrate's ssh start comes on top (tens of ms: a few hundred pages at
    // thousands of writes a second) and is not in the recorded start page.
    const clock = sweepClockOf(s, this.d);
    if (clock) await waitForSweepPage(s, clock, dirtierReports(this.srcConsole!), this.log);
    this.start = Date.now();
    if (clock) this.startPage = achievedStartPage(s, clock, sweepPointerAt(dirtierReports(this.srcConsole!), clock, this.start)!);
    const child = startProcess('ssh', src.host.args(`exec xl -v migrate -s '' ${shQuote(this.name)} ${shQuote(`exec sh ${dir}/rune.sh`)}`), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b) => { this.xlOutput += b; });
    child.stderr!.on('data', (b) => { this.xlOutput += b; });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let done = false;
    void exited.then(() => { done = true; });
    const pid = `p=$(cat ${shQuote(`${dir}/rune.pid`)} 2>/dev/null) && [ -n "$p" ]`;
    // The whole transport (tap, pv, receiver): xl sees its stream cut and resumes the guest.
    const cutTransport = (): Promise<unknown> => src.host.run(`${pid} && pkill -KILL -P "$p"`, 30);
    // The receiver only: xl migrate-receive and its children (libxl-save-helper reads the stream
    // itself, so killing xl alone leaves it receiving); on another host, the ssh that carries it.
    // Whether it found the receiver and killed it: on a loaded machine the transport may not have
    // started yet when the fault is due, and the kill is then tried again at the next tick.
    const killReceiver = async (): Promise<boolean> => {
      const r = await src.host.run(this.sameHost
        ? killReceiverCommand(`${dir}/rune.pid`)
        : `${pid} && pkill -KILL -x ssh -P "$p" && echo ${RECEIVER_KILLED}; true`, 30);
      return r.stdout.includes(RECEIVER_KILLED);
    };
    const maxT = s.limits.maxTimeSeconds, guard = maxT + 300;
    while (!done) {
      const t = (Date.now() - this.start) / 1000;
      if (this.o.killDestinationAfterSeconds !== undefined && !this.destinationKilled && t >= this.o.killDestinationAfterSeconds) {
        this.destinationKilled = await killReceiver();
        if (this.destinationKilled) this.log(`fault injection: killed the receiver mid-stream at ${t.toFixed(1)} s`);
      }
      if (t >= maxT && !this.cancelled) {
        this.cancelled = true;
        this.log(`max time ${maxT} s: cancelling (the transport is cut; xl resumes the guest at the source)`);
        await cutTransport();
      }
      if (t >= guard) { this.failure = `no end after ${guard} s`; child.kill('SIGKILL'); break; }
      await sleep(0.1);
    }
    this.xlExit = await exited;
    this.wallSeconds = (Date.now() - this.start) / 1000;
    if (!/Migration successful\./.test(this.xlOutput) && !this.failure && !this.cancelled) {
      this.failure = this.xlOutput.split('\n').filter((l) => /fail|error|cannot/i.test(l)).slice(-3).join(' | ') || `xl migrate exited ${this.xlExit}`;
    }
    [this.tapText, this.pvText] = await Promise.all([
      src.host.run(`cat ${shQuote(`${dir}/tap.log`)}`, 60).then((r) => r.stdout),
      src.host.run(`cat ${shQuote(`${dir}/pv.log`)}`, 60).then((r) => r.stdout),
    ]);
  }

  async verify(): Promise<void> {
    const src = this.src, dst = this.dst;
    const state = async (side: Side, domain: string): Promise<{ domid: number; state: string } | null> => {
      const r = await side.host.run(`xl list ${shQuote(domain)} 2>/dev/null | awk 'NR==2{print $2, $5}'`, 30);
      const [id, st] = r.stdout.trim().split(/\s+/);
      return id ? { domid: Number(id), state: st ?? '' } : null;
    };
    const sleepLines = async (c: GuestConsole, seconds: number) => { const n = dirtierLinesIn(c.text).length; await sleep(seconds); return dirtierLinesIn(c.text).slice(n); };
    // xl list's state: r running, b blocked, and all dashes runnable but waiting for a CPU (a busy
    // host) — all alive; p paused, s shut down, c crashed, d dying are not.
    const alive = (st: { state: string } | null): boolean => st !== null && !/[pscd]/.test(st.state);
    // xl tears a migration's leftover copy down after it has reported (--migratedaway on success,
    // --incoming when the stream was cut): on a busy host that takes seconds, so wait for it.
    const stillListed = async (side: Side, domain: string): Promise<boolean> => {
      const deadline = Date.now() + VANISH_SECONDS * 1000;
      while ((await state(side, domain)) !== null) {
        if (Date.now() > deadline) return true;
        await sleep(0.5);
      }
      return false;
    };
    if (/Migration successful\./.test(this.xlOutput)) {
      const there = await state(dst, this.name);
      this.destinationDomid = there?.domid ?? null;
      this.check(this.after, 'guest runs on the destination', alive(there), there ? `domid ${there.domid}, state ${there.state}` : 'not listed');
      this.check(this.after, 'new domid', there !== null && (!this.sameHost || there.domid !== this.sourceDomid), there ? `${this.sourceDomid} → ${there.domid}` : '—');
      const srcLeft = (await Promise.all([this.sameHost ? false : stillListed(src, this.name), stillListed(src, `${this.name}--migratedaway`)])).filter((x) => x);
      this.check(this.after, 'source copy gone', srcLeft.length === 0, srcLeft.length ? `still listed on ${src.where} after ${VANISH_SECONDS} s` : 'yes');
      const lines = await sleepLines(this.dstConsole!, 3);
      const bad = lines.reduce((a, l) => Math.max(a, l.bad), 0);
      this.check(this.after, 'heartbeat continues on the destination', lines.length >= 2, `${lines.length} dirtier report(s) in 3 s`);
      this.check(this.after, 'dirtier integrity (no lost write)', lines.length > 0 && bad === 0, `bad=${bad}`);
      this.integrity = { checked: true, destinationStatus: there?.state ?? 'absent', destinationLines: lines.length, maxBad: bad, ok: there !== null && lines.length >= 2 && bad === 0 && srcLeft.length === 0 };
    } else {
      // "Migration failed, resuming at sender": the source must run, intact.
      const here = await state(src, this.name);
      const lines = await sleepLines(this.srcConsole!, 3);
      this.sourceRunning = alive(here) && lines.length >= 1;
      this.check(this.after, 'source running after the failure', this.sourceRunning, here ? `domid ${here.domid}, state ${here.state}, ${lines.length} dirtier report(s) in 3 s` : 'not listed');
      const bad = lines.reduce((a, l) => Math.max(a, l.bad), 0);
      this.check(this.after, 'dirtier integrity (no lost write)', bad === 0, `bad=${bad}`);
      const leftover = await stillListed(dst, `${this.name}--incoming`);
      this.check(this.after, 'no half-received copy on the destination', !leftover, leftover ? `${this.name}--incoming still listed after ${VANISH_SECONDS} s (it is destroyed at clean-up)` : 'none');
      this.integrity = { checked: true, sourceStatus: here?.state ?? 'absent', sourceLines: lines.length, maxBad: bad, ok: this.sourceRunning && bad === 0 };
    }
  }

  collect(): RunResult {
    return toResult(this.s, {
      tap: this.tapText, pv: this.pvText, xlOutput: this.xlOutput, rateBytesPerSecond: this.rateBytesPerSecond, version: this.version, wallSeconds: this.wallSeconds,
      cancelled: this.cancelled, failure: this.failure, integrity: this.integrity, sourceRunning: this.sourceRunning, dirtier: this.d, startPage: this.startPage,
      srcLines: dirtierLinesIn(this.srcConsole?.text ?? '').slice(this.linesBefore),
      guestPauseSeconds: guestPauseSeconds(this.srcConsole, this.dstConsole, this.start),
      hosts: { source: this.src.where, destination: this.dst.where, migrationUri: this.sameHost ? `local pipe on ${this.src.where}` : `ssh ${this.dst.spec.migrationAddress ?? this.dst.where}` },
      synchronization: { before: this.before, after: this.after }, domain: this.name, domids: { source: this.sourceDomid, destination: this.destinationDomid },
      transport: this.sameHost ? 'local' : 'ssh',
      remus: this.remus,
    });
  }

  async cleanUp(): Promise<void> {
    await Promise.all([this.srcConsole?.stop(), this.dstConsole?.stop()]);
    if (this.created) {
      await this.src.host.run(this.destroyCommand(this.src.dir), 120);
      if (!this.sameHost) await this.dst.host.run(this.destroyCommand(this.dst.dir), 120);
    }
    this.forgetCleanup?.();
  }
}

interface Collected {
  tap: string; pv: string; xlOutput: string; rateBytesPerSecond: number; version: string; wallSeconds: number; cancelled: boolean; failure: string | null;
  integrity: IntegrityCheck; sourceRunning: boolean | null; dirtier: DirtierParams; startPage: number | null; srcLines: { writes: number }[]; guestPauseSeconds: number | null;
  hosts: XenMeasurement['hosts']; synchronization: XenMeasurement['synchronization']; domain: string; domids: XenMeasurement['domids']; transport: 'local' | 'ssh';
  remus?: RemusOutcome | null;
}

/** The measurement in the shape of a simulated run. */
export function toResult(s: Scenario, m: Collected): RunResult {
  const tap = parseTapLog(m.tap);
  const passes: StreamPass[] = passesOf(tap);
  const series = parsePvLog(m.pv);
  const success = /Migration successful\./.test(m.xlOutput);
  const status: RunResult['status'] = success ? 'completed' : m.cancelled ? 'cancelled' : 'failed';
  const totalBytes = tap.totalBytes ?? series.at(-1)?.bytes ?? 0;
  const last = success ? passes.at(-1) : undefined;
  const stopStart = last ? tap.records.find((r) => r.kind === 'page' && r.atSeconds >= last.startSeconds)?.offset ?? totalBytes : totalBytes;
  const rows: RoundRow[] = passes.map((p, i) => ({
    round: p.pass, phase: success && i === passes.length - 1 ? 'stopCopy' : 'precopy', startSeconds: p.startSeconds, durationSeconds: p.endSeconds - p.startSeconds,
    pagesSent: p.pages, zeroPagesSent: 0, pagesSkipped: 0, pagesDirtied: passes[i + 1]?.pages ?? 0, bytes: p.bytes,
  }));
  const writes = m.srcLines.map((l) => l.writes).sort((a, b) => a - b);
  const achievedWrites = writes.length ? writes[Math.floor(writes.length / 2)] : m.dirtier.rate;
  const first = passes[0];
  const totalTime = tap.eofSeconds ?? m.wallSeconds;
  // Xen's stop rule, read back: the last live pass had fewer than 50 pages (else the 5-pass cap).
  const converged = success && (passes.at(-2)?.pages ?? Infinity) < 50;
  const downtime = success ? m.guestPauseSeconds ?? 0 : 0;
  const measurement: XenMeasurement = {
    xenVersion: m.version,
    hosts: m.hosts,
    ...(m.remus ? { checkpoints: m.remus.checkpoints, checkpointMigrationWaitSeconds: 0, remus: { epochs: m.remus.checkpoints.length, heartbeatGapsSeconds: m.remus.pausesSeconds, output: m.remus.output } } : {}),
    guestPauseSeconds: m.guestPauseSeconds,
    failureReason: m.failure,
    integrity: m.integrity,
    sourceRunningAfter: m.sourceRunning,
    postcopyStarted: false,
    postcopyRequests: null,
    wallSeconds: m.wallSeconds,
    achieved: {
      writesPerSecond: achievedWrites,
      // Xen's stream v2 sends every page, zero or not (no zero-page elision in xg_sr_save.c).
      zeroPageFraction: 0,
      bulkBytesPerSecond: first && first.endSeconds > first.startSeconds ? first.bytes / (first.endSeconds - first.startSeconds) : null,
      // The last pass is small enough to leave the meter in one of pv's bursts (a tenth of a second's
      // worth): its own rate is not the link's, so none is reported.
      stopCopyBytesPerSecond: null,
      ...(m.startPage !== null ? { sweepStartPage: m.startPage } : {}),
      guestTotalPages: first ? first.pages : (s.vm.memoryMiB * 1048576) / PAGE_SIZE_BYTES,
    },
    dirtier: m.dirtier,
    domain: m.domain,
    domids: m.domids,
    transport: m.transport,
    meterBytesPerSecond: m.rateBytesPerSecond,
    synchronization: m.synchronization,
    passes,
    byteSeries: series,
    streamSetupSeconds: first ? first.startSeconds : null,
    stopCopyStreamSeconds: last ? (tap.endSeconds ?? last.endSeconds) - last.startSeconds : null,
    xlOutput: m.xlOutput.split('\n').filter((l) => l.trim() && !/^xencall:buffer/.test(l)).slice(-40),
    tapErrors: tap.errors,
  };
  return {
    tool: 'miglab', source: 'xen', scenarioName: s.name, seed: s.seed, algorithm: 'precopy', policy: 'xen', fidelity: s.fidelity,
    workloadWritesPerSecond: achievedWrites,
    status, converged,
    stopReason: status === 'cancelled' ? 'timeout-cancelled' : converged ? 'converged' : 'iteration-cap',
    totalTimeSeconds: totalTime, downtimeSeconds: downtime, setupTimeSeconds: first ? first.startSeconds : 0,
    bytesTransferred: totalBytes,
    bytesByPhase: { precopy: success ? stopStart : totalBytes, stopCopy: success ? totalBytes - stopStart : 0, postcopy: 0, checkpoint: 0 },
    pagesTransferred: passes.reduce((a, p) => a + p.pages, 0),
    rounds: passes.length,
    roundRows: rows,
    scenario: s,
    measurement,
  };
}
