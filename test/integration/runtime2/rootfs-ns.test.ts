// Root propagation modes and the mount-namespace cases besides "new": joined by path (used as
// it is) and absent (the runtime's, with a chroot and nothing mounted).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../../helpers/rootfs.ts';
import { build, cli, mountsUnder, stateOf, tempBundle } from '../runtime/support.ts';
import type { Spec } from '../../../src/oci/index.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

function bundleFor(t: { after(fn: () => void): void }, tag: string, args: string[], edit: (s: Spec) => void) {
  const id = `n2-${tag}-${process.pid}`;
  return { id, ...tempBundle(t, 'berth-rt2-', id, args, (s) => { s.root!.readonly = false; edit(s); }) };
}

for (const [mode, expect] of [['shared', /\bshared:\d+/], ['rshared', /\bshared:\d+/], ['unbindable', /\bunbindable\b/], ['private', /^[^-]*\d+ \d+ \S+ \S+ \/ \S+ -/]] as const) {
  test(`rootfsPropagation ${mode}: the container's / has that propagation`, { skip }, (t) => {
    const b = bundleFor(t, `prop-${mode}`, ['sh', '-c', 'awk \'$5 == "/"\' /proc/self/mountinfo'], (s) => { s.linux!.rootfsPropagation = mode; });
    const r = cli(b.root, ['run', '--bundle', b.bundle, b.id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), expect);
  });
}

test('a mount namespace joined by path is used as it is: nothing is mounted into it', { skip }, async (t) => {
  const holder = spawn('unshare', ['--mount', '--propagation', 'private', '--fork', 'sleep', '1000'], { stdio: 'ignore' });
  // The sleeper is unshare's child; it is the one in the new namespace, and killing unshare
  // does not kill it.
  let pid = 0;
  t.after(() => {
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    holder.kill('SIGKILL');
  });
  const ours = readlinkSync('/proc/self/ns/mnt');
  for (const end = Date.now() + 60_000; !pid && Date.now() < end;) {
    await sleep(5);
    try {
      const kids = readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      if (kids[0] && readlinkSync(`/proc/${kids[0]}/ns/mnt`) !== ours) pid = kids[0];
    } catch { /* not yet */ }
  }
  assert.ok(pid > 0, 'the namespace holder started');
  const nsPath = `/proc/${pid}/ns/mnt`;
  const before = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  const b = bundleFor(t, 'join', ['sleep', '1000'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'mount' ? { type: 'mount', path: nsPath } : n));
  });
  const c = cli(b.root, ['create', '--bundle', b.bundle, b.id]);
  assert.equal(c.code, 0, c.stderr);
  const st = stateOf(b.root, b.id);
  assert.equal(readlinkSync(`/proc/${st.pid as number}/ns/mnt`), readlinkSync(nsPath));
  assert.equal(cli(b.root, ['start', b.id]).code, 0);
  // The host's /bin/sh is there: the namespace's root, not the bundle's, is the container's.
  const e = cli(b.root, ['exec', b.id, 'sh', '-c', 'test -e /etc/debian_version && echo host-root']);
  assert.equal(e.stdout, 'host-root\n', e.stderr);
  // Nothing was added to the namespace (other tests on the host may unmount things meanwhile).
  const had = new Set(before.split('\n'));
  assert.deepEqual(readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').filter((l) => !had.has(l)), []);
});

test('without a mount namespace the process shares the runtime\'s, chroot\'ed into the rootfs, with no mounts', { skip }, (t) => {
  const b = bundleFor(t, 'nomnt', ['sh', '-c', 'readlink /proc/1/ns/mnt 2>/dev/null; ls /'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
  });
  const r = cli(b.root, ['run', '--bundle', b.bundle, b.id]);
  assert.equal(r.code, 0, r.stderr);
  // No /proc was mounted, so readlink prints nothing; ls shows the busybox rootfs.
  assert.deepEqual(r.stdout.trim().split('\n'), ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'var']);
  // Nothing was mounted in the host's namespace (a proc or /dev would show under the bundle).
  assert.deepEqual(mountsUnder(b.bundle), []);
});
