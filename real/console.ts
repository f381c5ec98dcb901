import type { ChildProcess } from 'node:child_process';
import { startProcess, stopProcess } from './processes.ts';

/**
 * A guest's console as it arrives here, followed with `tail -F` (over ssh for a remote host) until
 * stopped: its text so far, and when each chunk holding the dirtier's heartbeat ('~') arrived
 * (ms, this machine's clock). `arrivals` records every chunk with its arrival time, for callers
 * that need to tell several followed files apart (tail's "==> file <==" headers).
 */
export class GuestConsole {
  text = '';
  readonly heartbeatArrivalsMs: number[] = [];
  readonly arrivals: { ms: number; text: string }[] = [];
  private readonly child: ChildProcess;

  constructor(command: string, args: string[]) {
    this.child = startProcess(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (t: string) => {
      const ms = Date.now();
      this.text += t;
      this.arrivals.push({ ms, text: t });
      if (t.includes('~')) this.heartbeatArrivalsMs.push(ms);
    });
  }

  stop(): Promise<void> {
    return stopProcess(this.child, 1);
  }
}

/**
 * The guest's pause as it lives it: from the last heartbeat seen from the source to the first from
 * the destination (arrival times here), counting only destination heartbeats from `sinceMs` on
 * (a console logged there before the migration, e.g. a Remus backup's, is not the migrated guest's).
 */
export function guestPauseSeconds(src: GuestConsole | null, dst: GuestConsole | null, sinceMs = 0): number | null {
  const firstDst = dst?.heartbeatArrivalsMs.find((t) => t >= sinceMs);
  if (firstDst === undefined || !src) return null;
  const lastSrc = [...src.heartbeatArrivalsMs].reverse().find((t) => t <= firstDst);
  return lastSrc === undefined ? null : (firstDst - lastSrc) / 1000;
}
