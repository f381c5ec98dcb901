import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseSeed } from '../lib/cliArgs.ts';
import { InputError } from '../../models/input/errors.ts';
import { loadScenario } from '../../models/scenario/load.ts';
import { QemuBackend } from '../../real/qemu/replay.ts';
import { XenBackend } from '../../real/xen/replay.ts';
import type { ReplayBackend } from '../../real/backend.ts';
import { summaryOf, writeRunResults } from '../lib/results.ts';
import { formatRunTable } from '../lib/table.ts';
import { toJson } from '../lib/files.ts';
import { loadHosts } from '../../real/hosts.ts';

export const replayHelp = `miglab replay <scenario.json> --backend qemu|xen [options]

Runs the scenario on a real hypervisor and writes the measurement, in the same shape as a
simulated run (source: "qemu" or "xen"), to results/<name>/replay-<backend>/summary.json and
rounds.csv.
The QEMU backend starts a source and a destination QEMU (TCG), on this machine or on the hosts
of --hosts; guest = Debian cloud kernel + busybox + miglab's dirtier; the testbed is prepared on
first use (scripts/testbeds/qemu-setup.sh, Debian packages only). Needs policy "qemu" and a workload of
type idle, uniform, sweep or hotcold. QEMU capabilities and postcopy timing: the scenario's
real.qemu section.
The Xen backend drives two Xen dom0s over ssh (--hosts; \`miglab testbed xen\` starts one under
QEMU and prints its hosts file): xl create of a PV guest with the dirtier, xl migrate through a
meter (pv capping the stream at network.bandwidthBitsPerSecond, a tap timing Xen's passes),
synchronization checks before and after, xl destroy of what it created. Needs policy "xen".

Options:
  --backend qemu|xen the hypervisor
  --hosts FILE       source and destination hosts, reached with the system's ssh (your ssh config,
                     keys and jump hosts apply); each needs the testbed and socat. Format:
                     {"source": {"ssh": "me@a"}, "destination": {"ssh": "me@b",
                      "migrationAddress": "10.0.0.2", "migrationPort": 4444}}; optional per host:
                     sshOptions, qemu, kernel, initrd, workDir (see real/hosts.ts); Xen: both
                     hosts required, no qemu/migrationPort
  --seed N, --set path=value   as for miglab run
  --out DIR          output folder (default results/<name>/replay-qemu)
  --json             print the summary JSON on stdout`;

export function backendFor(name: string | undefined): ReplayBackend {
  if (name === 'qemu') return new QemuBackend();
  if (name === 'xen') return new XenBackend();
  throw new InputError(`--backend: expected qemu or xen, got ${JSON.stringify(name ?? null)}`);
}

export const progress = (line: string): void => { process.stderr.write(`  ${line}\n`); };

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { backend: { type: 'string' }, hosts: { type: 'string' }, seed: { type: 'string' }, set: { type: 'string', multiple: true }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { console.log(replayHelp); return 0; }
  if (positionals.length !== 1) throw new InputError(`miglab replay: expected one scenario file, got ${positionals.length}\n\n${replayHelp}`);
  const backend = backendFor(values.backend);
  const loaded = loadScenario(positionals[0], values.set ?? [], parseSeed(values.seed));
  const hosts = values.hosts === undefined ? undefined : loadHosts(values.hosts, backend.name);
  const result = await backend.replay(loaded.scenario, { workDir: join(tmpdir(), `miglab-replay-${process.pid}`), log: progress, hosts });
  const dir = values.out ? resolve(values.out) : resolve('results', loaded.scenario.name, `replay-${backend.name}`);
  const { summaryPath } = writeRunResults(dir, result, values.out ? '--out' : 'output folder');
  if (values.json) process.stdout.write(toJson(summaryOf(result)));
  else {
    console.log(`${formatRunTable(result)}\n  integrity    ${JSON.stringify(result.measurement?.integrity ?? null)}\n\n  wrote ${summaryPath}`);
  }
  return result.status === 'failed' ? 1 : 0;
}
