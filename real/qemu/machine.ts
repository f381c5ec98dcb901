import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../models/scenario/errors.ts';
import { onAbnormalExit, spawnFailure, startProcess, stopProcess } from '../processes.ts';

/** Follows a file as it grows with `tail -F` run by `command` (tail itself, or ssh … tail). */
function follow(command: string, args: string[], onData: (text: string) => void): () => Promise<void> {
  const child = startProcess(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (t: string) => onData(t));
  return () => stopProcess(child, 1);
}
import type { HostSpec } from './hosts.ts';
import { QmpClient } from './qmp.ts';

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
  readSerial(): Promise<string>;
  /** Streams the serial log as it grows (`tail -F`, over ssh for a remote host); returns its stopper. */
  followSerial(onData: (text: string) => void): () => Promise<void>;
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
  }

  connectQmp(): Promise<QmpClient> {
    return QmpClient.connectUnix(this.path(QMP));
  }

  async readSerial(): Promise<string> {
    const f = this.path(SERIAL);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  followSerial(onData: (text: string) => void): () => Promise<void> {
    return follow('tail', ['-c', '+1', '-F', this.path(SERIAL)], onData);
  }

  async alive(): Promise<boolean> {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    rmSync(this.dir, { recursive: true, force: true });
    this.removeCleanup?.();
  }

  toString(): string {
    return `${this.side} (${this.stderr.trim()})`;
  }
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** QEMU on a host reached by ssh: started with -daemonize and a pid file, stopped by that PID. */
class RemoteMachine implements QemuMachine {
  readonly where: string;
  private started = false;
  private removeCleanup: (() => void) | null = null;

  constructor(readonly side: 'source' | 'destination', private readonly spec: HostSpec, private readonly dir: string) {
    this.where = spec.ssh!;
  }

  private sshArgs(command: string): string[] {
    return ['-o', 'BatchMode=yes', ...(this.spec.sshOptions ?? []), this.spec.ssh!, command];
  }

  /** Runs a shell command on the host. */
  private run(command: string, timeoutSeconds = 60): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('ssh', this.sshArgs(command), { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      child.stdout.on('data', (b) => { stdout += b; });
      child.stderr.on('data', (b) => { stderr += b; });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
      child.on('error', (e) => { clearTimeout(timer); resolve({ status: null, stdout, stderr: `${stderr}${e.message}` }); });
      child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
    });
  }

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
    this.removeCleanup = onAbnormalExit(() => { spawnSync('ssh', this.sshArgs(`${this.killCommand('KILL')}; rm -rf ${d}`), { stdio: 'ignore', timeout: 10000 }); });
    const r = await this.run(`rm -rf ${d} && mkdir -p ${d} && exec ${[qemu, ...full].map(shQuote).join(' ')}`);
    if (r.status !== 0) throw new InputError(`QEMU (${this.side}) on ${this.where} exited at start: ${r.stderr.trim() || `code ${r.status}`}`);
  }

  connectQmp(): Promise<QmpClient> {
    return QmpClient.connectSsh(this.spec.ssh!, this.path(QMP), this.spec.sshOptions ?? []);
  }

  async readSerial(): Promise<string> {
    return (await this.run(`cat ${shQuote(this.path(SERIAL))} 2>/dev/null`)).stdout;
  }

  followSerial(onData: (text: string) => void): () => Promise<void> {
    return follow('ssh', this.sshArgs(`exec tail -c +1 -F ${shQuote(this.path(SERIAL))} 2>/dev/null`), onData);
  }

  async alive(): Promise<boolean> {
    return (await this.run(this.killCommand('0'))).status === 0;
  }

  async kill(): Promise<void> {
    await this.run(this.killCommand('KILL'));
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    // SIGTERM, up to 3 s to exit, then SIGKILL; then remove the scratch folder.
    await this.run(`${this.killCommand('TERM')}; for i in $(seq 30); do ${this.killCommand('0')} || break; sleep 0.1; done; ${this.killCommand('KILL')}; rm -rf ${shQuote(this.dir)}; true`);
    this.removeCleanup?.();
    this.started = false;
  }
}
