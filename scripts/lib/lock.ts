import { linkSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../models/input/errors.ts';

/**
 * An exclusive lock on one output of an output folder (a run's results, a sweep's CSV, one shard's
 * CSV): a file `.<name>.lock` beside it holding the owner's PID, host and command. It is created
 * complete and atomically (written to a private file, then hard-linked into place: the link fails
 * if the lock exists), so two miglabs can never both hold it. A lock whose process is gone — same
 * host, PID no longer running (kill -9, a crash) — is stale and taken over; a lock held on another
 * host (a shared cluster file system) cannot be checked from here, and the message says how to
 * remove it if that host's job is gone. Released on exit, Ctrl-C and SIGTERM.
 *
 * Shards of one sweep write different files of one folder at the same time (Slurm array tasks), so
 * the lock is per output, not per folder.
 */
interface LockOwner { pid: number; host: string; startedAt: string; command: string }

const held = new Set<string>();
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => { for (const path of held) releasePath(path); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Without a handler Node dies at once and 'exit' never fires; with one, it must exit itself.
    process.on(sig, () => { process.exit(sig === 'SIGINT' ? 130 : 143); });
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return Number.isInteger(o.pid) && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

/** Whether a process with this PID runs on this machine (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function releasePath(path: string): void {
  const o = readOwner(path);
  if (o && o.pid === process.pid && o.host === hostname()) rmSync(path, { force: true });
  held.delete(path);
}

/** A miglab's private copy of the lock it is taking (`.<lock file's name>.<PID>.tmp`), linked into place. */
const privateFile = (path: string, pid: number): string => join(dirname(path), `.${basename(path)}.${pid}.tmp`);

export class OutputLock {
  private constructor(readonly path: string) {}

  /** Takes the lock on output `name` in `dir` (which must exist), or refuses with who holds it. */
  static acquire(dir: string, name: string): OutputLock {
    const path = join(dir, `.${name}.lock`);
    const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(2).join(' ').slice(0, 500) };
    const mine = privateFile(path, process.pid);
    writeFileSync(mine, JSON.stringify(me) + '\n');
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(mine, path);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`${dir}: cannot lock the output folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        }
        const owner = readOwner(path);
        const stale = owner !== null && owner.host === me.host && !processAlive(owner.pid);
        if (!stale || attempt > 0) {
          const who = owner ? `miglab PID ${owner.pid} on ${owner.host} (since ${owner.startedAt}: ${owner.command || 'miglab'})` : 'a process that left an unreadable lock file';
          const remove = owner && owner.host !== me.host ? `; if that job is gone, delete ${path}` : owner ? '' : `; if no miglab is writing there, delete ${path}`;
          throw new InputError(`${dir}: ${who} is writing ${name} here; nothing was written. Wait for it, or use --out for another folder${remove}.`);
        }
        unlinkSync(path); // the owner is gone (killed): take the lock over
      }
    } finally {
      rmSync(mine, { force: true });
    }
    // A miglab killed (-9) between writing its private file and removing it left that file: with the
    // lock held, remove such files of this output whose process is gone from this host.
    for (const f of readdirSync(dirname(path))) {
      const pid = Number(/^(\d+)\.tmp$/.exec(f.startsWith(`.${basename(path)}.`) ? f.slice(basename(path).length + 2) : '')?.[1]);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      // Killed while writing it, the file may not even hold its owner: its name has the PID.
      const owner = readOwner(privateFile(path, pid)) ?? { pid, host: me.host };
      if (owner.host === me.host && !processAlive(owner.pid)) rmSync(privateFile(path, pid), { force: true });
    }
    installHooks();
    held.add(path);
    return new OutputLock(path);
  }

  release(): void {
    releasePath(this.path);
  }
}
