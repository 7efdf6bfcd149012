// Build platforms: --platform parsing as the builder uses it, and binfmt_misc entries (as the
// kernel shows them under /proc/sys/fs/binfmt_misc) matched to architectures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binfmtHandlers, buildPlatform, cannotRun, parseBinfmtEntry } from '../../../src/engine/build/platform.ts';

// qemu-user-static's aarch64 and s390x registrations, as /proc shows them.
const AARCH64 = 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\nmagic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n';
const S390X = 'enabled\ninterpreter /usr/bin/qemu-s390x-static\nflags: F\noffset 0\nmagic 7f454c46020201000000000000000000000200160000\nmask ffffffffffffff00fffffffffffffffffffeffff\n';

test('--platform: aliases, arm64 without its implied v8, one platform at a time, linux only', () => {
  assert.deepEqual(buildPlatform('linux/arm64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(buildPlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(buildPlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(buildPlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(buildPlatform('x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.throws(() => buildPlatform('linux/amd64,linux/arm64'), /one platform expected here/);
  assert.throws(() => buildPlatform('windows/amd64'), /only linux images/);
  assert.throws(() => buildPlatform('linux//x'), /invalid platform/);
});

test('binfmt_misc entries: ELF machine and byte order from the magic; disabled ones ignored', () => {
  assert.deepEqual(parseBinfmtEntry(AARCH64), { machine: 183, bigEndian: false, interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P' });
  assert.deepEqual(parseBinfmtEntry(S390X), { machine: 22, bigEndian: true, interpreter: '/usr/bin/qemu-s390x-static' });
  assert.equal(parseBinfmtEntry(AARCH64.replace('enabled', 'disabled')), undefined);
  assert.equal(parseBinfmtEntry('enabled\ninterpreter /usr/bin/wine\nflags: \noffset 0\nmagic 4d5a\n'), undefined, 'not ELF');
});

test('cannotRun: the host arch always; a foreign one only with a registered handler', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-binfmt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const host = { os: 'linux', architecture: 'amd64' };
  const arm64 = { os: 'linux', architecture: 'arm64' };
  assert.equal(cannotRun(host, host, dir), undefined);
  assert.equal(cannotRun({ os: 'linux', architecture: '386' }, host, dir), undefined, 'amd64 kernels run 386 programs');
  assert.match(cannotRun(arm64, host, dir)!, /stage for linux\/arm64 needs an emulator on this linux\/amd64 host: no binfmt_misc handler for arm64/);
  writeFileSync(join(dir, 'status'), 'enabled\n');
  writeFileSync(join(dir, 'register'), '');
  writeFileSync(join(dir, 'qemu-aarch64'), AARCH64);
  assert.deepEqual(binfmtHandlers(dir).map((h) => h.name), ['qemu-aarch64']);
  assert.equal(cannotRun(arm64, host, dir), undefined);
  assert.match(cannotRun({ os: 'linux', architecture: 's390x' }, host, dir)!, /no binfmt_misc handler for s390x/);
  writeFileSync(join(dir, 'status'), 'disabled\n');
  assert.match(cannotRun(arm64, host, dir)!, /no binfmt_misc handler/, 'binfmt_misc switched off');
});
