// What a process sees inside a container made from the default spec plus a few settings: pid 1,
// hostname, mounts, masked and read-only paths, user and groups, capabilities, rlimits, cgroup
// limits read back from the host, hooks in order, the console socket and --preserve-fds.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capMask } from '../../../src/oci/index.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, cgroupDirs, cli, cliAsync, forceDelete, leftovers, makeBundle, RECVTTY, stateOf } from './support.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

function setup(t: { after(fn: () => void): void }, id: string, args: string[], edit?: Parameters<typeof makeBundle>[3]) {
  const dir = makeTemp('berth-rt-');
  const root = join(dir, 'state');
  const made = makeBundle(join(dir, 'bundle'), id, args, edit);
  defer(t, () => { forceDelete(root, id); removeTemp(dir); });
  return { dir, root, ...made };
}

/** Splits `=== name` sections of a probe script's output. */
function sections(out: string): Record<string, string> {
  const res: Record<string, string> = {};
  let cur = '';
  for (const line of out.split('\n')) {
    const m = /^=== (\S+)$/.exec(line);
    if (m) { cur = m[1]; res[cur] = ''; } else if (cur) res[cur] += `${line}\n`;
  }
  return res;
}

const PROBE = [
  'echo "=== pid"; echo $$',
  'echo "=== hostname"; hostname',
  'echo "=== mountinfo"; cat /proc/self/mountinfo',
  'echo "=== timer_list"; wc -c < /proc/timer_list',
  'echo "=== firmware"; ls -A /sys/firmware | wc -l; touch /sys/firmware/x 2>/dev/null; echo "rc=$?"',
  'echo "=== procsys"; echo x 2>/dev/null > /proc/sys/kernel/domainname; echo "rc=$?"',
  'echo "=== id"; id',
  'echo "=== status"; grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status',
  'echo "=== nofile"; ulimit -n',
  'echo "=== cwd"; pwd',
  'echo "=== env"; echo "$FOO"',
  'echo "=== rootfs"; touch /rootfs-write 2>&1; echo "rc=$?"',
  'echo "=== devnull"; ls -l /dev/null',
].join('; ');

test('inside the container: namespaces, mounts, masks, user, caps, rlimits', { skip }, (t) => {
  const id = `inside-${process.pid}`;
  const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  const { root, bundle, spec } = setup(t, id, ['sh', '-c', PROBE], (s) => {
    s.hostname = 'berth-box';
    s.process!.user = { uid: 1000, gid: 1000, additionalGids: [10, 20] };
    s.process!.cwd = '/tmp';
    s.process!.env = [...(s.process!.env ?? []), 'FOO=bar baz'];
    // A non-root user keeps capabilities across exec only through the ambient set.
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
    s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
    s.root!.readonly = true;
  });
  const r = cli(root, ['run', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  const s = sections(r.stdout);
  assert.equal(s.pid, '1\n');
  assert.equal(s.hostname, 'berth-box\n');
  const mounts = s.mountinfo.trim().split('\n').map((l) => {
    const f = l.split(' ');
    return { target: f[4], opts: f[5], fstype: f[f.indexOf('-') + 1] };
  });
  const at = (p: string) => mounts.filter((m) => m.target === p).at(-1);
  assert.equal(at('/')?.opts.split(',')[0], 'ro', 'root.readonly');
  assert.equal(at('/proc')?.fstype, 'proc');
  assert.equal(at('/dev')?.fstype, 'tmpfs');
  assert.equal(at('/dev/pts')?.fstype, 'devpts');
  assert.equal(at('/dev/shm')?.fstype, 'tmpfs');
  assert.equal(at('/dev/mqueue')?.fstype, 'mqueue');
  assert.equal(at('/sys')?.fstype, 'sysfs');
  // The host's mounts are not visible.
  assert.ok(!mounts.some((m) => m.target.startsWith(bundle)), 'no host paths in the container');
  // Masked: the file /proc/timer_list reads empty (/dev/null over it), the directory
  // /sys/firmware is an empty read-only tmpfs (this host has no /proc/kcore); readonly: /proc/sys.
  assert.ok(spec.linux!.maskedPaths!.includes('/proc/timer_list'));
  assert.ok(spec.linux!.maskedPaths!.includes('/sys/firmware'));
  assert.equal(s.timer_list.trim(), '0');
  assert.equal(s.firmware, '0\nrc=1\n');
  assert.ok(at('/proc/timer_list'), 'timer_list has a mount over it');
  assert.equal(at('/sys/firmware')?.fstype, 'tmpfs');
  assert.equal(at('/proc/sys')?.opts.split(',')[0], 'ro');
  assert.equal(s.procsys, 'rc=1\n');
  assert.match(s.id, /^uid=1000 gid=1000 groups=10\(?.*20/);
  const st = Object.fromEntries(s.status.trim().split('\n').map((l) => l.split(/:\s+/)));
  const want = capMask(caps, 63).toString(16).padStart(16, '0');
  assert.equal(st.CapEff, want);
  assert.equal(st.CapBnd, want);
  assert.equal(st.CapPrm, want);
  assert.equal(st.CapAmb, want);
  assert.equal(st.NoNewPrivs, '1');
  assert.equal(s.nofile, '321\n');
  assert.equal(s.cwd, '/tmp\n');
  assert.equal(s.env, 'bar baz\n');
  assert.match(s.rootfs, /Read-only file system[\s\S]*rc=1/);
  assert.match(s.devnull, /^crw-rw-rw-\s+1 .* 1,\s+3 /);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('cgroup limits are applied and read back from the host; removed on delete', { skip }, (t) => {
  const id = `limits-${process.pid}`;
  const { root, bundle } = setup(t, id, ['sleep', '1000'], (s) => {
    s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 42 } };
  });
  assert.equal(cli(root, ['create', '-b', bundle, id]).code, 0);
  const dirs = cgroupDirs(id);
  const mem = dirs.find((d) => d.includes('/memory/'))!;
  const pids = dirs.find((d) => d.includes('/pids/'))!;
  assert.equal(readFileSync(join(mem, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024));
  assert.equal(readFileSync(join(pids, 'pids.max'), 'utf8').trim(), '42');
  const pid = stateOf(root, id).pid;
  assert.ok(readFileSync(join(pids, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)));
  assert.equal(cli(root, ['delete', '-f', id]).code, 0);
  assert.deepEqual(cgroupDirs(id), []);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('hooks run in order: prestart, createRuntime, createContainer, startContainer, poststart, poststop', { skip }, (t) => {
  const id = `hooks-${process.pid}`;
  const dir = makeTemp('berth-hooks-');
  t.after(() => removeTemp(dir));
  const log = join(dir, 'hooks.log');
  writeFileSync(log, '');
  // prestart, createRuntime, poststart and poststop run on the host; createContainer runs in the
  // container's mount namespace before the pivot (host paths still visible); startContainer runs
  // inside the container after the pivot, so it uses the rootfs's sh and a bind of the log's dir.
  const hook = (name: string, path: string, file: string) => ({ path, args: ['sh', '-c', `read -r state; echo "${name} $state" >> ${file}`] });
  const { root, bundle } = setup(t, id, ['sleep', '1000'], (s) => {
    s.mounts!.push({ destination: '/hooklog', type: 'bind', source: dir, options: ['rbind'] });
    s.hooks = {
      prestart: [hook('prestart', '/bin/sh', log)],
      createRuntime: [hook('createRuntime', '/bin/sh', log)],
      createContainer: [hook('createContainer', '/bin/sh', log)],
      startContainer: [hook('startContainer', '/bin/sh', '/hooklog/hooks.log')],
      poststart: [hook('poststart', '/bin/sh', log)],
      poststop: [hook('poststop', '/bin/sh', log)],
    };
  });
  assert.equal(cli(root, ['create', '-b', bundle, id]).code, 0);
  assert.equal(cli(root, ['start', id]).code, 0);
  for (let i = 0; i < 200 && !readFileSync(log, 'utf8').includes('poststart'); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  assert.equal(cli(root, ['delete', '-f', id]).code, 0);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
  const poststart = JSON.parse(lines[4].slice('poststart '.length)) as Record<string, unknown>;
  assert.equal(poststart.id, id);
  assert.equal(poststart.status, 'running');
  assert.equal(poststart.bundle, bundle);
  assert.equal(typeof poststart.pid, 'number');
  assert.equal((JSON.parse(lines[5].slice('poststop '.length)) as Record<string, unknown>).status, 'stopped');
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('a failing prestart hook fails create and undoes it', { skip }, (t) => {
  const id = `hookfail-${process.pid}`;
  const { root, bundle } = setup(t, id, ['true'], (s) => {
    s.hooks = { prestart: [{ path: '/bin/sh', args: ['sh', '-c', 'echo nope >&2; exit 5'] }] };
  });
  const r = cli(root, ['create', '-b', bundle, id]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /prestart hook \/bin\/sh: exit status 5, stderr: nope/);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('terminal through --console-socket (berth-recvtty)', { skip }, async (t) => {
  const id = `tty-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['sh', '-c', 'tty; echo hello-from-pty'], (s) => {
    s.process!.terminal = true;
  });
  const sock = join(dir, 'console.sock');
  const recv = spawn(RECVTTY, [sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnEnd(t, recv);
  let out = '';
  recv.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const recvDone = new Promise((r) => recv.on('close', r));
  for (const end = Date.now() + 60_000; !existsSync(sock) && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
  const r = await cliAsync(root, ['run', '-d', '--console-socket', sock, '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  // The pty's output, however slow the container is (the timer must not outlive the test).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([recvDone, new Promise((r) => { timer = setTimeout(r, 60_000); })]);
  clearTimeout(timer);
  assert.match(out, /\/dev\/pts\/\d+\r?\n/);
  assert.match(out, /hello-from-pty/);
  assert.equal(cli(root, ['delete', '-f', id]).code, 0);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('--preserve-fds hands extra fds to the container', { skip }, async (t) => {
  const id = `fds-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['sh', '-c', 'echo to-fd3 >&3; echo to-fd4 >&4; ls /proc/self/fd | sort -n | tr "\\n" " "']);
  const f3 = join(dir, 'fd3');
  const f4 = join(dir, 'fd4');
  const fd3 = openSync(f3, 'w');
  const fd4 = openSync(f4, 'w');
  try {
    const r = await cliAsync(root, ['run', '--preserve-fds', '2', '-b', bundle, id], [fd3, fd4]);
    assert.equal(r.code, 0, r.stderr);
    // 0-2, the two preserved fds, and ls's own directory fd: nothing else leaks in.
    assert.equal(r.stdout, '0 1 2 3 4 5 ');
  } finally {
    closeSync(fd3);
    closeSync(fd4);
  }
  assert.equal(readFileSync(f3, 'utf8'), 'to-fd3\n');
  assert.equal(readFileSync(f4, 'utf8'), 'to-fd4\n');
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('a new user namespace: the runtime writes the id maps before the init goes on', { skip }, (t) => {
  const id = `userns-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %U /bin/busybox'], (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  });
  // The mapped root (host uid 100000) must be able to reach the rootfs.
  chmodSync(dir, 0o755);
  const r = cli(root, ['run', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  assert.deepEqual(lines, ['0 100000 65536', '0 200000 65536', '0', 'nobody']);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('linux.seccomp is compiled, cached under the root, and enforced', { skip }, (t) => {
  const id = `seccomp-${process.pid}`;
  const { root, bundle } = setup(t, id, ['sh', '-c', 'mkdir /tmp/x 2>&1; echo "rc=$?"; grep Seccomp: /proc/self/status'], (s) => {
    s.root!.readonly = false;
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    };
  });
  for (let round = 0; round < 2; round++) {
    const r = cli(root, ['run', '-b', bundle, id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Permission denied\nrc=1\nSeccomp:\s+2\n$/);
    // The compiled filter is cached (the second round reads it back) and not listed as a container.
    assert.equal(readdirSync(join(root, '.seccomp-cache')).length, 1);
    assert.equal(cli(root, ['list', '-q']).stdout, '');
  }
  assert.deepEqual(leftovers(root, id, bundle), []);
});
