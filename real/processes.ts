import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Child processes started by a replay, stopped by PID whatever happens: on success, failure,
 * timeout, and Ctrl-C or SIGTERM of miglab itself.
 */
const live = new Set<ChildProcess>();
/** Synchronous clean-ups for what is not a child of ours (QEMU daemonized on a remote host). */
const cleanups = new Set<() => void>();
let handlersInstalled = false;

function killAll(): void {
  for (const c of live) { try { c.kill('SIGKILL'); } catch { /* already gone */ } }
  live.clear();
  for (const f of cleanups) { try { f(); } catch { /* best effort */ } }
  cleanups.clear();
}

/** Registers a synchronous clean-up run if miglab exits or is interrupted; returns its remover. */
export function onAbnormalExit(cleanup: () => void): () => void {
  installHandlers();
  cleanups.add(cleanup);
  return () => { cleanups.delete(cleanup); };
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => { killAll(); process.exit(sig === 'SIGINT' ? 130 : 143); });
  }
}

export function startProcess(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  installHandlers();
  const child = spawn(command, args, { stdio: 'ignore', ...options });
  live.add(child);
  child.on('exit', () => live.delete(child));
  child.on('error', (e) => { spawnErrors.set(child, e); live.delete(child); });
  return child;
}

const spawnErrors = new WeakMap<ChildProcess, Error>();

/** Why a process could not be started (e.g. ENOENT for a missing binary), if it could not. */
export function spawnFailure(child: ChildProcess): Error | undefined {
  return spawnErrors.get(child);
}

/** SIGTERM, then SIGKILL after `graceSeconds`; resolves when the process has exited. */
export async function stopProcess(child: ChildProcess, graceSeconds = 3): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) { live.delete(child); return; }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceSeconds * 1000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

export function liveProcesses(): number {
  return live.size;
}
