import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePvLog, parseTapLog, passesOf } from '../../real/xen/stream.ts';
import { toResult } from '../../real/xen/replay.ts';
import { xenSupports, xlConfig } from '../../real/xen/guest.ts';
import { parseHosts } from '../../real/hosts.ts';
import { loadScenario } from '../../models/scenario/load.ts';
import { dirtierFor } from '../../real/dirtier.ts';

/**
 * The Xen backend's parts that need no testbed: the stream tap (compiled here and fed a synthetic
 * libxenguest stream), the pass split, the result fields, the guest config, what Xen can replay,
 * and the hosts file's Xen fields.
 */

// A synthetic xl/libxl/libxenguest stream: an xl header with 0xff octets and JSON before the image
// header, then records: PV_INFO, three passes of PAGE_DATA (pfns ascending within a pass), vCPU
// state, END, then xl's GO message.
function stream(): Buffer {
  const parts: Buffer[] = [Buffer.from('Xen saved domain, xl format\n \0 \r'), Buffer.from([0xff, 0xff, 0xff]), Buffer.from('{"c_info":{}}')];
  const ihdr = Buffer.alloc(24); ihdr.fill(0xff, 0, 8); ihdr.writeUInt32BE(0x58454e46, 8); ihdr.writeUInt32BE(3, 12);
  const dhdr = Buffer.alloc(16); dhdr.writeUInt32LE(1, 0); dhdr.writeUInt16LE(12, 4); dhdr.writeUInt32LE(4, 8); dhdr.writeUInt32LE(17, 12);
  parts.push(ihdr, dhdr);
  const rec = (type: number, body: Buffer): Buffer => {
    const h = Buffer.alloc(8); h.writeUInt32LE(type, 0); h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body, Buffer.alloc((8 - (body.length % 8)) % 8)]);
  };
  const page = (pfns: number[]): Buffer => {
    const head = Buffer.alloc(8 + 8 * pfns.length); head.writeUInt32LE(pfns.length, 0);
    pfns.forEach((p, i) => head.writeBigUInt64LE(BigInt(p), 8 + 8 * i));
    return rec(1, Buffer.concat([head, Buffer.alloc(4096 * pfns.length, 0xab)]));
  };
  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
  parts.push(rec(2, Buffer.alloc(8)), page(range(0, 1024)), page(range(1024, 2048)), page([3, 70, 900, 1500]), page([5, 6]), rec(8, Buffer.alloc(24)), rec(4, Buffer.alloc(20)), rec(0, Buffer.alloc(0)), Buffer.from('domain permission to go\n'));
  return Buffer.concat(parts);
}

test('the stream tap passes the stream through unchanged and logs its records; passes split where pfns restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'miglab-tap-'));
  try {
    const bin = join(dir, 'tap');
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-Werror', '-o', bin, 'real/xen/guest/xen-tap.c'], { encoding: 'utf8' });
    assert.is(cc.status, 0, cc.stderr);
    const input = stream();
    const run = spawnSync(bin, [join(dir, 'tap.log')], { input, maxBuffer: 1 << 26 });
    assert.is(run.status, 0);
    assert.ok(Buffer.compare(run.stdout, input) === 0, 'output differs from input');
    const log = parseTapLog(readFileSync(join(dir, 'tap.log'), 'utf8'));
    assert.is(log.totalBytes, input.length);
    assert.is(log.records.filter((r) => r.kind === 'page').length, 4);
    assert.equal(log.records.filter((r) => r.kind === 'page').map((r) => [r.pfns, r.pages, r.firstPfn, r.lastPfn]), [[1024, 1024, 0, 1023], [1024, 1024, 1024, 2047], [4, 4, 3, 1500], [2, 2, 5, 6]]);
    const passes = passesOf(log);
    assert.equal(passes.map((p) => p.pages), [2048, 4, 2]);
    // Each pass's bytes run from its first record to the next pass's (the last: to the vCPU records).
    const pageRecords = log.records.filter((r) => r.kind === 'page');
    assert.is(passes[0].bytes, pageRecords[2].offset - pageRecords[0].offset);
    assert.is(passes[2].bytes, log.records.find((r) => r.type === 8)!.offset - pageRecords[3].offset);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('result: bytes by phase add up, the last pass is the stop-and-copy, Xen\'s stop rule read from the passes', () => {
  const s = loadScenario('scenarios/xen-replay-testbed.json').scenario;
  const tap = ['start 0', 'ihdr 0.2 1000', 'page 0.3 2000 1024 1024 0 1023', 'page 1.0 4200000 1024 1024 1024 2047', 'page 2.0 8400000 40 40 7 900', 'page 2.1 8570000 30 30 8 800', 'rec 2.2 8700000 8 24', 'end 2.3 8710000', 'eof 2.5 8710100'].join('\n');
  const base = { pv: '1.0 4000000\n2.5 8710100\n', rateBytesPerSecond: 12500000, version: '4.17', wallSeconds: 3, cancelled: false, failure: null, integrity: { checked: true, ok: true }, sourceRunning: null, dirtier: dirtierFor(s, 'x'), startPage: null, srcLines: [{ writes: 498 }, { writes: 502 }, { writes: 500 }], guestPauseSeconds: 0.8, hosts: { source: 'h', destination: 'h', migrationUri: 'local' }, synchronization: { before: [], after: [] }, domain: 'miglab-1-a', domids: { source: 1, destination: 2 }, transport: 'local' as const };
  const r = toResult(s, { ...base, tap, xlOutput: 'Migration successful.\n' });
  assert.is(r.source, 'xen');
  assert.is(r.status, 'completed');
  assert.is(r.rounds, 3);
  assert.equal(r.roundRows.map((x) => x.phase), ['precopy', 'precopy', 'stopCopy']);
  assert.is(r.bytesTransferred, 8710100);
  assert.is(r.bytesByPhase.precopy + r.bytesByPhase.stopCopy, r.bytesTransferred);
  assert.is(r.bytesByPhase.stopCopy, 8710100 - 8570000);
  assert.is(r.downtimeSeconds, 0.8);
  assert.is(r.totalTimeSeconds, 2.5);
  assert.is(r.workloadWritesPerSecond, 500);
  // 40 pages < 50 in the last live pass: converged (Xen's threshold), not the iteration cap.
  assert.is(r.converged, true);
  assert.is(r.stopReason, 'converged');
  // A failed run: everything sent is pre-copy, no downtime.
  const f = toResult(s, { ...base, tap: tap.split('\n').slice(0, 4).join('\n') + '\neof 1.5 5000000', xlOutput: 'Migration failed, resuming at sender.\n', failure: 'receiver killed' });
  assert.is(f.status, 'failed');
  assert.is(f.downtimeSeconds, 0);
  assert.is(f.bytesByPhase.stopCopy, 0);
  assert.equal(parsePvLog('0.1 100\njunk\n0.2 300\n'), [{ seconds: 0.1, bytes: 100 }, { seconds: 0.2, bytes: 300 }]);
});

test('what Xen can replay, the guest config, and the hosts file\'s Xen fields', () => {
  const s = loadScenario('scenarios/xen-replay-testbed.json').scenario;
  xenSupports(s, 'x.json');
  const refuse = (sets: string[], re: RegExp) => assert.throws(() => xenSupports(loadScenario('scenarios/xen-replay-testbed.json', sets).scenario, 'x.json'), re);
  refuse(['migration.policy=qemu'], /policy "xen"/);
  refuse(['migration.maxIterations=30'], /simple policy \(5 passes, 50 pages/);
  refuse(['limits.onTimeout=stop-and-copy'], /onTimeout/);
  const cfg = xlConfig('miglab-12-abc', s, dirtierFor(s, 'x'), '/k', '/i');
  assert.match(cfg, /^name = "miglab-12-abc"$/m);
  assert.match(cfg, /^memory = 128$/m);
  assert.match(cfg, /dirtier\.mb=16 dirtier\.rate=500 dirtier\.mode=seq/);
  assert.throws(() => xlConfig('x; rm -rf /', s, dirtierFor(s, 'x'), '/k', '/i'), /domain name/);
  const h = parseHosts({ source: { ssh: 'xenhost', sshOptions: ['-F', 'c'] }, destination: { ssh: 'root@b', migrationAddress: '10.0.0.2' } }, 'h.json', 'xen');
  assert.is(h.destination.migrationAddress, '10.0.0.2');
  assert.throws(() => parseHosts({ source: { ssh: 'a', qemu: '/q' }, destination: { ssh: 'b' } }, 'h.json', 'xen'), /h\.json: source\.qemu: not used by the xen backend/);
  assert.throws(() => parseHosts({ source: { ssh: 'a' } }, 'h.json', 'xen'), /h\.json: destination: a Xen replay needs both hosts/);
  assert.throws(() => parseHosts({ source: {}, destination: { ssh: 'b' } }, 'h.json', 'xen'), /h\.json: source\.ssh: a Xen host is a dom0 reached by ssh/);
  assert.throws(() => parseHosts({ source: { ssh: '-oProxyCommand=x' }, destination: { ssh: 'b' } }, 'h.json', 'xen'), /source\.ssh: expected an ssh destination/);
});

test.run();

