// Test harness for the engine: a berth with its own temporary roots, driven through the real
// CLI (node src/cli/berth-main.ts), a snapshot of host resources to prove nothing leaked, and a
// teardown that removes every container, volume and network the test made, then the roots.
import { execFile, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { get } from 'node:http';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { mountPoints } from '../../../src/util/proc.ts';

export const TOP = resolve(import.meta.dirname, '../../..');
/** The bundled CLI (scripts/build.sh; ~5x faster to start) unless BERTH_TEST_SOURCE=1 or unbuilt. */
export const BERTH_MAIN = existsSync(join(TOP, 'dist/berth.mjs')) && process.env.BERTH_TEST_SOURCE !== '1'
  ? join(TOP, 'dist/berth.mjs') : join(TOP, 'src/cli/berth-main.ts');

/** berth-runtime from this tree when built, else the one on PATH; runc for what it lacks (exec). */
export function defaultRuntime(): string {
  if (process.env.BERTH_TEST_RUNTIME) return process.env.BERTH_TEST_RUNTIME;
  const built = join(TOP, 'dist/berth-runtime.mjs');
  if (existsSync(built)) return built;
  return 'berth-runtime';
}

export interface Result { code: number; stdout: string; stderr: string }

export class Berth {
  readonly tmp: string;
  readonly root: string;
  readonly runRoot: string;
  readonly runtime: string;
  /** A cgroup parent of its own, so that its containers' cgroups can be told from others'. */
  readonly cgroupParent: string;

  constructor(runtime = defaultRuntime()) {
    this.tmp = makeTemp('berth-test-engine-');
    this.root = join(this.tmp, 'root');
    this.runRoot = join(this.tmp, 'run');
    this.runtime = runtime;
    this.cgroupParent = `berth-test-${process.pid}-${this.tmp.slice(-6)}`;
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, BERTH_CGROUP_PARENT: this.cgroupParent };
  }

  events(): { id: string; hostVeth?: string }[] {
    try {
      return readFileSync(join(this.runRoot, 'events.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; hostVeth?: string });
    } catch { return []; }
  }

  /** Ids of every container this engine made (from its events log). */
  ids(): Set<string> {
    return new Set(this.events().map((e) => e.id));
  }

  /** Host ends of every veth pair its containers were given. */
  veths(): Set<string> {
    return new Set(this.events().flatMap((e) => (e.hostVeth ? [e.hostVeth] : [])));
  }

  argv(args: string[]): string[] {
    return [BERTH_MAIN, '--root', this.root, '--run-root', this.runRoot, '--runtime', this.runtime, ...args];
  }

  run(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
    return new Promise((res) => {
      const child = execFile(process.execPath, this.argv(args), { env: this.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        res({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (opts.input !== undefined) child.stdin!.end(opts.input);
      else child.stdin!.end();
    });
  }

  /** Runs and insists on exit code 0; returns stdout. */
  async ok(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  spawn(args: string[], opts: SpawnOptions = {}) {
    return spawn(process.execPath, this.argv(args), { env: this.env, ...opts });
  }

  /** Removes every container, volume and network, then the roots (and anything mounted there). */
  async teardown(): Promise<void> {
    try {
      if (existsSync(join(this.root, 'containers.db'))) {
        const ids = (await this.run(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await this.run(['rm', '-f', '-v', ...ids]);
        const vols = (await this.run(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
        if (vols.length) await this.run(['volume', 'rm', '-f', ...vols]);
      }
      if (existsSync(join(this.root, 'networks', 'networks'))) {
        for (const f of readdirSync(join(this.root, 'networks', 'networks'))) {
          if (f.endsWith('.json')) await this.run(['network', 'rm', f.slice(0, -5)]);
        }
      }
    } finally {
      for (const ctrl of ls('/sys/fs/cgroup')) { try { rmdirSync(join('/sys/fs/cgroup', ctrl, this.cgroupParent)); } catch { /* none or busy */ } }
      for (const m of [...mountPoints()].filter((p) => p.startsWith(this.tmp + '/')).reverse()) spawnSync('umount', ['-l', m]);
      removeTemp(this.tmp);
    }
  }
}

export interface HostSnapshot {
  mounts: string[];
  cgroups: string[];
  netns: string[];
  links: string[];
  iptables: string[];
  conmons: string[];
  files: string[];
  leases: string[];
}

function lines(cmd: string, args: string[]): string[] {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean);
}

function ls(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

/** Everything a container could leave behind on the host. */
export function snapshot(b: Berth): HostSnapshot {
  const cg: string[] = [];
  for (const ctrl of ls('/sys/fs/cgroup')) for (const d of ls(join('/sys/fs/cgroup', ctrl, b.cgroupParent))) if (/^[0-9a-f]{64}$/.test(d)) cg.push(`${ctrl}/${d}`);
  const ids = b.ids();
  const veths = b.veths();
  const conmons: string[] = [];
  for (const p of ls('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      // (A bash wrapper's script, its third argument, is left out: what follows names it.)
      if (cmd.includes(b.tmp)) { const a = cmd.split('\0'); conmons.push(`${p} ${[...a.slice(0, 2), ...(a[1] === '-c' ? a.slice(3, 6) : [])].join(' ')}`); }
    } catch { /* gone */ }
  }
  const leases: string[] = [];
  const ipam = join(b.root, 'networks', 'ipam');
  for (const n of ls(ipam)) for (const f of ls(join(ipam, n))) if (/^\d+\.\d+\.\d+\.\d+$/.test(f)) leases.push(`${n}/${f}`);
  return {
    // The netns directory's own bind mount is src/network's (shared by all containers; it goes
    // with the last netns), not a container's.
    mounts: [...mountPoints()].filter((m) => m.startsWith(b.tmp) && m !== join(b.runRoot, 'netns')),
    cgroups: cg,
    netns: ls(join(b.runRoot, 'netns')),
    // Host ends of the veths this engine's containers got (other engines on this machine make
    // their own, which are not ours to count).
    links: lines('ip', ['-o', 'link', 'show']).map((l) => l.split(':')[1].trim().split('@')[0]).filter((n) => veths.has(n)),
    // Rules naming one of this engine's containers (CNI comments carry the container id).
    iptables: lines('iptables-save', []).filter((l) => [...(l.match(/[0-9a-f]{64}/g) ?? [])].some((id) => ids.has(id))),
    conmons,
    files: [...ls(join(b.root, 'containers')), ...ls(join(b.runRoot, 'exits')), ...ls(join(b.runRoot, 'runtime')), ...ls(join(b.root, 'volumes'))].filter((f) => !f.startsWith('.')),
    leases,
  };
}

/** Fails when anything is on the host now that was not there at `before` (what went away since,
 * e.g. other tests' resources, does not count). */
export function assertNoLeaks(b: Berth, before: HostSnapshot): void {
  const leaks = () => {
    const now = snapshot(b);
    const leaked: Partial<Record<keyof HostSnapshot, string[]>> = {};
    for (const k of Object.keys(now) as (keyof HostSnapshot)[]) {
      const extra = now[k].filter((x) => !before[k].includes(x));
      if (extra.length) leaked[k] = extra;
    }
    return leaked;
  };
  // conmon starts its exit command (a bash wrapper: handoff.ts) and exits without waiting for it:
  // a wrapper that finds the stop's or removal's claim exits at once, but may still be on its way
  // out when the command returns. Processes alone get up to 3 s to go; anything else must be
  // gone already.
  let leaked = leaks();
  for (let waited = 0; waited < 3000 && Object.keys(leaked).length === 1 && leaked.conmons; waited += 50) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    leaked = leaks();
  }
  assert.deepEqual(leaked, {}, 'resources left behind');
}

/** Polls `cond` every 100 ms until it holds; throws after `ms`. */
export async function waitFor(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

/** GET url once (3 s timeout): the status and body. */
export function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** Calls `fn` every 100 ms until it resolves; its last error after `ms`. */
export async function retry<T>(fn: () => Promise<T>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try { return await fn(); } catch (e) { if (Date.now() > end) throw e; }
    await new Promise((r) => setTimeout(r, 100));
  }
}
