import { spawn, spawnSync } from 'node:child_process';

/**
 * A host reached through the system's ssh, so the researcher's ssh config, keys and jump hosts
 * apply (plus the hosts file's `sshOptions`). Never asks for a password (BatchMode).
 */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface SshResult { status: number | null; stdout: string; stderr: string; timedOut: boolean }

export class SshHost {
  constructor(readonly destination: string, private readonly options: string[] = []) {}

  /** ssh's arguments to run one shell command there. */
  args(command: string): string[] {
    return ['-o', 'BatchMode=yes', ...this.options, '--', this.destination, command];
  }

  /** Runs a shell command there; killed after timeoutSeconds. */
  run(command: string, timeoutSeconds = 60, input?: string): Promise<SshResult> {
    return new Promise((resolve) => {
      const child = spawn('ssh', this.args(command), { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let stdout = '', stderr = '', timedOut = false;
      child.stdout!.on('data', (b) => { stdout += b; });
      child.stderr!.on('data', (b) => { stderr += b; });
      if (input !== undefined) child.stdin!.end(input);
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutSeconds * 1000);
      child.on('error', (e) => { clearTimeout(timer); resolve({ status: null, stdout, stderr: `${stderr}${e.message}`, timedOut }); });
      child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr, timedOut }); });
    });
  }

  /** The same, synchronously (for clean-ups on exit). */
  runSync(command: string, timeoutSeconds = 10): void {
    spawnSync('ssh', this.args(command), { stdio: 'ignore', timeout: timeoutSeconds * 1000 });
  }
}
