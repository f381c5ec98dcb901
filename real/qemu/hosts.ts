import { InputError } from '../../models/input/errors.ts';
import { readJsonInput } from '../../models/input/readFile.ts';

/**
 * Where a replay runs: `--hosts hosts.json` names the source and destination hosts. A host with
 * `ssh` is reached through the system's ssh (so the researcher's ssh config, keys and jump hosts
 * apply, plus any `sshOptions`); QEMU is started there daemonized, QMP goes through `ssh … socat`,
 * and the guest's serial log is read with `ssh … cat`. A host without `ssh` is this machine.
 *
 *   {
 *     "source":      { "ssh": "me@hostA", "workDir": "/var/tmp/miglab" },
 *     "destination": { "ssh": "me@hostB", "migrationAddress": "10.0.0.2", "migrationPort": 4444 }
 *   }
 *
 * Paths (`qemu`, `kernel`, `initrd`) default to this machine's testbed paths: run
 * `miglab testbed qemu` (or scripts/testbeds/qemu-setup.sh) on every host, which puts them in the
 * same place. Needs socat on remote hosts.
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

const FIELDS: Record<keyof HostSpec, 'string' | 'string[]' | 'port'> = {
  ssh: 'string', sshOptions: 'string[]', qemu: 'string', kernel: 'string', initrd: 'string', workDir: 'string', migrationAddress: 'string', migrationPort: 'port',
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
export function loadHosts(file: string): HostsSpec {
  return parseHosts(readJsonInput(file, 'hosts file'), file);
}

export function parseHosts(raw: unknown, file: string): HostsSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${file}: expected an object with "source" and "destination"`);
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (k !== 'source' && k !== 'destination') throw new InputError(`${file}: ${k}: unknown field (expected source, destination)`);
  const side = (name: 'source' | 'destination'): HostSpec => {
    const v = obj[name];
    if (v === undefined) return {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(`${file}: ${name}: expected an object, got ${JSON.stringify(v)}`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const kind = FIELDS[k as keyof HostSpec];
      if (!kind) throw new InputError(`${file}: ${name}.${k}: unknown field (expected one of ${Object.keys(FIELDS).join(', ')})`);
      const ok = kind === 'string' ? typeof x === 'string' && x.length > 0
        : kind === 'string[]' ? Array.isArray(x) && x.every((y) => typeof y === 'string')
          : Number.isInteger(x) && (x as number) > 0 && (x as number) < 65536;
      if (!ok) throw new InputError(`${file}: ${name}.${k}: expected ${kind === 'port' ? 'a TCP port (1–65535)' : kind === 'string[]' ? 'a list of strings' : 'a non-empty string'}, got ${JSON.stringify(x)}`);
      const safe = SAFE[k as keyof HostSpec];
      if (safe && (!safe.re.test(x as string) || (x as string).startsWith('-'))) throw new InputError(`${file}: ${name}.${k}: expected ${safe.expected}, got ${JSON.stringify(x)}`);
      if (name === 'source' && (k === 'migrationAddress' || k === 'migrationPort')) throw new InputError(`${file}: source.${k}: only the destination listens for the migration`);
      out[k] = x;
    }
    return out as HostSpec;
  };
  return { source: side('source'), destination: side('destination') };
}
