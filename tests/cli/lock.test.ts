import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { OutputLock } from '../../scripts/lib/lock.ts';

/** A PID that ran here and is gone: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

test('a lock taken over cleans up the private files of miglabs killed while taking it, and only theirs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'miglab-lock-'));
  const gone = deadPid();
  // Killed after writing its private file (.<lock file's name>.<PID>.tmp, owner inside), and killed
  // while writing it (empty).
  writeFileSync(join(dir, `..summary.json.lock.${gone}.tmp`), JSON.stringify({ pid: gone, host: hostname(), startedAt: '', command: '' }));
  writeFileSync(join(dir, `..summary.json.lock.${gone + 1}.tmp`), '');
  // A live process's (this one's parent) and another output's are left alone.
  writeFileSync(join(dir, `..summary.json.lock.${process.ppid}.tmp`), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: '', command: '' }));
  writeFileSync(join(dir, `..other.csv.lock.${gone}.tmp`), '');
  const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
  const lock = OutputLock.acquire(dir, 'summary.json');
  const left = readdirSync(dir).sort();
  assert.ok(!left.includes(`..summary.json.lock.${gone}.tmp`), left.join(' '));
  if (!alive(gone + 1)) assert.ok(!left.includes(`..summary.json.lock.${gone + 1}.tmp`), left.join(' '));
  assert.ok(left.includes(`..summary.json.lock.${process.ppid}.tmp`) && left.includes(`..other.csv.lock.${gone}.tmp`), left.join(' '));
  lock.release();
  assert.ok(!existsSync(join(dir, '.summary.json.lock')));
});

test.run();
