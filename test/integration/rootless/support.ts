// Fixtures for rootless berth as a user the test makes: this tree's build installed under a
// temporary prefix every user can read (the tree may sit in a 0700 home, and /work is not
// readable by other users), a throwaway user (with or without subordinate id ranges) whose home
// is a private temp directory, `berth` run as that user, and what a user may leave behind:
// processes (its own uid and its subordinate ids), mounts in its namespace, files in /tmp.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { defer } from '../../helpers/cleanup.ts';
import { build, TOP } from '../runtime/support.ts';

type Hooks = { after(fn: () => void | Promise<void>): void };

const TOOLS = ['/usr/sbin/useradd', '/usr/sbin/userdel', '/usr/sbin/usermod', '/usr/bin/setpriv', '/usr/bin/newuidmap', '/usr/bin/newgidmap', '/usr/bin/nsenter', '/usr/bin/conmon'];
export const skip = !isRoot ? 'needs root (to make the test users)' : TOOLS.some((t) => !existsSync(t)) ? `needs ${TOOLS.join(', ')}` : false;

/** Builds the tree and installs it under a fresh world-readable prefix; returns the prefix. */
export function installTree(t: Hooks): string {
  build();
  const prefix = makeTemp('berth-rootless-prefix-');
  chmodSync(prefix, 0o755);
  defer(t, () => removeTemp(prefix));
  execFileSync('bash', [join(TOP, 'scripts/install.sh')], { env: { ...process.env, BERTH_PREFIX: prefix }, stdio: ['ignore', 'ignore', 'inherit'] });
  return prefix;
}

export interface TestUser {
  name: string; uid: number; gid: number; home: string;
  /** The subordinate range (uids and gids alike), if the user has one. */
  sub?: { start: number; count: number };
  env: Record<string, string>;
  /** `berth ARGS` as this user (async: a registry served by this process keeps answering). */
  berth(args: string[], opts?: { timeout?: number }): Promise<Result>;
  /** Any command as this user. */
  run(argv: string[], opts?: { timeout?: number }): Promise<Result>;
  /** Where berth keeps this user's runtime state (XDG_RUNTIME_DIR/berth or /tmp/berth-UID). */
  runRoot: string;
}

export interface Result { code: number | null; stdout: string; stderr: string }

let serial = 0;

/** Makes a user (removed, with its ranges, processes and files, when the test ends). */
export function makeUser(t: Hooks, prefix: string, opts: { sub?: boolean; xdgRuntime?: boolean } = {}): TestUser {
  const name = `berthrl${process.pid % 100000}${serial++}`;
  // Debian's useradd gives every new user subordinate ranges (login.defs): none here, ours below.
  execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', '--user-group', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', name]);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
  const sub = opts.sub ? { start: 500000 + ((process.pid * 7 + serial) % 2000) * 65536, count: 65536 } : undefined;
  const range = sub ? `${sub.start}-${sub.start + sub.count - 1}` : '';
  const base = makeTemp('berth-rootless-user-');
  chmodSync(base, 0o755);
  const home = join(base, 'home');
  execFileSync('install', ['-d', '-m', '0700', '-o', String(uid), '-g', String(gid), home]);
  let runRoot = `/tmp/berth-${uid}`;
  const env: Record<string, string> = { PATH: `${prefix}/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`, HOME: home, USER: name, LOGNAME: name };
  if (opts.xdgRuntime) {
    const xdg = join(base, 'run');
    execFileSync('install', ['-d', '-m', '0700', '-o', String(uid), '-g', String(gid), xdg]);
    env.XDG_RUNTIME_DIR = xdg;
    runRoot = join(xdg, 'berth');
  }
  defer(t, () => {
    // Everything of the user goes first: the pause process and with it the namespaces (and
    // every mount made in them), conmon, the containers (own uid or subordinate ids).
    for (let i = 0; i < 50; i++) {
      const left = processesOf(uid, sub);
      if (!left.length) break;
      for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      spawnSync('sleep', ['0.1']);
    }
    rmSync(`/tmp/berth-${uid}`, { recursive: true, force: true });
    removeTemp(base);
    if (sub) spawnSync('usermod', ['--del-subuids', range, '--del-subgids', range, name]);
    spawnSync('userdel', [name]);
    for (const f of ['/etc/subuid', '/etc/subgid', '/etc/passwd']) {
      if (readFileSync(f, 'utf8').split('\n').some((l) => l.startsWith(`${name}:`))) throw new Error(`${name} left in ${f}`);
    }
  });
  if (sub) execFileSync('usermod', ['--add-subuids', range, '--add-subgids', range, name]);
  const run = (argv: string[], o: { timeout?: number } = {}) => new Promise<Result>((resolve) => {
    execFile('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', '--', ...argv],
      { encoding: 'utf8', timeout: o.timeout ?? 60_000, env, cwd: home, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
  return { name, uid, gid, home, sub, env, runRoot, run, berth: (args, o) => run(['berth', ...args], o) };
}

/** Live processes of `uid` or of the subordinate range (zombies are not). */
export function processesOf(uid: number, sub?: { start: number; count: number }): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const st = readFileSync(`/proc/${p}/status`, 'utf8');
      if (/^State:\s+Z/m.test(st)) continue;
      const real = Number(/^Uid:\s+(\d+)/m.exec(st)?.[1]);
      if (real === uid || (sub && real >= sub.start && real < sub.start + sub.count)) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

export function commOf(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

/** Mount points in the user's namespace (that of its pause process) under `paths`. */
export function userMounts(user: TestUser, paths: string[]): string[] {
  const pid = pausePid(user);
  if (!pid) return [];
  const info = execFileSync('nsenter', ['-t', String(pid), '-m', 'cat', '/proc/self/mountinfo'], { encoding: 'utf8' });
  return info.split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => paths.some((p) => m.startsWith(p)));
}

export function pausePid(user: TestUser): number {
  try { return Number(readFileSync(join(user.runRoot, 'pause.pid'), 'utf8').trim()) || 0; } catch { return 0; }
}

/** Entries in the shared temporary directories that belong to the user (or its ranges). */
export function tmpFilesOf(user: TestUser): string[] {
  const out: string[] = [];
  for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) {
    for (const e of readdirSync(dir)) {
      try {
        const st = statSync(join(dir, e), { throwIfNoEntry: false });
        if (!st) continue;
        const owner = st.uid;
        if (owner === user.uid || (user.sub && owner >= user.sub.start && owner < user.sub.start + user.sub.count)) out.push(join(dir, e));
      } catch { /* gone */ }
    }
  }
  return out;
}

/** Nothing of the user's containers left: only the berth-userns holder runs, no mount under its
 * state, no netns (a container's or the rootless one of user networks), nothing of it in the
 * temporary directories but its run root. */
export async function assertNoLeftovers(user: TestUser): Promise<void> {
  // A finished command's helpers (its berth-mount server) end just after it: give them a moment.
  const others = () => processesOf(user.uid, user.sub).map((p) => `${p} ${commOf(p)}`).filter((p) => !p.endsWith(' berth-userns'));
  for (const end = Date.now() + 60_000; others().length && Date.now() < end;) await new Promise((res) => setTimeout(res, 50));
  const procs = processesOf(user.uid, user.sub).map((p) => `${p} ${commOf(p)}`);
  assert.deepEqual(procs.filter((p) => !p.endsWith(' berth-userns')), [], 'processes left');
  assert.equal(procs.length, 1, 'one pause process');
  assert.deepEqual(userMounts(user, [user.home, user.runRoot]), [], 'mounts left in the user namespace');
  const netns = join(user.runRoot, 'netns');
  assert.deepEqual(existsSync(netns) ? readdirSync(netns) : [], [], 'netns left');
  assert.ok(!existsSync(join(user.runRoot, 'rootless-netns')), 'the rootless netns (user networks) left');
  assert.deepEqual(tmpFilesOf(user).filter((f) => f !== user.runRoot && !user.runRoot.startsWith(`${f}/`) && !user.home.startsWith(`${f}/`)), [], 'files left in /tmp');
}

/** A command that must succeed: its output in the message when it did not. */
export function ok(r: Result, what: string): Result {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Makes the device `path` usable by the test users, as a Debian host's udev makes /dev/net/tun
 * (slirp4netns, pasta) and /dev/fuse (fuse-overlayfs): 0666 (these VMs have 0600), put back by
 * `t`'s clean-ups. */
export function openToUsers(t: Hooks, path: string): void {
  const mode = statSync(path).mode & 0o777;
  if (mode === 0o666) return;
  chmodSync(path, 0o666);
  t.after(() => chmodSync(path, mode));
}
