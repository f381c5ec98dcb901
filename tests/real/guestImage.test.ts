import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { bzImageVersion, localGuestImage } from '../../real/qemu/guestImage.ts';

/** A bzImage's first bytes: the "HdrS" magic at 0x202 and kernel_version at 0x20E pointing to `version` at 0x200 + offset. */
function header(version: string | null, offset = 0x3c0): Uint8Array {
  const b = new Uint8Array(0x200 + offset + 300);
  b.set([...'HdrS'].map((c) => c.charCodeAt(0)), 0x202);
  b[0x20e] = offset & 0xff; b[0x20f] = offset >> 8;
  if (version !== null) b.set([...version].map((c) => c.charCodeAt(0)), 0x200 + offset);
  return b;
}

test('guest image: the kernel version from the x86 boot header', () => {
  const v = '6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)';
  assert.is(bzImageVersion(header(v)), v);
  assert.is(bzImageVersion(header(v, 0x1000)), v);
});

test('guest image: bytes that are no bzImage give null, never a wrong version', () => {
  assert.is(bzImageVersion(new Uint8Array(100)), null); // too short
  const noMagic = header('6.1.0'); noMagic[0x202] = 0;
  assert.is(bzImageVersion(noMagic), null);
  assert.is(bzImageVersion(header(null)), null); // empty string
  const past = header('6.1.0'); past[0x20e] = 0xff; past[0x20f] = 0xff;
  assert.is(bzImageVersion(past), null); // points past the bytes read
  const unterminated = header('x'.repeat(290));
  assert.is(bzImageVersion(unterminated.subarray(0, 0x200 + 0x3c0 + 290)), null);
});

test('guest image: a local file is read, a remote one and a missing one are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'miglab-image-'));
  try {
    const k = join(dir, 'vmlinuz');
    writeFileSync(k, header('6.1.0-test (x)'));
    assert.equal(localGuestImage(k, '/x/initramfs-abc.cpio.gz', true), { kernelVersion: '6.1.0-test (x)', initrd: 'initramfs-abc.cpio.gz' });
    assert.equal(localGuestImage(k, '/x/initramfs-abc.cpio.gz', false), { kernelVersion: null, initrd: 'initramfs-abc.cpio.gz' });
    assert.equal(localGuestImage(join(dir, 'missing'), 'i', true), { kernelVersion: null, initrd: 'i' });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test.run();
