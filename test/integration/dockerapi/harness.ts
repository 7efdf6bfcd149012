// A berthd serving the Docker API on a socket of its own, over its own roots (the engine
// harness's Berth), and the real clients pointed at it: the docker CLI (DOCKER_HOST, a
// DOCKER_CONFIG of its own), raw HTTP for what a CLI would never send.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { defer } from '../../helpers/cleanup.ts';
import { assertNoLeaks, Berth, BERTH_MAIN, snapshot, waitFor, type HostSnapshot } from '../engine/harness.ts';

export const DOCKER = '/usr/local/bin/docker';

export interface Out { code: number; stdout: string; stderr: string }

export class ApiDaemon {
  readonly b: Berth;
  readonly socket: string;
  readonly daemonSocket: string;
  #child: ChildProcess | undefined;
  #log = '';

  constructor(b: Berth) {
    this.b = b;
    this.socket = join(b.tmp, 'docker.sock');
    this.daemonSocket = join(b.tmp, 'berthd.sock');
  }

  get log(): string { return this.#log; }

  /** berthd's registries.json (read at each pull: tests write it when they need mirrors). */
  get registriesConfig(): string { return join(this.b.tmp, 'registries.json'); }

  /** `extra`: more `system service` flags (e.g. --docker-tcp with TLS); `ready` says when it
   * serves (default: /_ping answers on the unix socket). */
  async start(extra: string[] = [], ready?: () => Promise<boolean>): Promise<void> {
    const argv = this.b.argv(['system', 'service', '--socket', this.daemonSocket, '--workers', '1', '--docker-socket', this.socket, ...extra]);
    // Registry configuration of its own (registriesConfig; absent until a test writes it).
    const d = spawn(process.execPath, argv, { env: { ...this.b.env, BERTH_DAEMON_SOCKET: '', BERTH_REGISTRIES_CONFIG: this.registriesConfig }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = d;
    d.stderr!.on('data', (x) => (this.#log += x));
    await waitFor(async () => {
      if (d.exitCode !== null) throw new Error(`berthd exited ${d.exitCode}: ${this.#log}`);
      if (ready) return ready();
      return existsSync(this.socket) && (await this.http('GET', '/_ping').then((r) => r.status === 200, () => false));
    }, 30_000);
  }

  get pid(): number { return this.#child?.pid ?? 0; }
  get running(): boolean { return !!this.#child && this.#child.exitCode === null; }

  async stop(): Promise<void> {
    const d = this.#child;
    if (!d || d.exitCode !== null) return;
    const done = new Promise<void>((r) => d.once('exit', () => r()));
    d.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 15_000))]);
    if (d.exitCode === null) { d.kill('SIGKILL'); await done; }
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const cfg = join(this.b.tmp, 'docker-config');
    mkdirSync(cfg, { recursive: true });
    return { ...process.env, DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: cfg, DOCKER_CLI_HINTS: 'false', ...extra };
  }

  docker(args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Out> {
    return new Promise((resolve) => {
      const c = execFile(DOCKER, args, { env: opts.env ?? this.env(), timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      // The command may exit without reading its stdin (EPIPE is not a failure of the test).
      c.stdin!.on('error', () => {});
      c.stdin!.end(opts.input ?? '');
    });
  }

  async ok(args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
    const r = await this.docker(args, opts);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nberthd: ${this.#log}`);
    return r.stdout;
  }

  http(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, method, path, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** What a test file shares: a Berth over its own roots with the busybox image, the host's
 * state before berthd started (for the leak check), and a berthd serving the Docker API. */
export interface ApiFixture {
  b: Berth;
  api: ApiDaemon;
  before0: HostSnapshot;
  /** Stops berthd and fails on anything left on the host since the fixture began. */
  assertClean(): Promise<void>;
}

/** The file's fixture, made in a `before` hook (nothing when `skip`); its teardown (berthd
 * stopped, then every container, volume and network and the roots removed) runs after the
 * file's tests through defer(), so that a teardown that fails fails the file. The object's
 * fields are there once the hook ran; `ready` gets it then (node runs a file's top-level
 * `before` hooks concurrently: another hook could not rely on this one having run). */
export function useApiFixture(skip: string | false, ready: (f: ApiFixture) => void = () => {}): ApiFixture {
  const f = {
    async assertClean() { await f.api.stop(); assertNoLeaks(f.b, f.before0); },
  } as ApiFixture;
  if (skip) return f;
  // Deferred now, not from the hook: node runs a root `after` registered while a `before` runs
  // at once. Last deferred, first run: berthd stops before the roots go.
  const file = { after };
  defer(file, () => f.b?.teardown());
  defer(file, () => f.api?.stop());
  before(async () => {
    f.b = new Berth();
    await f.b.ok(['image', 'build-busybox']);
    f.before0 = snapshot(f.b);
    f.api = new ApiDaemon(f.b);
    await f.api.start();
    ready(f);
  });
  return f;
}

export { Berth, BERTH_MAIN };
