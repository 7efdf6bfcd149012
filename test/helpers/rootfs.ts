// Test fixtures: a busybox root filesystem and OCI bundles built from Debian's busybox-static.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUSYBOX = '/bin/busybox';

let applets: string[] | undefined;
function busyboxApplets(): string[] {
  applets ??= execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  return applets;
}

/** Lays out a minimal busybox root filesystem in `dir` (created if missing). */
export function makeBusyboxRootfs(dir: string): string {
  for (const d of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root', 'home', 'var', 'usr/bin', 'usr/sbin', 'sbin']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const a of busyboxApplets()) {
    try { symlinkSync('busybox', join(dir, 'bin', a)); } catch { /* already there */ }
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  return dir;
}

/** A fresh temporary directory under the system temp dir; remove it with `removeTemp`. */
export function makeTemp(prefix = 'berth-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

export const isRoot = process.getuid?.() === 0;
