// podman (Debian's 4.3, with Debian's conmon) driving berth-runtime as its OCI runtime: the
// command lines, the pid file, the console socket, `state`, `kill`, `delete --force` as podman
// uses them. Every podman directory is under a temp dir so a user's podman state is never
// touched; the runtime's own state is under its default root (podman's cleanup process does not
// pass --runtime-flag on), and each container we made is removed from there at the end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { buildOciLayout } from '../../helpers/images.ts';
import { build, CLI, RUNTIME_PATH } from '../runtime/support.ts';
import {
  cgroupDirs, iptablesChains, killMentioning, memoryCgroupOf, pidsMentioning, removeCgroupTree, removeIptablesChains, run, runtimeHas, unmountUnder, which,
} from './support.ts';

const PODMAN = which('podman');
const SCRIPT = which('script');
const skip = !isRoot ? 'needs root' : !PODMAN ? 'podman is not installed' : !which('conmon') ? 'conmon is not installed' : false;

const RUNTIME_ROOT = '/run/berth-runtime';
// Root lacks CAP_SYS_RESOURCE here: podman's default nofile (1048576) is over the hard limit.
const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];
const IMAGE = 'localhost/berth-interop/busybox:latest';

describe('podman with berth-runtime', { skip }, () => {
  let tmp = '';
  const ids = new Set<string>();
  // Host directories podman makes on first use; removed at the end only if this test made them.
  const hostDirs = ['/run/containers', '/run/libpod', '/sys/fs/cgroup/memory/libpod_parent'];
  const preexisting = new Set<string>();
  let netavarkChainsBefore = true;

  const podmanArgs = (args: string[]) => [
    '--root', join(tmp, 'root'), '--runroot', join(tmp, 'runroot'), '--tmpdir', join(tmp, 'libpod'),
    '--network-config-dir', join(tmp, 'net'), '--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file', '--runtime', CLI, ...args,
  ];
  // podman gives conmon (and so the runtime) only the environment containers.conf names: on the
  // berthd path the runtime must find the test's berthd, and fail rather than fall back.
  const env = () => ({ ...process.env, TMPDIR: join(tmp, 'vartmp'), ...(RUNTIME_PATH === 'berthd' ? { CONTAINERS_CONF: join(tmp, 'containers.conf') } : {}) });
  const podman = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) => run(PODMAN!, podmanArgs(args), { ...opts, env: env() });
  const ok = async (args: string[]) => {
    const r = await podman(args);
    assert.equal(r.code, 0, `podman ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const inspect = async (name: string, format: string) => (await ok(['inspect', '--format', format, name])).trim();
  /** Starts a detached container and remembers its id for the cleanup. */
  const runDetached = async (args: string[]) => {
    const id = (await ok(['run', '-d', '--network', 'none', ...ULIMITS, ...args])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    ids.add(id);
    return id;
  };

  before(async () => {
    build();
    for (const d of hostDirs) if (existsSync(d)) preexisting.add(d);
    netavarkChainsBefore = iptablesChains('NETAVARK').length > 0;
    tmp = makeTemp('berth-interop-podman-');
    mkdirSync(join(tmp, 'vartmp'));
    if (RUNTIME_PATH === 'berthd') {
      const vars = ['PATH', 'BERTH_DAEMON_SOCKET', 'BERTH_DAEMON_REQUIRED'].map((k) => JSON.stringify(`${k}=${process.env[k] ?? ''}`));
      writeFileSync(join(tmp, 'containers.conf'), `[engine]\nconmon_env_vars = [${vars.join(', ')}]\n`);
    }
    // podman load names the image after the layout's org.opencontainers.image.ref.name.
    const layout = buildOciLayout(join(tmp, 'layout'), { tag: IMAGE });
    await run('tar', ['-C', layout.dir, '-cf', join(tmp, 'image.tar'), '.']);
    assert.match(await ok(['load', '-i', join(tmp, 'image.tar')]), new RegExp(`Loaded image: ${IMAGE}`));
  });

  after(async () => {
    if (!tmp) return;
    try {
      const r = await podman(['ps', '-a', '-q', '--no-trunc']);
      for (const id of r.stdout.split('\n').filter(Boolean)) ids.add(id);
      await podman(['rm', '-a', '-f', '-t', '0'], { timeoutMs: 30_000 });
      await podman(['network', 'rm', '-f', 'berthnet']);
      await podman(['rmi', '-a', '-f']);
    } finally {
      killMentioning(tmp);
      for (const id of ids) {
        if (existsSync(join(RUNTIME_ROOT, id))) await run(CLI, ['delete', '--force', id]);
        removeCgroupTree(`libpod_parent/libpod-${id}`);
      }
      if (!preexisting.has('/sys/fs/cgroup/memory/libpod_parent')) removeCgroupTree('libpod_parent');
      for (const d of ['/run/containers', '/run/libpod']) if (!preexisting.has(d)) rmSync(d, { recursive: true, force: true });
      if (!netavarkChainsBefore) removeIptablesChains('NETAVARK');
      unmountUnder(tmp);
      removeTemp(tmp);
    }
  });

  it('run --rm passes stdout, stderr and the exit code through', async () => {
    const r = await podman(['run', '--rm', '--network', 'none', ...ULIMITS, IMAGE, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err$/m);
  });

  it('run --rm with a missing executable exits 127', async () => {
    const r = await podman(['run', '--rm', '--network', 'none', ...ULIMITS, IMAGE, '/no/such/binary']);
    assert.equal(r.code, 127, r.stderr);
  });

  it('run -it: a terminal through the console socket, input in, exit code out', { skip: !SCRIPT && 'script (util-linux) is not installed' }, async () => {
    const cmd = [PODMAN!, ...podmanArgs(['run', '--rm', '-it', '--network', 'none', ...ULIMITS, IMAGE, 'sh', '-c', 'read x; echo got:$x; tty; exit 3'])]
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const r = await run(SCRIPT!, ['-eqc', cmd, '/dev/null'], { input: 'hello\n', env: env() });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /got:hello\r\n/);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r\n/);
  });

  it('run -d with --memory: running, limited in its cgroup, listed by ps', async () => {
    const id = await runDetached(['--name', 'mem', '--memory', '64m', IMAGE, 'sleep', '1000']);
    assert.equal(await inspect('mem', '{{.State.Status}}'), 'running');
    const pid = Number(await inspect('mem', '{{.State.Pid}}'));
    assert.ok(pid > 0);
    const memcg = memoryCgroupOf(pid);
    assert.ok(memcg?.includes(id), `memory cgroup ${memcg}`);
    assert.equal(readFileSync(join(memcg!, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 << 20));
    // The runtime's own view agrees with podman's.
    const st = JSON.parse((await run(CLI, ['state', id])).stdout) as { status: string; pid: number };
    assert.equal(st.status, 'running');
    assert.equal(st.pid, pid);
    const ps = await ok(['ps', '--format', '{{.Names}} {{.Status}}']);
    assert.match(ps, /^mem Up /m);
    await ok(['rm', '-f', '-t', '0', 'mem']);
  });

  it('exec into a running container', async (t) => {
    if (!(await runtimeHas(CLI, 'exec'))) return t.skip('berth-runtime has no exec yet');
    await runDetached(['--name', 'ex', IMAGE, 'sleep', '1000']);
    const r = await podman(['exec', 'ex', 'sh', '-c', 'echo in-container $$; exit 5']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /^in-container \d+$/m);
    await ok(['rm', '-f', '-t', '0', 'ex']);
  });

  it('stop: SIGTERM reaches a process that handles it', async () => {
    await runDetached(['--name', 'term', IMAGE, 'sh', '-c', 'trap "echo got TERM; exit 0" TERM; while true; do sleep 0.1; done']);
    const r = await podman(['stop', '-t', '10', 'term']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.ms < 8000, `stop took ${r.ms} ms: the TERM was not delivered`);
    assert.equal(await inspect('term', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0');
    assert.match(await ok(['logs', 'term']), /got TERM/);
  });

  it('stop -t 1: SIGKILL after the timeout when SIGTERM is ignored', async () => {
    // sleep as pid 1 of its namespace ignores SIGTERM (no handler).
    await runDetached(['--name', 'kill9', IMAGE, 'sleep', '1000']);
    const r = await podman(['stop', '-t', '1', 'kill9']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.ms >= 1000, `stop returned after ${r.ms} ms, before the timeout`);
    assert.equal(await inspect('kill9', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
  });

  it('kill sends the signal; start again after exit', async () => {
    await runDetached(['--name', 'k', IMAGE, 'sh', '-c', 'trap "exit 42" USR1; while true; do sleep 0.1; done']);
    await ok(['kill', '-s', 'USR1', 'k']);
    assert.equal((await ok(['wait', 'k'])).trim(), '42');
    await ok(['start', 'k']);
    assert.equal(await inspect('k', '{{.State.Status}}'), 'running');
    await ok(['kill', 'k']);
    assert.equal((await ok(['wait', 'k'])).trim(), '137');
  });

  it('rm removes the runtime state, the cgroups and the monitor', async () => {
    const id = await runDetached(['--name', 'gone', IMAGE, 'sleep', '1000']);
    assert.ok(existsSync(join(RUNTIME_ROOT, id)));
    assert.notEqual(cgroupDirs(`libpod_parent/libpod-${id}`).length, 0);
    await ok(['rm', '-f', '-t', '0', 'gone']);
    assert.equal(existsSync(join(RUNTIME_ROOT, id)), false, 'runtime state left behind');
    assert.deepEqual(cgroupDirs(`libpod_parent/libpod-${id}`), []);
    assert.equal((await podman(['inspect', 'gone'])).code, 125);
    // conmon for this container is gone (podman's cleanup may take a moment).
    for (const end = Date.now() + 60_000; pidsMentioning(id).length && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pidsMentioning(id), []);
  });

  it('--read-only and --tmpfs: tmpfs mounts start with the image content (tmpcopyup)', async () => {
    // podman puts runc's tmpcopyup option on /tmp, /var/tmp, /run and every --tmpfs.
    const r = await podman(['run', '--rm', '--read-only', '--tmpfs', '/etc', '--network', 'none', ...ULIMITS, IMAGE, 'sh', '-c',
      'head -1 /etc/passwd; echo new > /etc/added; cat /etc/added; stat -c "%a %U" /tmp; grep -c " /etc tmpfs " /proc/mounts; touch /x']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, 'root:x:0:0:root:/root:/bin/sh\nnew\n1777 root\n1\n');
    assert.match(r.stderr, /\/x: Read-only file system/);
  });

  it('a bridge network (netavark) gives the container an address', async () => {
    await ok(['network', 'create', '--disable-dns', '--subnet', '10.251.77.0/24', 'berthnet']);
    const r = await podman(['run', '--rm', '--network', 'berthnet', ...ULIMITS, IMAGE, 'ip', '-4', 'addr', 'show', 'eth0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /inet 10\.251\.77\.\d+\/24/);
    await ok(['network', 'rm', 'berthnet']);
  });
});
