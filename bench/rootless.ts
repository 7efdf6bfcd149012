// Rootless benchmark: `run --rm busybox true` as one unprivileged user (made here, with
// subordinate ranges; removed afterwards), with `--network none` and on the default network
// (slirp4netns for both engines), berth beside podman rootless (runc and crun), interleaved
// round by round so that machine noise hits each alike; medians, p90 and the ratio to berth.
// berth runs twice: as the plain CLI (BERTH_NO_DAEMON=1: the client, the namespace hop, one Node
// start) and through the user's own berthd (`berth system service` as the user, started here:
// warm workers, no Node start per command), the way a user with the systemd user unit runs it.
// Also `berth version` and `berth info` (plain) to show the floor.
//
//   node bench/rootless.ts [--rounds 20]
//
// berth runs this tree's build installed under a world-readable temporary prefix (as the tests
// do); podman keeps its state in the user's (temporary) home. podman gets ulimits under this
// host's hard limit (root lacks CAP_SYS_RESOURCE, and so does the user).
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { installTree, makeUser, type TestUser } from '../test/integration/rootless/support.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(values.rounds);
const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

const cleanups: (() => unknown)[] = [];
const hooks = { after: (fn: () => unknown) => { cleanups.push(fn); } };

function asUser(user: TestUser, argv: string[]): { ms: number; code: number | null; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', ...argv],
    { env: user.env, cwd: user.home, encoding: 'utf8', timeout: 60_000 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, code: r.status, stderr: r.stderr };
}

function stats(xs: number[]): { median: number; p90: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))] };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (it makes the benchmark user)');
  const prefix = installTree(hooks);
  // podman rootless keeps these outside the user's home (run here without XDG_RUNTIME_DIR):
  // removed after the user's processes are gone (the user's own clean-up runs first).
  let uid = -1;
  cleanups.push(() => {
    for (const p of [`/tmp/containers-user-${uid}`, `/tmp/podman-run-${uid}`, `/dev/shm/libpod_rootless_lock_${uid}`]) rmSync(p, { recursive: true, force: true });
  });
  const user = makeUser(hooks, prefix, { sub: true });
  uid = user.uid;
  // podman's image: the same busybox-static rootfs as berth's built-in busybox.
  const dir = makeTemp('berth-bench-rootless-');
  cleanups.push(() => removeTemp(dir));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'rootfs/bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'rootfs/bin/busybox'));
  for (const a of ['sh', 'true']) symlinkSync('busybox', join(dir, 'rootfs/bin', a));
  spawnSync('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'bb.tar'), '.']);
  chmodSync(join(dir, 'bb.tar'), 0o644);
  const plain = ['env', 'BERTH_NO_DAEMON=1'];
  const contenders: { name: string; argv: string[] }[] = [];
  for (const [tag, net] of [['none', ['--network', 'none']], ['slirp', []]] as const) {
    contenders.push(
      { name: `berth ${tag}`, argv: [...plain, 'berth', 'run', '--rm', ...net, 'busybox', 'true'] },
      { name: `berthd ${tag}`, argv: ['berth', 'run', '--rm', ...net, 'busybox', 'true'] },
      { name: `podman-runc ${tag}`, argv: ['podman', 'run', '--rm', '--runtime', 'runc', ...net, ...ULIMITS, 'localhost/bb', '/bin/true'] },
      { name: `podman-crun ${tag}`, argv: ['podman', 'run', '--rm', '--runtime', 'crun', ...net, ...ULIMITS, 'localhost/bb', '/bin/true'] },
    );
  }
  contenders.push({ name: 'berth version', argv: [...plain, 'berth', 'version'] }, { name: 'berth info', argv: [...plain, 'berth', 'info'] });
  // The user's berthd, as the systemd user unit would run it; BERTH_DAEMON_REQUIRED makes a
  // command it cannot take fail rather than quietly run in the plain CLI.
  const daemon = spawn('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', 'berth', 'system', 'service'],
    { env: user.env, cwd: user.home, stdio: 'ignore', detached: true });
  cleanups.push(() => { try { process.kill(-daemon.pid!, 'SIGTERM'); } catch { /* gone */ } });
  for (let i = 0; i < 200 && !existsSync(join(user.runRoot, 'berthd.sock')); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(join(user.runRoot, 'berthd.sock'))) throw new Error('the user\'s berthd did not start');
  for (const c of contenders) if (c.name.startsWith('berthd')) c.argv = ['env', 'BERTH_DAEMON_REQUIRED=1', ...c.argv];
  const setup = asUser(user, ['podman', 'import', join(dir, 'bb.tar'), 'localhost/bb']);
  if (setup.code !== 0) throw new Error(`podman import: ${setup.stderr}`);
  const usable = contenders.filter((c) => {
    const r = asUser(user, c.argv);
    if (r.code !== 0) console.log(`${c.name}: left out (${r.stderr.trim().split('\n').pop()})`);
    return r.code === 0;
  });
  const times = new Map<string, number[]>(usable.map((c) => [c.name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const c of usable) {
      const r = asUser(user, c.argv);
      if (r.code !== 0) throw new Error(`${c.name}: exit ${r.code}: ${r.stderr}`);
      times.get(c.name)!.push(r.ms);
    }
  }
  console.log(`rootless, ${rounds} rounds (user ${user.name}, subordinate ranges), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; median / p90 ms, ×: against podman-runc on the same network:`);
  for (const [name, xs] of times) {
    const s = stats(xs);
    const peer = times.get(`podman-runc ${name.split(' ')[1]}`);
    const ratio = peer && !name.startsWith('podman-runc') ? `   ×${(s.median / stats(peer).median).toFixed(2)}` : '';
    console.log(`  ${name.padEnd(18)} ${s.median.toFixed(1).padStart(7)} ${s.p90.toFixed(1).padStart(7)}${ratio}`);
  }
  if (!existsSync(prefix)) throw new Error('prefix vanished');
}

try {
  await main();
} finally {
  for (const fn of cleanups.reverse()) { try { await fn(); } catch (e) { console.error(`cleanup: ${(e as Error).message}`); } }
}
