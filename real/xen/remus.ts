import type { MeasuredCheckpoint } from '../../models/run/measurement.ts';
import type { GuestConsole } from '../console.ts';
import { startProcess } from '../processes.ts';
import { shQuote, type SshHost } from '../ssh.ts';
import { parseTapLog } from './stream.ts';
import { killReceiverCommand, transportScript } from './transport.ts';

/**
 * A scenario's checkpoints on Xen: `xl remus`, Xen's checkpointing of a running guest to a backup
 * (the real counterpart of the founding paper's checkpoints to a DR site), from the checkpoint
 * section's first instant until the migration starts, every `intervalSeconds` (`-i`).
 *
 *   xl remus -F -n -d -e -i <ms> -s '' DOMAIN 'sh remus.sh'
 *   remus.sh: miglab-xen-tap remus-tap.log | pv -L <bandwidth> … | xl migrate-receive -r -e
 *
 * -F -n -d: the testbed's guest has no network and no disk, so no output buffering (-n, which
 * needs the remus-netbuf-setup script and an IFB device) and no disk replication (-d, DRBD only);
 * both are "unsafe" options and need -F. Remus starts with a live pre-copy of all memory, then, each
 * epoch, suspends the guest, copies its dirty pages into a buffer, resumes it and sends the buffer
 * (libxenguest's checkpointed save: a CHECKPOINT record, type 14, ends each epoch's data).
 *
 * Measured per epoch: the stream's bytes and pages between CHECKPOINT records (the tap), and the
 * guest's pause — the gap in its heartbeat seen from here, the epoch's suspend–copy–resume. The
 * first "checkpoint" is the initial full copy. Remus is ended by killing the backup's receiver
 * (xl then carries on with the primary unprotected, as on a backup failure) and destroying the
 * backup copy; the primary must keep running.
 */
export interface RemusOutcome {
  checkpoints: MeasuredCheckpoint[];
  /** Heartbeat gaps over 60 ms (three ticks) while Remus ran, seconds, in order. */
  pausesSeconds: number[];
  primaryRunning: boolean;
  failure: string | null;
  output: string[];
}

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, s) * 1000));
const GAP_MS = 60;

export async function runRemus(o: {
  host: SshHost; where: string; dir: string; domain: string; intervalSeconds: number; untilMs: number; zeroMs: number;
  rateBytesPerSecond: number; console: GuestConsole; log: (l: string) => void;
}): Promise<RemusOutcome> {
  const file = (n: string): string => shQuote(`${o.dir}/${n}`);
  const rune = transportScript(o.dir, 'remus', o.rateBytesPerSecond, 'xl migrate-receive -r -e');
  const w = await o.host.run(`cat > ${file('remus.sh')}`, 30, rune);
  if (w.status !== 0) throw new Error(`cannot write the Remus transport script on ${o.where}: ${w.stderr.trim()}`);
  const intervalMs = Math.max(1, Math.round(o.intervalSeconds * 1000));
  o.log(`xl remus -i ${intervalMs} (checkpoints until the migration starts)…`);
  const arrivalsBefore = o.console.heartbeatArrivalsMs.length;
  const startMs = Date.now();
  let output = '';
  const child = startProcess('ssh', o.host.args(`exec xl -v remus -F -n -d -e -i ${intervalMs} -s '' ${shQuote(o.domain)} ${shQuote(`exec sh ${o.dir}/remus.sh`)}`), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b) => { output += b; });
  child.stderr!.on('data', (b) => { output += b; });
  const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  let done = false;
  void exited.then(() => { done = true; });
  while (!done && Date.now() < o.untilMs) await sleep(0.1);
  const endMs = Date.now();
  let failure: string | null = done ? `xl remus ended by itself: ${output.trim().split('\n').slice(-2).join(' | ')}` : null;
  // End it: the backup's receiver and its save helper, then the backup copy.
  await o.host.run(killReceiverCommand(`${o.dir}/remus.pid`), 30);
  const deadline = Date.now() + 120_000;
  while (!done && Date.now() < deadline) await sleep(0.2);
  if (!done) { child.kill('SIGKILL'); failure ??= 'xl remus did not end within 120 s of its backup being stopped'; }
  await o.host.run(`xl destroy ${shQuote(`${o.domain}--incoming`)} >/dev/null 2>&1; true`, 60);
  const tapText = (await o.host.run(`cat ${file('remus-tap.log')}`, 60)).stdout;
  // The primary must run on: its heartbeat arrives again.
  const n = o.console.heartbeatArrivalsMs.length;
  await sleep(2);
  const primaryRunning = o.console.heartbeatArrivalsMs.length > n;

  // Heartbeat gaps while Remus ran.
  const beats = o.console.heartbeatArrivalsMs.slice(Math.max(0, arrivalsBefore - 1)).filter((t) => t <= endMs);
  const gaps: { atMs: number; seconds: number }[] = [];
  for (let i = 1; i < beats.length; i++) if (beats[i] - beats[i - 1] > GAP_MS && beats[i - 1] >= startMs) gaps.push({ atMs: beats[i - 1], seconds: (beats[i] - beats[i - 1]) / 1000 });

  // Epochs: the stream between CHECKPOINT records (type 14). Each epoch's pause (suspend, copy of
  // its dirty pages into a buffer, resume) comes before its data is sent and its CHECKPOINT record
  // written; the tap's clock starts with xl's first byte, a little after `startMs`. So the gaps are
  // paired with the epochs in order: an epoch takes the first unused gap that began before its
  // record (with a second's slack for the clocks' offset).
  const tap = parseTapLog(tapText);
  const checkpoints: MeasuredCheckpoint[] = [];
  let fromOffset = 0, fromSeconds = 0, pages = 0, nextGap = 0;
  for (const r of tap.records) {
    if (r.kind === 'page') pages += r.pages;
    if (r.kind === 'rec' && r.type === 14) {
      const atMs = startMs + r.atSeconds * 1000;
      const gap = nextGap < gaps.length && gaps[nextGap].atMs <= atMs + 1000 ? gaps[nextGap++] : null;
      checkpoints.push({
        index: checkpoints.length, instantSeconds: (atMs - o.zeroMs) / 1000, status: 'completed',
        // 0 when no heartbeat gap over GAP_MS was seen for it (a pause shorter than three ticks).
        pauseSeconds: gap ? gap.seconds : 0,
        durationSeconds: r.atSeconds - fromSeconds, bytes: r.offset - fromOffset, pages, zeroPages: 0, delayedSeconds: 0,
      });
      fromOffset = r.offset; fromSeconds = r.atSeconds; pages = 0;
    }
  }
  o.log(`xl remus: ${checkpoints.length} checkpoint(s), ${gaps.length} heartbeat gap(s) over ${GAP_MS} ms`);
  return { checkpoints, pausesSeconds: gaps.map((g) => g.seconds), primaryRunning, failure, output: output.split('\n').filter((l) => l.trim() && !/^xc: progress|^xencall/.test(l)).slice(-20) };
}
