import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec, parseSpec, renderSpec } from '../../../src/oci/index.ts';
import type { Spec } from '../../../src/oci/index.ts';
import { encodeSteps } from '../../../src/runtime/plan.ts';
import type { RuntimePlan, Step } from '../../../src/runtime/plan.ts';
import { PlanError, planCreate, renderPlan } from '../../../src/runtime/planner.ts';
import { MS } from '../../../src/runtime/planner/mount-options.ts';
import { ctx, ROOTLESS_V2_HOST, V1_HOST, V2_HOST } from './planner-fixtures.ts';

/** The default spec as a parsed document (so bigint/number handling is the real one). */
function spec(mutate: (s: Spec) => void = () => {}, rootless = false): Spec {
  const s = parseSpec(renderSpec(defaultSpec({ rootless, uid: 1000, gid: 1000 })));
  s.process!.terminal = false;
  mutate(s);
  return s;
}

const ops = (p: RuntimePlan) => p.steps.map((s) => s.op);
const idx = (p: RuntimePlan, pred: (s: Step) => boolean) => p.steps.findIndex(pred);
const op = (p: RuntimePlan, name: Step['op']) => idx(p, (s) => s.op === name);
function find<O extends Step['op']>(p: RuntimePlan, name: O, pred: (s: Extract<Step, { op: O }>) => boolean = () => true): Extract<Step, { op: O }> | undefined {
  return p.steps.find((s) => s.op === name && pred(s as Extract<Step, { op: O }>)) as Extract<Step, { op: O }> | undefined;
}
function planErrors(s: Spec, c = ctx(), host = V1_HOST): string[] {
  try {
    planCreate(s, c, host);
  } catch (e) {
    assert.ok(e instanceof PlanError, String(e));
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}
/** Asserts that the ops appear in this relative order. */
function assertOrder(p: RuntimePlan, names: Step['op'][]): void {
  const positions = names.map((n) => op(p, n));
  for (const [i, pos] of positions.entries()) assert.ok(pos >= 0, `${names[i]} missing from ${ops(p).join(' ')}`);
  for (let i = 1; i < positions.length; i++) assert.ok(positions[i - 1] < positions[i], `${names[i - 1]} must come before ${names[i]}`);
}

test('runc default spec on a v1 host: namespaces, rootfs, mounts, /dev, identity, exec in order', () => {
  const p = planCreate(spec(), ctx(), V1_HOST);
  assert.deepEqual(p.steps[0], { op: 'clone', namespaces: ['ipc', 'uts', 'network', 'pid', 'mount'] });
  assert.deepEqual(p.steps[1], { op: 'exec-fifo', path: '/run/berth/c1/exec.fifo' });
  assert.deepEqual(p.steps[2], { op: 'session-keyring', name: '_ses.c1' });
  assert.deepEqual(p.steps[3], { op: 'sethostname', name: 'berth' });
  assert.deepEqual(p.steps[4], { op: 'root-propagation', flags: MS.REC | MS.SLAVE });
  assert.deepEqual(p.steps[5], { op: 'bind-rootfs', path: '/bundles/c1/rootfs' });
  assert.deepEqual(p.steps[6], { op: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 0, data: '', create: 'dir' });
  assert.deepEqual(find(p, 'mount', (s) => s.target === '/dev'),
    { op: 'mount', source: 'tmpfs', target: '/dev', fstype: 'tmpfs', flags: MS.NOSUID | MS.STRICTATIME, data: 'mode=755,size=65536k', create: 'dir' });
  assert.deepEqual(find(p, 'mount', (s) => s.target === '/dev/pts')!.data, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  assert.equal(find(p, 'mount', (s) => s.target === '/sys')!.flags, MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
  assert.deepEqual(find(p, 'mknod', (s) => s.target === '/dev/null'), { op: 'mknod', target: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 });
  assert.equal(p.steps.filter((s) => s.op === 'mknod').length, 6);
  assert.deepEqual(find(p, 'symlink', (s) => s.target === '/dev/ptmx'), { op: 'symlink', linkTarget: 'pts/ptmx', target: '/dev/ptmx' });
  assert.ok(find(p, 'symlink', (s) => s.target === '/dev/core'), 'kcore host gets /dev/core');
  assert.ok(op(p, 'mknod') < idx(p, (s) => s.op === 'symlink' && s.target === '/dev/fd'));
  assertOrder(p, ['clone', 'exec-fifo', 'root-propagation', 'bind-rootfs', 'mount', 'mknod', 'pivot-root', 'setsid',
    'readonly', 'mask', 'rlimit', 'no-new-privs', 'umask', 'chdir', 'close-fds', 'caps-bounding', 'keep-caps',
    'setgroups', 'setresgid', 'setresuid', 'caps', 'caps-ambient', 'find-exec', 'report', 'wait-start', 'exec']);
  // root.readonly: the remount of / comes after the pivot.
  assert.ok(idx(p, (s) => s.op === 'remount' && s.target === '/') > op(p, 'pivot-root'));
  assert.deepEqual(find(p, 'remount', (s) => s.target === '/'), { op: 'remount', target: '/', flags: MS.RDONLY });
  assert.equal(p.steps.filter((s) => s.op === 'mask').length, 10);
  assert.deepEqual(find(p, 'rlimit'), { op: 'rlimit', resource: 7, soft: 1024n, hard: 1024n });
  const three = (1n << 5n) | (1n << 10n) | (1n << 29n); // KILL, NET_BIND_SERVICE, AUDIT_WRITE
  assert.deepEqual(find(p, 'caps-bounding'), { op: 'caps-bounding', mask: three });
  assert.deepEqual(find(p, 'caps'), { op: 'caps', effective: three, permitted: three, inheritable: 0n });
  // Ambient needs inheritable too; runc's default asks for ambient without it.
  assert.deepEqual(find(p, 'caps-ambient'), { op: 'caps-ambient', mask: 0n });
  assert.deepEqual(find(p, 'setgroups'), { op: 'setgroups', gids: [] });
  assert.deepEqual(find(p, 'close-fds'), { op: 'close-fds', keepBelow: 3 });
  assert.deepEqual(p.steps.at(-1), { op: 'exec', path: 'sh', args: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm', 'HOME=/root'] });
  assert.ok(!ops(p).includes('sync'), 'no runtime hooks: no sync round trip');
  assert.ok(!ops(p).includes('become-root'));
  assert.deepEqual(p.uidMappings, []);
  assert.equal(p.setgroups, undefined);
  assert.equal(p.cgroup, null);
  // Every step encodes for the helper.
  assert.ok(encodeSteps(p.steps).length > 0);
});

test('v1 cgroup mount without cgroupns: tmpfs, binds of the container cgroup dirs, read-only, comount symlinks', () => {
  const cgroup = { version: 1 as const, dirs: ['/sys/fs/cgroup/memory/berth/c1', '/sys/fs/cgroup/cpu,cpuacct/berth/c1'], writes: [], procs: [] };
  const p = planCreate(spec(), ctx({ cgroup }), V1_HOST);
  const start = idx(p, (s) => s.op === 'mount' && s.target === '/sys/fs/cgroup');
  assert.deepEqual(p.steps[start], { op: 'mount', source: 'tmpfs', target: '/sys/fs/cgroup', fstype: 'tmpfs', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: 'mode=755', create: 'dir' });
  assert.deepEqual(find(p, 'mount', (s) => s.target === '/sys/fs/cgroup/memory'),
    { op: 'mount', source: '/sys/fs/cgroup/memory/berth/c1', target: '/sys/fs/cgroup/memory', fstype: '', flags: MS.BIND | MS.REC, data: '', create: 'dir' });
  // Without a dir in the plan, the hierarchy's own cgroup (which the init inherits) is bound.
  assert.equal(find(p, 'mount', (s) => s.target === '/sys/fs/cgroup/pids')!.source, '/sys/fs/cgroup/pids/user.slice/user-1000.slice');
  assert.equal(find(p, 'mount', (s) => s.target === '/sys/fs/cgroup/systemd')!.source, '/sys/fs/cgroup/systemd/user.slice/session-1.scope');
  assert.deepEqual(find(p, 'remount', (s) => s.target === '/sys/fs/cgroup/memory'),
    { op: 'remount', target: '/sys/fs/cgroup/memory', flags: MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME });
  assert.ok(find(p, 'symlink', (s) => s.target === '/sys/fs/cgroup/cpu' && s.linkTarget === 'cpu,cpuacct'));
  assert.ok(find(p, 'symlink', (s) => s.target === '/sys/fs/cgroup/cpuacct' && s.linkTarget === 'cpu,cpuacct'));
  assert.ok(!find(p, 'mount', (s) => s.target.includes('unified')), 'hybrid cgroup2 left alone');
  assert.deepEqual(find(p, 'remount', (s) => s.target === '/sys/fs/cgroup'), { op: 'remount', target: '/sys/fs/cgroup', flags: MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC });
  assert.equal(p.cgroup, cgroup);
});

test('cgroup namespace: unshared right after go; v1 mounts cgroupfs per hierarchy, v2 mounts cgroup2', () => {
  const s = spec((x) => x.linux!.namespaces!.push({ type: 'cgroup' }));
  const p1 = planCreate(s, ctx(), V1_HOST);
  assert.ok(!(p1.steps[0] as { namespaces: string[] }).namespaces.includes('cgroup'), 'cgroup ns not in clone');
  assert.deepEqual(p1.steps[1], { op: 'unshare', namespaces: ['cgroup'] });
  assert.deepEqual(find(p1, 'mount', (m) => m.target === '/sys/fs/cgroup/cpu,cpuacct'),
    { op: 'mount', source: 'cgroup', target: '/sys/fs/cgroup/cpu,cpuacct', fstype: 'cgroup', flags: MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME, data: 'cpu,cpuacct', create: 'dir' });
  assert.equal(find(p1, 'mount', (m) => m.target === '/sys/fs/cgroup/systemd')!.data, 'none,name=systemd');
  const p2 = planCreate(s, ctx(), V2_HOST);
  assert.deepEqual(find(p2, 'mount', (m) => m.target === '/sys/fs/cgroup'),
    { op: 'mount', source: 'cgroup', target: '/sys/fs/cgroup', fstype: 'cgroup2', flags: MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME, data: '', create: 'dir' });
  assert.equal(p2.steps.filter((m) => m.op === 'mount' && m.target.startsWith('/sys/fs/cgroup')).length, 1);
});

test('rootless spec on a v2 host: maps, setgroups deny, become-root, device binds, /sys rbind', () => {
  const s = spec(() => {}, true);
  const p = planCreate(s, ctx({ lookupHome: () => undefined }), ROOTLESS_V2_HOST);
  assert.deepEqual(p.steps[0], { op: 'clone', namespaces: ['user', 'ipc', 'uts', 'pid', 'mount'] });
  // The fifo is opened with the runtime's own uid, before the switch to the mapped root.
  assert.deepEqual(p.steps[1], { op: 'exec-fifo', path: '/run/berth/c1/exec.fifo' });
  assert.deepEqual(p.steps[2], { op: 'become-root' });
  assert.deepEqual(p.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assert.deepEqual(p.gidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assert.equal(p.setgroups, 'deny');
  assert.ok(!ops(p).includes('setgroups'), 'setgroups is denied: no setgroups step');
  assert.ok(!ops(p).includes('mknod'));
  assert.deepEqual(find(p, 'bind-dev', (d) => d.target === '/dev/tty'), { op: 'bind-dev', source: '/dev/tty', target: '/dev/tty' });
  assert.equal(p.steps.filter((d) => d.op === 'bind-dev').length, 6);
  assert.deepEqual(find(p, 'mount', (m) => m.target === '/sys'), { op: 'mount', source: '/sys', target: '/sys', fstype: '', flags: MS.BIND | MS.REC, data: '', create: 'dir' });
  assert.deepEqual(find(p, 'remount', (m) => m.target === '/sys'), { op: 'remount', target: '/sys', flags: MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC });
  assert.equal(find(p, 'exec')!.env.at(-1), 'HOME=/');
});

test('rootless refusals: no user ns, foreign ids, supplementary groups', () => {
  const s = spec((x) => {
    x.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    x.process!.user.additionalGids = [10];
  }, true);
  assert.deepEqual(planErrors(s, ctx(), ROOTLESS_V2_HOST), [
    'linux.uidMappings: without root only the caller\'s own uid can be mapped (one entry, hostID 1000, size 1)',
    'process.user.additionalGids[0]: 10 is not mapped by linux.gidMappings',
    'process.user.additionalGids: supplementary groups cannot be set when setgroups is denied (rootless user namespace)',
  ]);
  assert.deepEqual(planErrors(spec(), ctx(), ROOTLESS_V2_HOST), ['linux.namespaces: a rootless container (uid 1000) needs a new user namespace']);
});

test('joined namespaces by path: setns in stage 0, user first, not cloned, no become-root', () => {
  const s = spec((x) => {
    x.linux!.namespaces = [
      { type: 'network', path: '/var/run/netns/n1' }, { type: 'ipc', path: '/proc/42/ns/ipc' },
      { type: 'user', path: '/proc/42/ns/user' }, { type: 'pid' }, { type: 'uts' }, { type: 'mount' },
    ];
    delete x.linux!.uidMappings;
  });
  const p = planCreate(s, ctx(), V1_HOST);
  assert.deepEqual(p.steps.slice(0, 4), [
    { op: 'setns', path: '/proc/42/ns/user', ns: 'user' },
    { op: 'setns', path: '/proc/42/ns/ipc', ns: 'ipc' },
    { op: 'setns', path: '/var/run/netns/n1', ns: 'network' },
    { op: 'clone', namespaces: ['uts', 'pid', 'mount'] },
  ]);
  assert.ok(!ops(p).includes('become-root'));
  assert.deepEqual(p.uidMappings, []);
  assert.equal(p.setgroups, undefined);
  // A joined user namespace refuses mknod: devices are bound.
  assert.ok(ops(p).includes('bind-dev') && !ops(p).includes('mknod'));
});

test('bind mounts: ro/nosuid via remount, propagation step, file targets, relative sources, missing source', () => {
  const s = spec((x) => {
    x.mounts!.push(
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro', 'nosuid', 'rslave'] },
      { destination: '/etc/app.conf', source: 'files/app.conf', options: ['bind'] },
      { destination: '/mnt/../opt/x', type: 'none', source: '/srv/x', options: ['bind', 'private', 'shared'] },
    );
  });
  const p = planCreate(s, ctx(), V1_HOST);
  const i = idx(p, (m) => m.op === 'mount' && m.target === '/data');
  assert.deepEqual(p.steps.slice(i, i + 3), [
    { op: 'mount', source: '/srv/data', target: '/data', fstype: '', flags: MS.BIND | MS.REC, data: '', create: 'dir' },
    { op: 'remount', target: '/data', flags: MS.RDONLY | MS.NOSUID },
    { op: 'propagate', target: '/data', flags: MS.SLAVE | MS.REC },
  ]);
  const j = idx(p, (m) => m.op === 'mount' && m.target === '/etc/app.conf');
  assert.deepEqual(p.steps[j], { op: 'mount', source: '/bundles/c1/files/app.conf', target: '/etc/app.conf', fstype: '', flags: MS.BIND, data: '', create: 'file' });
  assert.notEqual(p.steps[j + 1].op, 'remount', 'plain bind: no remount');
  const k = idx(p, (m) => m.op === 'mount' && m.target === '/opt/x');
  assert.deepEqual(p.steps.slice(k + 1, k + 3), [
    { op: 'propagate', target: '/opt/x', flags: MS.PRIVATE },
    { op: 'propagate', target: '/opt/x', flags: MS.SHARED },
  ]);
  // A /dev bound from the host already has its nodes: no mknod, no symlinks.
  const devBind = planCreate(spec((x) => { x.mounts!.splice(1, 1, { destination: '/dev', source: '/dev', options: ['rbind'] }); }), ctx(), V1_HOST);
  assert.ok(!ops(devBind).includes('mknod'));
  assert.ok(!devBind.steps.some((x) => x.op === 'symlink' && x.target.startsWith('/dev/')));

  const bad = spec((x) => {
    x.mounts!.push(
      { destination: '/gone', source: '/srv/missing', options: ['bind'] },
      { destination: '/idm', source: '/srv/a', options: ['bind', 'idmap'] },
      { destination: '/rro', source: '/srv/a', options: ['rbind', 'rro'] },
      { destination: '/proc/self/x', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/nosrc', options: ['bind'] },
    );
  });
  assert.deepEqual(planErrors(bad), [
    'mounts[7].source: bind source /srv/missing does not exist',
    'mounts[8].options: option "idmap": id-mapped mounts are not supported',
    'mounts[9].options: option "rro": recursive mount attributes are not supported',
    'mounts[10].destination: /proc/self/x cannot be mounted because it is inside /proc',
    'mounts[11].source: a bind mount needs a source',
  ]);
});

test('mount options: every flag option and the data string', () => {
  const s = spec((x) => {
    x.mounts!.push({
      destination: '/t', type: 'tmpfs', source: 'tmpfs',
      options: ['ro', 'nosuid', 'nodev', 'noexec', 'sync', 'dirsync', 'mand', 'noatime', 'nodiratime', 'relatime', 'strictatime', 'size=1m', 'uid=5', 'rw', 'exec'],
    }, { destination: '/r', type: 'tmpfs', source: 'tmpfs', options: ['remount', 'ro'] });
  });
  const p = planCreate(s, ctx(), V1_HOST);
  assert.deepEqual(find(p, 'mount', (m) => m.target === '/t'), {
    op: 'mount', source: 'tmpfs', target: '/t', fstype: 'tmpfs',
    flags: MS.NOSUID | MS.NODEV | MS.SYNCHRONOUS | MS.DIRSYNC | MS.MANDLOCK | MS.NOATIME | MS.NODIRATIME | MS.RELATIME | MS.STRICTATIME,
    data: 'size=1m,uid=5', create: 'dir',
  });
  assert.equal(find(p, 'mount', (m) => m.target === '/r')!.flags, MS.REMOUNT | MS.RDONLY);
});

test('terminal: console-connect before the pivot, console-setup after it with the size; socket required', () => {
  const s = spec((x) => { x.process!.terminal = true; x.process!.consoleSize = { height: 40, width: 120 }; });
  const p = planCreate(s, ctx({ consoleSocket: '/tmp/console.sock' }), V1_HOST);
  assertOrder(p, ['clone', 'exec-fifo', 'console-connect', 'bind-rootfs', 'pivot-root', 'console-setup']);
  assert.ok(op(p, 'console-setup') < idx(p, (x) => x.op === 'remount' && x.target === '/'), 'console before the root goes read-only');
  assert.deepEqual(find(p, 'console-connect'), { op: 'console-connect', socket: '/tmp/console.sock' });
  assert.deepEqual(find(p, 'console-setup'), { op: 'console-setup', rows: 40, cols: 120 });
  assert.ok(!ops(p).includes('setsid'), 'console-setup does the setsid');
  assert.deepEqual(planErrors(s), ['process.terminal: a terminal needs --console-socket']);
  assert.deepEqual(planErrors(spec(), ctx({ consoleSocket: '/tmp/c.sock' })), ['process.terminal: --console-socket given but process.terminal is false']);
});

test('hooks: sync for prestart/createRuntime, createContainer before pivot, startContainer after wait-start', () => {
  const s = spec((x) => {
    x.hooks = {
      prestart: [{ path: '/usr/bin/pre' }],
      createRuntime: [{ path: '/usr/bin/cr', args: ['cr', '--x'], env: ['A=1'], timeout: 5 }],
      createContainer: [{ path: '/usr/bin/cc', args: ['cc', 'one'] }],
      startContainer: [{ path: '/bin/sc', timeout: 3 }],
      poststart: [{ path: '/usr/bin/ps' }],
      poststop: [{ path: '/usr/bin/pst' }],
    };
  });
  const p = planCreate(s, ctx(), V1_HOST);
  assertOrder(p, ['mknod', 'sync', 'hook', 'pivot-root', 'wait-start']);
  assert.deepEqual(find(p, 'sync'), { op: 'sync', name: 'hooks' });
  const hooks = p.steps.filter((h) => h.op === 'hook');
  assert.deepEqual(hooks, [
    { op: 'hook', path: '/usr/bin/cc', args: ['cc', 'one'], env: [], timeout: 0 },
    { op: 'hook', path: '/bin/sc', args: ['/bin/sc'], env: [], timeout: 3 },
  ]);
  assert.ok(idx(p, (h) => h.op === 'hook' && h.path === '/bin/sc') > op(p, 'wait-start'));
  assert.ok(idx(p, (h) => h.op === 'hook' && h.path === '/bin/sc') < op(p, 'exec'));
  assert.deepEqual(p.hooks.prestart, [{ path: '/usr/bin/pre', args: ['/usr/bin/pre'], env: [], timeout: 0 }]);
  assert.deepEqual(p.hooks.createRuntime, [{ path: '/usr/bin/cr', args: ['cr', '--x'], env: ['A=1'], timeout: 5 }]);
  assert.equal(p.hooks.poststart[0].path, '/usr/bin/ps');
  assert.equal(p.hooks.poststop[0].path, '/usr/bin/pst');
});

test('user with additionalGids: groups, gid, uid in order, inside the capability dance', () => {
  const s = spec((x) => {
    x.process!.user = { uid: 1000, gid: 1000, additionalGids: [10, 20], umask: 0o077 };
    x.process!.capabilities!.inheritable = ['CAP_KILL'];
    x.process!.capabilities!.ambient = ['CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    x.process!.cwd = '/home/u';
  });
  const p = planCreate(s, ctx(), V1_HOST);
  const i = op(p, 'caps-bounding');
  assert.deepEqual(p.steps.slice(i + 1, i + 7).map((x) => x.op), ['keep-caps', 'setgroups', 'setresgid', 'setresuid', 'caps', 'caps-ambient']);
  assert.deepEqual(find(p, 'setgroups'), { op: 'setgroups', gids: [10, 20] });
  assert.deepEqual(find(p, 'setresgid'), { op: 'setresgid', gid: 1000 });
  assert.deepEqual(find(p, 'setresuid'), { op: 'setresuid', uid: 1000 });
  assert.deepEqual(find(p, 'caps-ambient'), { op: 'caps-ambient', mask: 1n << 5n });
  assert.deepEqual(find(p, 'umask'), { op: 'umask', mask: 0o077 });
  assert.ok(op(p, 'chdir') < op(p, 'setresuid'), 'chdir while still privileged');
  assert.equal(find(p, 'exec')!.env.at(-1), 'HOME=/', 'uid 1000 has no passwd entry in the fixture');
  // No capabilities section: ids change, capabilities are left to the kernel (as runc).
  const bare = planCreate(spec((x) => { delete x.process!.capabilities; }), ctx(), V1_HOST);
  assert.ok(!ops(bare).some((o) => o.startsWith('caps') || o === 'keep-caps'));
  assert.ok(ops(bare).includes('setresuid'));
});

test('time offsets: unshare-time and offsets in stage 0, time not in clone', () => {
  const s = spec((x) => {
    x.linux!.namespaces!.push({ type: 'time' });
    x.linux!.timeOffsets = { monotonic: { secs: 86400, nanosecs: 5 }, boottime: { secs: -10 } };
  });
  const p = planCreate(s, ctx(), V1_HOST);
  assert.deepEqual(p.steps.slice(0, 4), [
    { op: 'unshare-time' },
    { op: 'timens-offset', clock: 'monotonic', secs: 86400n, nanosecs: 5n },
    { op: 'timens-offset', clock: 'boottime', secs: -10n, nanosecs: 0n },
    { op: 'clone', namespaces: ['ipc', 'uts', 'network', 'pid', 'mount'] },
  ]);
  const noNs = spec((x) => { x.linux!.timeOffsets = { monotonic: { secs: 1 } }; });
  assert.deepEqual(planErrors(noNs), ['linux.timeOffsets: time offsets need a new time namespace in linux.namespaces']);
});

test('seccomp: before the capability drop without no_new_privs, last before exec with it', () => {
  const filter = { flags: 0, filter: Buffer.alloc(16) };
  const nnp = planCreate(spec((x) => { x.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' }; }), ctx({ seccompFilter: filter }), V1_HOST);
  assert.equal(nnp.steps.at(-2)!.op, 'seccomp');
  assert.ok(op(nnp, 'seccomp') > op(nnp, 'wait-start'));
  const priv = planCreate(spec((x) => { x.process!.noNewPrivileges = false; x.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' }; }), ctx({ seccompFilter: filter }), V1_HOST);
  assert.ok(!ops(priv).includes('no-new-privs'));
  assert.ok(op(priv, 'seccomp') < op(priv, 'caps-bounding'));
  assert.equal(find(priv, 'seccomp')!.filter, filter.filter);
  assert.deepEqual(planErrors(spec((x) => { x.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' }; })), ['linux.seccomp: no compiled filter was supplied']);
});

test('process attributes: oom score, personality, ioprio, rlimit infinity, sysctl before readonly /proc/sys', () => {
  const s = spec((x) => {
    x.process!.oomScoreAdj = 100;
    x.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 7 };
    x.process!.rlimits!.push({ type: 'RLIMIT_CORE', soft: 0, hard: 18446744073709551615n });
    x.linux!.personality = { domain: 'LINUX32' };
    x.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1000', 'kernel.domainname': 'x' };
  });
  const p = planCreate(s, ctx({ preserveFds: 2 }), V1_HOST);
  assert.deepEqual(find(p, 'oom-score-adj'), { op: 'oom-score-adj', value: 100 });
  assert.deepEqual(find(p, 'ioprio'), { op: 'ioprio', klass: 3, level: 7 });
  assert.deepEqual(find(p, 'personality'), { op: 'personality', domain: 8 });
  assert.deepEqual(find(p, 'rlimit', (r) => r.resource === 4), { op: 'rlimit', resource: 4, soft: 0n, hard: 18446744073709551615n });
  assert.deepEqual(find(p, 'close-fds'), { op: 'close-fds', keepBelow: 5 });
  assert.equal(p.preserveFds, 2);
  assert.deepEqual(p.steps.filter((x) => x.op === 'sysctl').map((x) => (x as { key: string }).key), ['net.ipv4.ip_forward', 'kernel.shmmax', 'kernel.domainname']);
  assert.ok(idx(p, (x) => x.op === 'sysctl') < idx(p, (x) => x.op === 'readonly' && x.target === '/proc/sys'));
});

test('refusals are collected: hostname without uts, sysctls outside namespaces, LSMs, RDT, bad scheduler', () => {
  const s = spec((x) => {
    x.linux!.namespaces = x.linux!.namespaces!.filter((n) => !['uts', 'network', 'ipc'].includes(n.type));
    x.linux!.sysctl = { 'net.core.somaxconn': '1', 'kernel.msgmax': '1', 'vm.swappiness': '1', 'kernel/../../x': '1' };
    x.process!.apparmorProfile = 'docker-default';
    x.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    x.process!.scheduler = { policy: 'SCHED_FIFO', priority: 0 };
    x.linux!.intelRdt = { closID: 'x' };
  });
  assert.deepEqual(planErrors(s), [
    'hostname: cannot set the hostname without a UTS namespace',
    'linux.sysctl["net.core.somaxconn"]: is not allowed in the host\'s network namespace (add a network namespace)',
    'linux.sysctl["kernel.msgmax"]: is not allowed in the host\'s IPC namespace (add an ipc namespace)',
    'linux.sysctl["vm.swappiness"]: is not in a separate kernel namespace',
    'linux.sysctl["kernel/../../x"]: must be dot-separated names (no "/", no empty parts)',
    'process.apparmorProfile: AppArmor is not enabled on this host',
    'process.selinuxLabel: SELinux is not enabled on this host',
    'linux.intelRdt: Intel RDT is not supported by berth-runtime',
    'process.scheduler.priority: SCHED_FIFO needs a priority from 1 to 99 (got 0)',
  ]);
  const userNoMaps = spec((x) => { x.linux!.namespaces!.push({ type: 'user' }); });
  assert.deepEqual(planErrors(userNoMaps), ['linux.uidMappings: required with a new user namespace', 'linux.gidMappings: required with a new user namespace']);
  const noTimeNs = spec((x) => { x.linux!.namespaces!.push({ type: 'time' }); });
  assert.deepEqual(planErrors(noTimeNs, ctx(), { ...V1_HOST, namespaces: V1_HOST.namespaces.filter((n) => n !== 'time') }), ['linux.namespaces[5].type: the kernel has no time namespace']);
});

test('noPivot uses chroot-move; rootfsPropagation applies before and after the pivot', () => {
  const p = planCreate(spec((x) => { x.linux!.rootfsPropagation = 'rshared'; }), ctx({ noPivot: true }), V1_HOST);
  assert.ok(ops(p).includes('chroot-move') && !ops(p).includes('pivot-root'));
  assert.deepEqual(find(p, 'root-propagation'), { op: 'root-propagation', flags: MS.SHARED | MS.REC });
  assert.deepEqual(p.steps[op(p, 'chroot-move') + 1], { op: 'propagate', target: '/', flags: MS.SHARED | MS.REC });
});

test('the plan is deterministic and renders one numbered line per step', () => {
  const s = spec((x) => { x.hooks = { prestart: [{ path: '/bin/true' }] }; });
  const a = planCreate(s, ctx(), V1_HOST);
  const b = planCreate(structuredClone(s), ctx(), V1_HOST);
  assert.deepEqual(a, b);
  const text = renderPlan(a);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'plan for c1 (bundle /bundles/c1)');
  assert.match(lines[1], /^\s+0 clone ipc uts network pid mount$/);
  assert.ok(lines.some((l) => /^\s*\d+ caps-bounding KILL,NET_BIND_SERVICE,AUDIT_WRITE$/.test(l)));
  assert.ok(lines.some((l) => /^\s*\d+ mount tmpfs on \/dev type tmpfs flags NOSUID\|STRICTATIME data mode=755,size=65536k create dir$/.test(l)));
  assert.ok(lines.includes('prestart hooks: /bin/true'));
  assert.equal(lines.filter((l) => /^\s+\d+ /.test(l)).length, a.steps.length);
});

test('without a mount namespace nothing is mounted and the process is chroot\'ed into the rootfs', () => {
  const p = planCreate(spec((x) => { x.linux!.namespaces = x.linux!.namespaces!.filter((n) => n.type !== 'mount'); }), ctx(), V1_HOST);
  const names = ops(p);
  for (const o of ['root-propagation', 'bind-rootfs', 'mount', 'mknod', 'pivot-root', 'mask', 'readonly', 'remount'] as const) {
    assert.ok(!names.includes(o), `${o} planned in the runtime's mount namespace`);
  }
  assert.deepEqual(find(p, 'chroot'), { op: 'chroot', path: ctx().rootfs });
  assert.ok(!find(p, 'clone')!.namespaces.includes('mount'));
  assertOrder(p, ['clone', 'exec-fifo', 'chroot', 'setsid', 'exec']);
});

test('a joined mount namespace is used as it is; host files are opened in stage 0 before the joins', () => {
  const p = planCreate(spec((x) => {
    x.process!.terminal = true;
    x.linux!.namespaces = x.linux!.namespaces!.map((n) => (n.type === 'mount' ? { type: 'mount', path: '/proc/42/ns/mnt' } : n));
  }), ctx({ consoleSocket: '/run/console.sock' }), V1_HOST);
  const names = ops(p);
  for (const o of ['root-propagation', 'bind-rootfs', 'mount', 'pivot-root', 'chroot', 'mask', 'exec-fifo', 'console-connect', 'console-setup'] as const) {
    assert.ok(!names.includes(o), `${o} planned in a joined mount namespace`);
  }
  assertOrder(p, ['exec-fifo-early', 'console-dial', 'setns', 'clone', 'console-pty', 'exec']);
  assert.ok(!names.includes('find-exec'), 'no create-time program check in a shared namespace');
  assert.deepEqual(find(p, 'setns'), { op: 'setns', path: '/proc/42/ns/mnt', ns: 'mount' });
});

test('process.scheduler becomes a scheduler step (sched_setattr numbers); deadline needs its times', () => {
  const p = planCreate(spec((x) => { x.process!.scheduler = { policy: 'SCHED_RR', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] }; }), ctx(), V1_HOST);
  assert.deepEqual(find(p, 'scheduler'), { op: 'scheduler', policy: 2, flags: 1n, nice: 0, priority: 10, runtime: 0n, deadline: 0n, period: 0n });
  assertOrder(p, ['scheduler', 'setresuid', 'exec']);
  const b = planCreate(spec((x) => { x.process!.scheduler = { policy: 'SCHED_BATCH', nice: -5 }; }), ctx(), V1_HOST);
  assert.deepEqual(encodeSteps([find(b, 'scheduler')!]).includes(Buffer.from('-5')), true);
  assert.deepEqual(planErrors(spec((x) => { x.process!.scheduler = { policy: 'SCHED_DEADLINE' }; })), ['process.scheduler: SCHED_DEADLINE needs runtime and deadline']);
  assert.deepEqual(planErrors(spec((x) => { x.process!.scheduler = { policy: 'SCHED_ISO' }; })), ['process.scheduler.policy: SCHED_ISO does not exist in Linux']);
});
