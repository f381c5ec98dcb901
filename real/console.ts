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
