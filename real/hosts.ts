import { InputError } from '../models/input/errors.ts';
import { readJsonInput } from '../models/input/readFile.ts';

/**
 * Where a replay runs: `--hosts hosts.json` names the source and destination hosts. A host with
 * `ssh` is reached through the system's ssh (so the researcher's ssh config, keys and jump hosts
 * apply, plus any `sshOptions`); a host without `ssh` is this machine (QEMU only).
 *
 *   {
 *     "source":      { "ssh": "me@hostA", "workDir": "/var/tmp/miglab" },
 *     "destination": { "ssh": "me@hostB", "migrationAddress": "10.0.0.2", "migrationPort": 4444 }
 *   }
 *
 * QEMU: QEMU is started there daemonized, QMP goes through `ssh … socat`, the guest's serial log
 * is read with `ssh … tail`; `qemu`, `kernel`, `initrd` default to this machine's testbed paths
 * (run `miglab testbed qemu` on every host, which puts them in the same place). Needs socat.
 *
 * Xen: both hosts are Xen dom0s with `xl`; the guest is created on the source with `kernel` and
 * `initrd` (paths on that host; default the Xen testbed's /var/lib/miglab/vmlinuz and
 * domU-initrd.cpio.gz), and `xl migrate` sends it to `destination.migrationAddress` (the name the
 * source's own ssh reaches the destination by; default the destination's ssh host name). When
 * source and destination are the same ssh host the stream goes through a local pipe to
 * `xl migrate-receive` (no ssh in the stream). Needs pv on the source (the meter).
 */
export interface HostSpec {
  /** ssh destination (user@host or an alias of the ssh config); absent: this machine. */
  ssh?: string;
  /** Extra ssh arguments, e.g. ["-F", "ssh_config"] or ["-J", "jumphost"]. */
  sshOptions?: string[];
  qemu?: string;
  kernel?: string;
  initrd?: string;
  /** Where to make the run's scratch folder on the host (default /tmp); only that folder, created and removed by the replay, is touched. */
  workDir?: string;
  /** Destination only: the address the source connects to (default: the ssh host name, or 127.0.0.1). */
  migrationAddress?: string;
  /** Destination only: the TCP port it listens on (default: a free port here; 4444 on a remote host). */
  migrationPort?: number;
}

export interface HostsSpec {
  source: HostSpec;
  destination: HostSpec;
}

export type HostsBackend = 'qemu' | 'xen';

const FIELDS: Record<keyof HostSpec, 'string' | 'string[]' | 'port'> = {
  ssh: 'string', sshOptions: 'string[]', qemu: 'string', kernel: 'string', initrd: 'string', workDir: 'string', migrationAddress: 'string', migrationPort: 'port',
};
/** The fields a backend reads (anything else in the file is refused, not silently ignored). */
const BACKEND_FIELDS: Record<HostsBackend, (keyof HostSpec)[]> = {
  qemu: ['ssh', 'sshOptions', 'qemu', 'kernel', 'initrd', 'workDir', 'migrationAddress', 'migrationPort'],
  xen: ['ssh', 'sshOptions', 'kernel', 'initrd', 'workDir', 'migrationAddress'],
};

/**
 * What each string field may hold. Every one of them reaches a shell on a remote host, ssh's own
 * command line, or a QEMU option where ',' separates sub-options (`file:<dir>/serial.log`,
 * `unix:<dir>/qmp.sock,server=on`), or socat's address syntax (`UNIX-CONNECT:<path>`), so each is
 * checked here rather than trusted to quoting alone. None may start with '-' (it would be read as
 * an option).
 */
const SAFE: Partial<Record<keyof HostSpec, { re: RegExp; expected: string }>> = {
  ssh: { re: /^[A-Za-z0-9_][A-Za-z0-9_.@%:[\]+-]*$/, expected: 'an ssh destination (user@host or an ssh config alias: letters, digits, _ . @ % : [ ] + -, not starting with -)' },
  workDir: { re: /^\/[A-Za-z0-9_./-]*$/, expected: 'an absolute path of letters, digits, _ . / - (it reaches QEMU options, socat addresses and remote shells)' },
  qemu: { re: /^[A-Za-z0-9_./+-]+$/, expected: 'a path of letters, digits, _ . / + - (not starting with -)' },
  kernel: { re: /^[A-Za-z0-9_./+-]+$/, expected: 'a path of letters, digits, _ . / + - (not starting with -)' },
  initrd: { re: /^[A-Za-z0-9_./+-]+$/, expected: 'a path of letters, digits, _ . / + - (not starting with -)' },
  migrationAddress: { re: /^[A-Za-z0-9_.:[\]-]+$/, expected: 'a host name or IP address' },
};

/** Reads and checks a hosts file; every problem names the file and the field. */
export function loadHosts(file: string, backend: HostsBackend = 'qemu'): HostsSpec {
  return parseHosts(readJsonInput(file, 'hosts file'), file, backend);
}

export function parseHosts(raw: unknown, file: string, backend: HostsBackend = 'qemu'): HostsSpec {
  const allowed = BACKEND_FIELDS[backend];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${file}: expected an object with "source" and "destination"`);
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (k !== 'source' && k !== 'destination') throw new InputError(`${file}: ${k}: unknown field (expected source, destination)`);
  const side = (name: 'source' | 'destination'): HostSpec => {
    const v = obj[name];
    if (v === undefined) {
      if (backend === 'xen') throw new InputError(`${file}: ${name}: a Xen replay needs both hosts (the testbed writes its hosts file: \`miglab testbed xen\`), got nothing`);
      return {};
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(`${file}: ${name}: expected an object, got ${JSON.stringify(v)}`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const kind = allowed.includes(k as keyof HostSpec) ? FIELDS[k as keyof HostSpec] : undefined;
      if (!kind) throw new InputError(`${file}: ${name}.${k}: ${k in FIELDS ? `not used by the ${backend} backend` : 'unknown field'} (expected one of ${allowed.join(', ')})`);
      const ok = kind === 'string' ? typeof x === 'string' && x.length > 0
        : kind === 'string[]' ? Array.isArray(x) && x.every((y) => typeof y === 'string')
          : Number.isInteger(x) && (x as number) > 0 && (x as number) < 65536;
      if (!ok) throw new InputError(`${file}: ${name}.${k}: expected ${kind === 'port' ? 'a TCP port (1–65535)' : kind === 'string[]' ? 'a list of strings' : 'a non-empty string'}, got ${JSON.stringify(x)}`);
      const safe = SAFE[k as keyof HostSpec];
      if (safe && (!safe.re.test(x as string) || (x as string).startsWith('-'))) throw new InputError(`${file}: ${name}.${k}: expected ${safe.expected}, got ${JSON.stringify(x)}`);
      if (name === 'source' && (k === 'migrationAddress' || k === 'migrationPort')) throw new InputError(`${file}: source.${k}: only the destination listens for the migration`);
      out[k] = x;
    }
    if (backend === 'xen' && out.ssh === undefined) throw new InputError(`${file}: ${name}.ssh: a Xen host is a dom0 reached by ssh (the testbed's is "xenhost"), got nothing`);
    return out as HostSpec;
  };
  return { source: side('source'), destination: side('destination') };
}
