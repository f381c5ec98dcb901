import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../models/input/errors.ts';
import { onAbnormalExit, spawnFailure, startProcess, stopProcess } from '../processes.ts';
import type { HostSpec } from '../hosts.ts';
import { QmpClient } from './qmp.ts';
import { GuestConsole } from '../console.ts';
import { shQuote, SshHost } from '../ssh.ts';


/**
 * One QEMU process of a replay (source or destination), on this machine or on a host reached by
 * ssh. The replay only talks to this interface: start, QMP, the guest's serial log, liveness,
 * kill (fault injection) and stop (always: QEMU gone, scratch folder removed).
 */
export interface QemuMachine {
  readonly side: 'source' | 'destination';
  /** "this machine" or the ssh destination. */
  readonly where: string;
  /** A file in the machine's scratch folder (a path on that machine). */
  path(name: string): string;
  /** Starts QEMU; a missing binary or an immediate exit is a clear InputError. */
  start(qemu: string, args: string[]): Promise<void>;
  connectQmp(): Promise<QmpClient>;
  /** The guest's console, followed from `start` to `stop`. */
  readonly console: GuestConsole;
  alive(): Promise<boolean>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function machineFor(side: 'source' | 'destination', spec: HostSpec, runId: string): QemuMachine {
  // Always a folder of our own inside the given one: only that is ever removed.
  const own = `miglab-replay-${runId}-${side}`;
  return spec.ssh ? new RemoteMachine(side, spec, `${(spec.workDir ?? '/tmp').replace(/\/+$/, '')}/${own}`) : new LocalMachine(side, join(spec.workDir ?? '/tmp', own));
}

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));
const QMP = 'qmp.sock';
const SERIAL = 'serial.log';

class LocalMachine implements QemuMachine {
  readonly where = 'this machine';
  private child: ChildProcess | null = null;
  private stderr = '';
  private guestConsole: GuestConsole | null = null;

  constructor(readonly side: 'source' | 'destination', private readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  private removeCleanup: (() => void) | null = null;

  async start(qemu: string, args: string[]): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    // Ctrl-C: QEMU is killed as our child; its folder goes too.
    this.removeCleanup = onAbnormalExit(() => rmSync(this.dir, { recursive: true, force: true }));
    const child = startProcess(qemu, [...args, '-serial', `file:${this.path(SERIAL)}`, '-qmp', `unix:${this.path(QMP)},server=on,wait=off`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (b) => { this.stderr += b; });
    await sleep(0.2);
    const e = spawnFailure(child);
    if (e) throw new InputError(`cannot start QEMU (${this.side}) ${qemu}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such binary (run `miglab testbed qemu`)' : e.message}`);
    if (child.exitCode !== null) throw new InputError(`QEMU (${this.side}) exited at start: ${this.stderr.trim() || `code ${child.exitCode}`}`);
    this.guestConsole = new GuestConsole('tail', ['-c', '+1', '-F', this.path(SERIAL)]);
  }

  get console(): GuestConsole {
    if (!this.guestConsole) throw new Error(`QEMU (${this.side}) not started`);
    return this.guestConsole;
  }

  connectQmp(): Promise<QmpClient> {
    return QmpClient.connectUnix(this.path(QMP), 10, () => {
      const c = this.child;
      if (c === null || (c.exitCode === null && c.signalCode === null)) return null;
      const why = this.stderr.trim().split('\n').slice(-3).join(' ');
      return `QEMU (${this.side}) died while booting: it exited (${c.exitCode !== null ? `code ${c.exitCode}` : c.signalCode}) before its QMP socket answered${why ? `: ${why}` : ''}`;
    });
  }

  async alive(): Promise<boolean> {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.guestConsole?.stop();
    if (this.child) await stopProcess(this.child);
    rmSync(this.dir, { recursive: true, force: true });
    this.removeCleanup?.();
  }
}

/** QEMU on a host reached by ssh: started with -daemonize and a pid file, stopped by that PID. */
class RemoteMachine implements QemuMachine {
  readonly where: string;
  private started = false;
  private removeCleanup: (() => void) | null = null;
  private guestConsole: GuestConsole | null = null;

  constructor(readonly side: 'source' | 'destination', private readonly spec: HostSpec, private readonly dir: string) {
    this.where = spec.ssh!;
    this.host = new SshHost(spec.ssh!, spec.sshOptions ?? []);
  }

  private readonly host: SshHost;
  private sshArgs(command: string): string[] { return this.host.args(command); }
  private run(command: string, timeoutSeconds = 60) { return this.host.run(command, timeoutSeconds); }

  path(name: string): string {
    return `${this.dir}/${name}`;
  }

  private killCommand(signal: string): string {
    const pid = shQuote(this.path('qemu.pid'));
    return `p=$(cat ${pid} 2>/dev/null) && [ -n "$p" ] && kill -${signal} "$p" 2>/dev/null`;
  }

  async start(qemu: string, args: string[]): Promise<void> {
    const d = shQuote(this.dir);
    const probe = await this.run(`command -v socat >/dev/null || echo NO-SOCAT; [ -x ${shQuote(qemu)} ] || echo NO-QEMU`);
    if (probe.status !== 0) throw new InputError(`cannot reach the ${this.side} host ${this.where} over ssh: ${probe.stderr.trim() || `exit ${probe.status}`}`);
    if (probe.stdout.includes('NO-QEMU')) throw new InputError(`cannot start QEMU (${this.side}) on ${this.where}: no binary ${qemu} there (run \`miglab testbed qemu\` on that host, or set ${this.side}.qemu in the hosts file)`);
    if (probe.stdout.includes('NO-SOCAT')) throw new InputError(`the ${this.side} host ${this.where} has no socat (QMP goes through it): install it there (Debian: apt-get install socat)`);
    const full = [...args, '-serial', `file:${this.path(SERIAL)}`, '-qmp', `unix:${this.path(QMP)},server=on,wait=off`, '-daemonize', '-pidfile', this.path('qemu.pid')];
    this.started = true;
    this.removeCleanup = onAbnormalExit(() => this.host.runSync(`${this.killCommand('KILL')}; rm -rf ${d}`));
    const r = await this.run(`rm -rf ${d} && mkdir -p ${d} && exec ${[qemu, ...full].map(shQuote).join(' ')}`);
    if (r.status !== 0) throw new InputError(`QEMU (${this.side}) on ${this.where} exited at start: ${r.stderr.trim() || `code ${r.status}`}`);
    this.guestConsole = new GuestConsole('ssh', this.sshArgs(`exec tail -c +1 -F ${shQuote(this.path(SERIAL))} 2>/dev/null`));
  }

  get console(): GuestConsole {
    if (!this.guestConsole) throw new Error(`QEMU (${this.side}) on ${this.where} not started`);
    return this.guestConsole;
  }

  connectQmp(): Promise<QmpClient> {
    return QmpClient.connectSsh(this.spec.ssh!, this.path(QMP), this.spec.sshOptions ?? []);
  }

  async alive(): Promise<boolean> {
    return (await this.run(this.killCommand('0'))).status === 0;
  }

  async kill(): Promise<void> {
    await this.run(this.killCommand('KILL'));
  }

  async stop(): Promise<void> {
    await this.guestConsole?.stop();
    if (!this.started) return;
    // SIGTERM, up to 3 s to exit, then SIGKILL; then remove the scratch folder.
    await this.run(`${this.killCommand('TERM')}; for i in $(seq 30); do ${this.killCommand('0')} || break; sleep 0.1; done; ${this.killCommand('KILL')}; rm -rf ${shQuote(this.dir)}; true`);
    this.removeCleanup?.();
    this.started = false;
  }
}
