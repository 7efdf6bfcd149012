// Shared fixtures for the runtime integration tests: the built CLI, bundles from busybox + the
// default spec, and checks that a container left nothing behind.
//
// BERTH_TEST_RUNTIME_PATH=berthd runs every test of a file that uses these fixtures through the other
// path: build/berth-runtime-client served by a berthd of this tree (started before the file's
// tests, stopped after), with BERTH_DAEMON_REQUIRED=1: a command berthd could serve that falls
// back to the plain runtime fails (125) instead of passing; the commands berthd leaves to the
// plain runtime by design (exec, spec, ps...) still run there.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultSpec, renderSpec, type Spec } from '../../../src/oci/index.ts';
import { makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { defer } from '../../helpers/cleanup.ts';

export const TOP = resolve(import.meta.dirname, '../../..');
/** The runtime's path under test: 'plain' (Node) or 'berthd' (the native client, served). */
export const RUNTIME_PATH: 'plain' | 'berthd' = process.env.BERTH_TEST_RUNTIME_PATH === 'berthd' ? 'berthd' : 'plain';
export const CLI = RUNTIME_PATH === 'berthd' ? join(TOP, 'build/berth-runtime-client') : join(TOP, 'dist/berth-runtime.mjs');
export const PLAIN_CLI = join(TOP, 'dist/berth-runtime.mjs');
export const RECVTTY = join(TOP, 'build/berth-recvtty');

let built = false;
let berthd: ChildProcess | undefined;
let berthdDir: string | undefined;
export const CLIENT = join(TOP, 'build/berth-runtime-client');

/** Starts a berthd of this tree before the file's tests (stopped after them) and points the
 * runtime client at it: $BERTH_DAEMON_SOCKET, and BERTH_DAEMON_REQUIRED=1. */
export function withBerthd(): void {
  before(async () => {
    build();
    berthdDir = makeTemp('berth-rt-berthd-');
    const sock = join(berthdDir, 'berthd.sock');
    process.env.BERTH_DAEMON_SOCKET = sock;
    process.env.BERTH_DAEMON_REQUIRED = '1';
    berthd = spawn(join(TOP, 'dist/berth.mjs'), ['system', 'service', '--socket', sock, '--workers', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Ready once a served command answers (an unknown id: exit 1, not 125).
    for (let i = 0; ; i++) {
      if (berthd.exitCode !== null) throw new Error(`berthd exited ${berthd.exitCode}`);
      const r = spawnSync(CLIENT, ['--root', join(berthdDir, 'state'), 'state', 'none'], { encoding: 'utf8' });
      if (r.status === 1 && /does not exist/.test(r.stderr)) break;
      if (i > 200) throw new Error(`berthd did not serve: ${r.status} ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  });
  after(async () => {
    if (berthd && berthd.exitCode === null) {
      const gone = new Promise((res) => berthd!.once('exit', res));
      berthd.kill('SIGTERM');
      await gone;
    }
    if (berthdDir) removeTemp(berthdDir);
  });
}
if (RUNTIME_PATH === 'berthd') withBerthd();

/** Builds the native helper and the CLI bundle once per test process. */
export function build(): void {
  if (built) return;
  execFileSync('bash', [join(TOP, 'scripts/build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

export interface Result { code: number | null; signal: string | null; stdout: string; stderr: string }

/** Runs `berth-runtime --root ROOT ARGS…` to completion. Its stdout and stderr are files, not
 * pipes: a created container inherits them and would keep pipes open long after the CLI exits. */
export function cli(root: string, args: string[], opts: { timeout?: number } = {}): Result {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  try {
    const r = spawnSync(CLI, ['--root', root, ...args], { stdio: ['ignore', out, err], timeout: opts.timeout ?? 20_000 });
    if (r.error) throw r.error;
    return { code: r.status, signal: r.signal, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Like cli() but asynchronous; `extra` fds become the CLI's fds 3, 4, … (for --preserve-fds).
 * Output goes through files for the same reason as in cli(). */
export async function cliAsync(root: string, args: string[], extra: number[] = []): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  try {
    const c = spawn(CLI, ['--root', root, ...args], { stdio: ['ignore', out, err, ...extra] });
    const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((res, rej) => {
      c.on('error', rej);
      c.on('exit', (code, signal) => res([code, signal]));
    });
    clearTimeout(timer);
    return { code, signal, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A bundle: busybox rootfs + the default spec (no terminal), adjusted by `edit`. */
export function makeBundle(dir: string, id: string, args: string[], edit?: (s: Spec) => void): { bundle: string; spec: Spec } {
  mkdirSync(dir, { recursive: true });
  makeBusyboxRootfs(join(dir, 'rootfs'));
  const spec = defaultSpec({ args });
  spec.process!.terminal = false;
  // One level, so that removing the container's cgroup leaves no parent directory behind.
  spec.linux!.cgroupsPath = `/berth-test-${id}`;
  edit?.(spec);
  writeFileSync(join(dir, 'config.json'), renderSpec(spec));
  return { bundle: dir, spec };
}

/** The v1 cgroup directories a container with cgroupsPath /berth-test-<id> would use. */
export function cgroupDirs(id: string): string[] {
  const out: string[] = [];
  for (const c of readdirSync('/sys/fs/cgroup')) {
    const d = join('/sys/fs/cgroup', c, `berth-test-${id}`);
    if (existsSync(d)) out.push(d);
  }
  return out;
}

export function mountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(path));
}

/** Live processes whose root directory is `rootfs` (the same inode: /proc/PID/root's link text
 * is useless across mount namespaces). Zombies have no root and don't count. */
export function processesIn(rootfs: string): number[] {
  const want = statSync(rootfs);
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const st = statSync(`/proc/${p}/root`);
      if (st.dev === want.dev && st.ino === want.ino) out.push(Number(p));
    } catch { /* gone, or a zombie */ }
  }
  return out;
}

/** Everything a container might leave behind; empty when clean. */
export function leftovers(root: string, id: string, bundle: string): string[] {
  const left: string[] = [];
  if (existsSync(join(root, id))) left.push(`state dir ${join(root, id)}`);
  for (const d of cgroupDirs(id)) left.push(`cgroup ${d}`);
  for (const m of mountsUnder(bundle)) left.push(`mount ${m}`);
  for (const pid of processesIn(join(bundle, 'rootfs'))) left.push(`process ${pid}`);
  return left;
}

/** Force-deletes the container (ignoring errors): for clean-ups. */
export function forceDelete(root: string, id: string): void {
  try { cli(root, ['delete', '--force', id]); } catch { /* best effort */ }
}

export function stateOf(root: string, id: string): Record<string, unknown> {
  const r = cli(root, ['state', id]);
  if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

export interface TempBundle { dir: string; root: string; bundle: string; rootfs: string; spec: Spec }

/** makeBundle() in a fresh temp dir `prefix…` (bundle at <dir>/bundle, state root at <dir>/state).
 * After the test the container is force-deleted, the dir removed, and the test fails if the
 * container left anything behind. */
export function tempBundle(t: { after(fn: () => void): void }, prefix: string, id: string, args: string[], edit?: (s: Spec) => void): TempBundle {
  const dir = makeTemp(prefix);
  const root = join(dir, 'state');
  const { bundle, spec } = makeBundle(join(dir, 'bundle'), id, args, edit);
  defer(t, () => {
    forceDelete(root, id);
    const left = leftovers(root, id, bundle);
    removeTemp(dir);
    assert.deepEqual(left, []);
  });
  return { dir, root, bundle, rootfs: join(bundle, 'rootfs'), spec };
}

/** tempBundle() with the container created and started; `pid` is its init's. */
export function startedBundle(t: { after(fn: () => void): void }, prefix: string, id: string, args: string[], edit?: (s: Spec) => void): TempBundle & { id: string; pid: number } {
  const b = tempBundle(t, prefix, id, args, edit);
  const c = cli(b.root, ['create', '--bundle', b.bundle, id]);
  assert.equal(c.code, 0, c.stderr);
  const s = cli(b.root, ['start', id]);
  assert.equal(s.code, 0, s.stderr);
  return { ...b, id, pid: stateOf(b.root, id).pid as number };
}
