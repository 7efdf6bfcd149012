// build/berth-mount (native/mount.c) as root, through runMountOps and run bare: overlay and bind
// mounts, umount with its lazy and missing-ok modes, the shared directory and a pinned netns,
// umount-if-empty, mkfifo, and the one error line of a failing op.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { MountOpError, mountHelperPath, runMountOps, runMountOpsAsync, startServedWarm, stopServedWarm } from '../../../src/util/native-mount.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { buildNative } from './run-plan.ts';

interface MountEntry { point: string; options: string; optional: string; fstype: string; superOptions: string }

function mounts(): MountEntry[] {
  const decode = (s: string) => s.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => {
    const [left, right] = l.split(' - ');
    const f = left.split(' ');
    const r = right.split(' ');
    return { point: decode(f[4]), options: f[5], optional: f.slice(6).join(' '), fstype: r[0], superOptions: r[2] ?? '' };
  });
}
const mountedAt = (p: string) => mounts().filter((m) => m.point === p);

/** A temp dir whose mounts are all taken down (deepest first, lazily) before it is removed. */
function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = makeTemp('berth-mount-');
  t.after(() => {
    for (let i = 0; i < 10; i++) {
      const under = mounts().map((m) => m.point).filter((p) => p === dir || p.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
      if (!under.length) break;
      for (const p of under) spawnSync('umount', ['-l', p]);
    }
    removeTemp(dir);
  });
  return dir;
}

function dirs(base: string, ...names: string[]): string[] {
  return names.map((n) => { const p = join(base, n); mkdirSync(p, { recursive: true }); return p; });
}

describe('berth-mount', { skip: !isRoot && 'needs root' }, () => {
  before(() => buildNative());

  test('overlay: lowers stacked topmost first, writes land in the upper dir; umount takes it down', (t) => {
    const d = scratch(t);
    const [l1, l2, up, work, mnt] = dirs(d, 'l1', 'l2', 'up', 'work', 'mnt');
    writeFileSync(join(l1, 'shared'), 'bottom');
    writeFileSync(join(l2, 'shared'), 'top');
    writeFileSync(join(l1, 'only-bottom'), 'b');
    runMountOps([{ op: 'overlay', target: mnt, lowerdirs: [l2, l1], upperdir: up, workdir: work }]);
    const [m] = mountedAt(mnt);
    assert.equal(m?.fstype, 'overlay');
    assert.match(m.superOptions, new RegExp(`lowerdir=${l2}:${l1},upperdir=${up},workdir=${work}`));
    assert.equal(readFileSync(join(mnt, 'shared'), 'utf8'), 'top');
    assert.equal(readFileSync(join(mnt, 'only-bottom'), 'utf8'), 'b');
    writeFileSync(join(mnt, 'new'), 'n');
    assert.equal(readFileSync(join(up, 'new'), 'utf8'), 'n');
    assert.ok(!existsSync(join(l2, 'new')));
    runMountOps([{ op: 'umount', path: mnt }]);
    assert.equal(mountedAt(mnt).length, 0);
    // Read-only overlay (two lowers, no upper) with an extra option.
    runMountOps([{ op: 'overlay', target: mnt, lowerdirs: [l2, l1], extra: ['uuid=null'] }]);
    assert.match(mountedAt(mnt)[0].superOptions, /^ro,lowerdir=[^,]*,.*uuid=null/);
    assert.throws(() => writeFileSync(join(mnt, 'x'), 'x'), { code: 'EROFS' });
    runMountOps([{ op: 'umount', path: mnt }]);
  });

  test('rbind + remount-ro: read-only, nosuid/nodev of the source kept', (t) => {
    const d = scratch(t);
    const [src, mnt] = dirs(d, 'src', 'mnt');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,size=1m', 'berth-test', src]);
    mkdirSync(join(src, 'sub'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'berth-test', join(src, 'sub')]);
    writeFileSync(join(src, 'f'), 'f');
    runMountOps([{ op: 'bind', source: src, target: mnt }, { op: 'remount-ro', target: mnt }]);
    const opts = mountedAt(mnt)[0].options.split(',');
    for (const o of ['ro', 'nosuid', 'nodev']) assert.ok(opts.includes(o), `${o} in ${opts}`);
    assert.equal(mountedAt(join(mnt, 'sub')).length, 1, 'recursive: the submount came along');
    assert.equal(readFileSync(join(mnt, 'f'), 'utf8'), 'f');
    assert.throws(() => writeFileSync(join(mnt, 'g'), 'g'), { code: 'EROFS' });
    // The source itself stays writable.
    writeFileSync(join(src, 'g'), 'g');
    runMountOps([{ op: 'umount', path: join(mnt, 'sub') }, { op: 'umount', path: mnt }]);
    assert.equal(mountedAt(mnt).length, 0);
  });

  test('umount: busy fails unless lazy; not mounted fails unless missing-ok', (t) => {
    const d = scratch(t);
    const [src, mnt] = dirs(d, 'src', 'mnt');
    writeFileSync(join(src, 'f'), 'still readable');
    runMountOps([{ op: 'bind', source: src, target: mnt, recursive: false }]);
    const fd = openSync(join(mnt, 'f'), 'r');
    t.after(() => { try { closeSync(fd); } catch { /* closed */ } });
    assert.throws(() => runMountOps([{ op: 'umount', path: mnt, missingOk: true }]), (e: unknown) => e instanceof MountOpError && e.code === 'EBUSY' && e.index === 0);
    assert.equal(mountedAt(mnt).length, 1);
    runMountOps([{ op: 'umount', path: mnt, lazy: true }]);
    assert.equal(mountedAt(mnt).length, 0);
    const buf = Buffer.alloc(64);
    assert.equal(buf.subarray(0, readSync(fd, buf)).toString(), 'still readable', 'a lazily detached mount lives on for its users');
    closeSync(fd);
    assert.throws(() => runMountOps([{ op: 'umount', path: mnt, lazy: true }]), (e: unknown) => e instanceof MountOpError && e.code === 'EINVAL');
    runMountOps([{ op: 'umount', path: mnt, missingOk: true }, { op: 'umount', path: join(d, 'absent'), missingOk: true }]);
  });

  test('shared dir + netns: a fresh network namespace with only lo, pinned, then removed without a trace', async (t) => {
    const d = scratch(t);
    const [nsdir] = dirs(d, 'netns');
    const ns = join(nsdir, 'one');
    await runMountOpsAsync([{ op: 'shared', dir: nsdir }, { op: 'netns', path: ns }]);
    assert.match(mountedAt(nsdir)[0]?.optional ?? '', /shared:\d+/);
    const [pin] = mountedAt(ns);
    assert.equal(pin?.fstype, 'nsfs');
    assert.equal(statSync(ns).mode & 0o777, 0o444);
    assert.notEqual(statSync(ns).ino, statSync('/proc/self/ns/net').ino);
    const links = execFileSync('nsenter', [`--net=${ns}`, 'ip', '-o', 'link'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(links.length, 1);
    assert.match(links[0], /^1: lo:/);
    // lo is up (flags <LOOPBACK,UP,...>) and answers: no CNI loopback plugin needed.
    assert.match(links[0], /<[^>]*\bUP\b[^>]*>/);
    execFileSync('nsenter', [`--net=${ns}`, 'busybox', 'ping', '-c', '1', '-W', '2', '127.0.0.1'], { stdio: 'ignore' });
    // shared is idempotent: a second netns in the same dir does not stack another self-bind.
    const ns2 = join(nsdir, 'two');
    await runMountOpsAsync([{ op: 'shared', dir: nsdir }, { op: 'netns', path: ns2 }]);
    assert.equal(mountedAt(nsdir).length, 1);
    // umount-if-empty leaves a directory that still holds a namespace.
    await runMountOpsAsync([{ op: 'umount', path: ns, lazy: true, missingOk: true }, { op: 'unlink', path: ns }, { op: 'umount-if-empty', dir: nsdir }]);
    assert.ok(!existsSync(ns));
    assert.equal(mountedAt(ns).length, 0);
    assert.equal(mountedAt(nsdir).length, 1);
    await runMountOpsAsync([{ op: 'umount', path: ns2, lazy: true, missingOk: true }, { op: 'unlink', path: ns2 }, { op: 'umount-if-empty', dir: nsdir }]);
    assert.equal(mountedAt(nsdir).length, 0);
    assert.equal(mounts().filter((m) => m.point.startsWith(d)).length, 0);
    // Removal of what is already gone is fine.
    await runMountOpsAsync([{ op: 'umount', path: ns2, lazy: true, missingOk: true }, { op: 'unlink', path: ns2 }, { op: 'umount-if-empty', dir: nsdir }]);
  });

  test('netns on an existing file fails with EEXIST and leaves that file alone', (t) => {
    const d = scratch(t);
    const p = join(d, 'taken');
    writeFileSync(p, 'mine');
    assert.throws(() => runMountOps([{ op: 'netns', path: p }]), (e: unknown) => e instanceof MountOpError && e.code === 'EEXIST' && e.index === 0);
    assert.equal(readFileSync(p, 'utf8'), 'mine');
    assert.equal(mountedAt(p).length, 0);
  });

  test('mkfifo: exactly the mode asked for, whatever our umask', (t) => {
    const d = scratch(t);
    const old = process.umask(0o077);
    t.after(() => process.umask(old));
    runMountOps([{ op: 'mkfifo', path: join(d, 'f'), mode: 0o640 }]);
    const st = statSync(join(d, 'f'));
    assert.ok(st.isFIFO());
    assert.equal(st.mode & 0o7777, 0o640);
    assert.throws(() => runMountOps([{ op: 'mkfifo', path: join(d, 'f'), mode: 0o600 }]), (e: unknown) => e instanceof MountOpError && e.code === 'EEXIST');
  });

  test('a failing op: exit 3, one line "<index>\\t<errno>\\t<message>", nothing after it done', (t) => {
    const d = scratch(t);
    const [mnt] = dirs(d, 'mnt');
    const bin = mountHelperPath();
    const r = spawnSync(bin, ['mkfifo', join(d, 'a'), '600', 'bind', join(d, 'absent'), mnt, 'mkfifo', join(d, 'b'), '600'], { encoding: 'utf8' });
    assert.equal(r.status, 3);
    assert.equal(r.stderr, `1\t2\tbind mount onto ${mnt}: No such file or directory\n`);
    assert.ok(existsSync(join(d, 'a')));
    assert.ok(!existsSync(join(d, 'b')));
    assert.equal(mountedAt(mnt).length, 0);
    // The same through runMountOps: a typed error naming the op.
    const ops = [{ op: 'unlink', path: join(d, 'a') }, { op: 'bind', source: join(d, 'absent'), target: mnt }] as const;
    assert.throws(() => runMountOps([...ops]), (e: unknown) => e instanceof MountOpError && e.index === 1 && e.errno === 2 && e.code === 'ENOENT' && e.op === ops[1] && /bind mount onto/.test(e.message));
    // Bad usage is refused before anything is done: exit 2.
    const u = spawnSync(bin, ['mkfifo', join(d, 'c'), '600', 'mkfifo', join(d, 'd'), '9'], { encoding: 'utf8' });
    assert.equal(u.status, 2);
    assert.match(u.stderr, /^1\t0\tbad usage: mkfifo mode is octal/);
    assert.ok(!existsSync(join(d, 'c')));
    assert.equal(spawnSync(bin, ['bogus'], { encoding: 'utf8' }).status, 2);
    assert.equal(spawnSync(bin, ['umount', mnt], { encoding: 'utf8' }).status, 2, 'umount takes PATH and FLAGS');
  });
});

test('the served warm attach: a child of the server rewrites its own cgroup, stops on request', { skip: !isRoot && 'needs root' }, async () => {
  buildNative();
  // Any batch starts the server; then find it (a berth-mount --serve child of ours).
  await runMountOpsAsync([{ op: 'unlink', path: '/nonexistent-berth-warm-test' }]);
  const children = (pid: number) => {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const st = readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        if (Number(f[1]) === pid && f[0] !== 'Z') out.push(Number(d));
      } catch { /* gone */ }
    }
    return out;
  };
  const server = children(process.pid).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--serve'));
  assert.ok(server, 'the mount server runs');
  const cgroupBefore = readFileSync('/proc/self/cgroup', 'utf8');
  const self = /^\d+:[^:]*\bpids\b[^:]*:(.*)$/m.exec(cgroupBefore);
  const procs = self ? `/sys/fs/cgroup/pids${self[1]}/cgroup.procs` : '/sys/fs/cgroup/cgroup.procs';
  assert.ok(startServedWarm(procs, 5000));
  // The warm child is forked after the answer: wait for it (not a fixed 50 ms), then it is one.
  for (const end = Date.now() + 60_000; !children(server).length && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  const warm = children(server);
  assert.equal(warm.length, 1, 'one warm child');
  // It moved nobody: it writes itself into the cgroup it is in (ours).
  assert.equal(readFileSync(`/proc/${warm[0]}/cgroup`, 'utf8'), cgroupBefore);
  assert.equal(readFileSync('/proc/self/cgroup', 'utf8'), cgroupBefore);
  stopServedWarm();
  await runMountOpsAsync([{ op: 'unlink', path: '/nonexistent-berth-warm-test' }]); // after the stop, in order
  assert.deepEqual(children(server), []);
});
