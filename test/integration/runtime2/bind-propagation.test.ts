// rootfsPropagation with bind mount propagation, in the engine's layout: the rootfs is a mount of
// its own under a shared mount (pivot_root used to fail there with EINVAL). A host mount made under
// the bind source after the start shows inside; with rshared a mount made inside shows on the
// host, with rslave it does not. The mountinfo optional fields (shared:N / master:N) name the
// host's peer group.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defer } from '../../helpers/cleanup.ts';
import { unmountUnder } from '../../helpers/mounts.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, cli, forceDelete, leftovers, makeBundle, mountsUnder, stateOf } from '../runtime/support.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

/** The mountinfo line whose mount point is `mp` (the last, topmost one), or undefined. */
function mountAt(mountinfo: string, mp: string): string | undefined {
  return mountinfo.split('\n').filter((l) => l.split(' ')[4] === mp).at(-1);
}
/** The optional fields of a mountinfo line (between the options and the `-`). */
function optional(line: string): string[] {
  const f = line.split(' ');
  return f.slice(6, f.indexOf('-'));
}
const mount = (...args: string[]) => execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });

for (const mode of ['rshared', 'rslave'] as const) {
  const both = mode === 'rshared';
  test(`rootfsPropagation ${mode} with a ${mode} bind: mounts propagate ${both ? 'both ways' : 'host to container only'}`, { skip }, (t) => {
    const dir = makeTemp('berth-rt2-prop-');
    const id = `n2-prop-${mode}-${process.pid}`;
    const root = join(dir, 'state');
    // Registered first, so it runs last: every mount under dir goes, whatever failed.
    defer(t, () => {
      const left: string[] = [];
      unmountUnder(dir);
      for (const l of mountsUnder(dir)) left.push(`mount ${l}`);
      removeTemp(dir);
      assert.deepEqual(left, []);
    });
    // The engine's layout: the bundle dir a shared mount, the rootfs a mount of its own under it.
    mount('--bind', dir, dir);
    mount('--make-shared', dir);
    const src = join(dir, 'src');
    mkdirSync(src);
    mount('-t', 'tmpfs', 'berth-prop-src', src);
    mount('--make-shared', src);
    const { bundle } = makeBundle(join(dir, 'bundle'), id, ['sleep', '1000'], (s) => {
      s.root!.readonly = false;
      s.linux!.rootfsPropagation = mode;
      s.mounts!.push({ destination: '/shared', type: 'bind', source: src, options: ['rbind', mode] });
    });
    const rootfs = join(bundle, 'rootfs');
    mount('--bind', rootfs, rootfs);
    defer(t, () => {
      forceDelete(root, id);
      assert.deepEqual(leftovers(root, id, bundle).filter((l) => !l.startsWith('mount ')), []);
    });

    const c = cli(root, ['create', '--bundle', bundle, id]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(cli(root, ['start', id]).code, 0);
    const pid = stateOf(root, id).pid as number;
    const inside = () => readFileSync(`/proc/${pid}/mountinfo`, 'utf8');

    // The bind inside is in the source's peer group (rshared) or its slave (rslave).
    const hostGroup = optional(mountAt(readFileSync('/proc/self/mountinfo', 'utf8'), src)!).find((o) => o.startsWith('shared:'));
    assert.ok(hostGroup, 'the source is shared on the host');
    const bindLine = mountAt(inside(), '/shared');
    assert.ok(bindLine, `no /shared in the container:\n${inside()}`);
    const want = both ? hostGroup : hostGroup.replace('shared:', 'master:');
    assert.ok(optional(bindLine).includes(want), `/shared inside: ${bindLine}; want ${want}`);
    const rootLine = mountAt(inside(), '/')!;
    assert.ok(optional(rootLine).some((o) => o.startsWith(both ? 'shared:' : 'master:')), `/ inside: ${rootLine}`);

    // Host to container.
    mkdirSync(join(src, 'fromhost'));
    mount('-t', 'tmpfs', 'berth-prop-host', join(src, 'fromhost'));
    assert.match(mountAt(inside(), '/shared/fromhost') ?? '', / - tmpfs berth-prop-host /);

    // Container to host: only for rshared.
    mkdirSync(join(src, 'frominside'));
    execFileSync('nsenter', ['-t', String(pid), '-m', '--', '/bin/mount', '-t', 'tmpfs', 'berth-prop-inside', '/shared/frominside']);
    assert.match(mountAt(inside(), '/shared/frominside') ?? '', / - tmpfs berth-prop-inside /);
    const onHost = mountAt(readFileSync('/proc/self/mountinfo', 'utf8'), join(src, 'frominside'));
    if (both) assert.match(onHost ?? '', / - tmpfs berth-prop-inside /);
    else assert.equal(onHost, undefined);
  });
}
