import { createConnection, type Socket } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * A QEMU Machine Protocol client: JSON lines over a unix socket, or over ssh for a remote host
 * (`ssh HOST socat - UNIX-CONNECT:PATH`, so the user's ssh config, keys and jump hosts apply).
 * Commands are sent one at a time; events are passed to `onEvent` with QEMU's own timestamps.
 */
export interface QmpEvent { event: string; data?: Record<string, unknown>; timestampSeconds: number }

export class QmpError extends Error {
  constructor(readonly command: string, readonly qmpClass: string, message: string) {
    super(`QMP ${command}: ${qmpClass}: ${message}`);
  }
}

export class QmpClient {
  private buffer = '';
  private waiting: { command: string; resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private greeting: ((v: unknown) => void) | null = null;
  onEvent: (e: QmpEvent) => void = () => {};
  readonly events: QmpEvent[] = [];

  private constructor(private readonly input: Readable, private readonly output: Writable, private readonly closer: () => void, readonly where: string) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => this.receive(chunk));
    const fail = (why: string): void => {
      this.closed = true;
      if (this.waiting) { this.waiting.reject(new Error(`QMP ${this.waiting.command} on ${where}: connection ${why}`)); this.waiting = null; }
    };
    input.on('end', () => fail('closed'));
    input.on('error', (e) => fail(`error (${e.message})`));
  }

  /** Connects to a local QMP unix socket and negotiates capabilities. */
  static async connectUnix(path: string, timeoutSeconds = 10, exited: () => string | null = () => null): Promise<QmpClient> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      // A QEMU that has exited will never answer: say so rather than time out on ECONNREFUSED.
      const gone = exited();
      if (gone !== null) throw new Error(gone);
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = createConnection(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const c = new QmpClient(sock, sock, () => sock.destroy(), path);
        await c.handshake();
        return c;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`cannot connect to QMP socket ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * Connects to a QMP unix socket on a remote host through the system's ssh (with `sshOptions`,
   * e.g. `-F config` or `-J jumphost`) and socat on that host.
   */
  static async connectSsh(host: string, path: string, sshOptions: string[] = []): Promise<QmpClient> {
    // ssh joins the command's words with spaces for the remote shell: the address is one quoted word.
    const command = `exec socat - '${`UNIX-CONNECT:${path}`.replace(/'/g, `'\\''`)}'`;
    const child: ChildProcess = spawn('ssh', ['-o', 'BatchMode=yes', ...sshOptions, '--', host, command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b) => { stderr += b; });
    const c = new QmpClient(child.stdout!, child.stdin!, () => child.kill(), `${host}:${path}`);
    try {
      await c.handshake();
    } catch (e) {
      child.kill();
      throw new Error(`${(e as Error).message}${stderr.trim() ? ` (ssh: ${stderr.trim().split('\n').slice(-2).join(' ')})` : ''}`);
    }
    return c;
  }

  private async handshake(): Promise<void> {
    await new Promise((resolve, reject) => {
      this.greeting = resolve;
      setTimeout(() => reject(new Error(`no QMP greeting from ${this.where}`)), 10000).unref();
    });
    await this.execute('qmp_capabilities');
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try { msg = JSON.parse(line); } catch { continue; }
      if ('QMP' in msg) { this.greeting?.(msg); this.greeting = null; continue; }
      if ('event' in msg) {
        const ts = msg.timestamp as { seconds: number; microseconds: number } | undefined;
        const e: QmpEvent = { event: String(msg.event), data: msg.data as Record<string, unknown> | undefined, timestampSeconds: ts ? ts.seconds + ts.microseconds / 1e6 : Date.now() / 1000 };
        this.events.push(e);
        this.onEvent(e);
        continue;
      }
      const w = this.waiting;
      if (!w) continue;
      this.waiting = null;
      if ('error' in msg) {
        const err = msg.error as { class: string; desc: string };
        w.reject(new QmpError(w.command, err.class, err.desc));
      } else w.resolve(msg.return);
    }
  }

  /** Runs one command; resolves with its `return` value, rejects with QmpError. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    const run = (): Promise<T> => new Promise<T>((resolve, reject) => {
      if (this.closed) { reject(new Error(`QMP ${command} on ${this.where}: connection closed`)); return; }
      this.waiting = { command, resolve: resolve as (v: unknown) => void, reject };
      this.output.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.closer();
  }
}
