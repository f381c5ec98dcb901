import cliProgress from 'cli-progress';

/** Progress on stderr: a bar with rate and ETA on a terminal, a plain line every few seconds otherwise. */
export function progressBar(total: number, done: number, quiet: boolean): { tick: (n?: number) => void; stop: () => void } {
  if (quiet) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 3000,
    format: 'sweep [{bar}] {percentage}% | {value}/{total} runs | {rate} runs/s | eta {eta_formatted}',
    etaBuffer: 200,
  }, cliProgress.Presets.shades_classic);
  const start = Date.now();
  let value = done;
  bar.start(total, done, { rate: '0' });
  return {
    tick: (n = 1) => { value += n; bar.update(value, { rate: ((value - done) / Math.max(0.001, (Date.now() - start) / 1000)).toFixed(0) }); },
    stop: () => bar.stop(),
  };
}
