import { shQuote } from '../ssh.ts';

/**
 * The metering transport of `xl migrate -s ''` and `xl remus -s ''` (real/xen/replay.ts): a shell
 * script in the replay's folder on the source that records its PID (<name>.pid) and pipes the
 * stream through the tap (<name>-tap.log … the migration's are tap.log, pv.log) and pv's rate cap
 * into the receiver.
 */
export function transportScript(dir: string, name: 'rune' | 'remus', rateBytesPerSecond: number, receiver: string): string {
  const file = (n: string): string => shQuote(`${dir}/${n}`);
  const log = (kind: 'tap' | 'pv'): string => file(name === 'rune' ? `${kind}.log` : `${name}-${kind}.log`);
  return `echo $$ > ${file(`${name}.pid`)}\nmiglab-xen-tap ${log('tap')} | pv -n -b -t -i 0.1 -L ${rateBytesPerSecond} 2>${log('pv')} | ${receiver}\n`;
}

/**
 * Shell text that kills the transport's receiver on the same host: `xl migrate-receive` and its
 * children (libxl-save-helper reads the stream itself, so killing xl alone leaves it receiving).
 * Prints `killed` when it found the receiver and killed it (nothing when the transport has not
 * started yet, or is gone); exits 0 either way.
 */
export const RECEIVER_KILLED = 'killed';
export function killReceiverCommand(pidFile: string): string {
  return `p=$(cat ${shQuote(pidFile)} 2>/dev/null) && [ -n "$p" ] && r=$(pgrep -x xl -P "$p") && [ -n "$r" ] && { pkill -KILL -P "$r"; kill -KILL $r && echo ${RECEIVER_KILLED}; }; true`;
}
