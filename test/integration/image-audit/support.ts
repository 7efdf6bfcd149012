// Fixtures for the issue-4 audit tests: images made of arbitrary layer bytes pushed through the
// registry's own HTTP API (so that hostile or unusual layers reach the registry unchanged), and
// a consistency check of a berth root after a test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync, zstdDecompressSync } from 'node:zlib';
import { packTar, type PackItem } from '../../../src/image/tar/index.ts';

export const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export async function tarOf(items: PackItem[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of packTar(items)) parts.push(c);
  return Buffer.concat(parts);
}

export interface RawLayer { data: Buffer; mediaType: string; diffId?: string }

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const LAYER_TYPES = { gzip: GZIP, zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', tar: 'application/vnd.oci.image.layer.v1.tar' };

/** The diffID of a layer blob: sha256 of its uncompressed bytes (or of the bytes as they are when
 * they do not decompress, e.g. a truncated hostile layer: then the diffID is whatever we say). */
function diffIdOf(l: RawLayer): string {
  if (l.diffId) return l.diffId;
  if (l.data[0] === 0x1f && l.data[1] === 0x8b) return sha256(gunzipSync(l.data));
  if (l.data.readUInt32LE(0) === 0xfd2fb528) return sha256(zstdDecompressSync(l.data));
  return sha256(l.data);
}

async function putBlob(base: string, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const post = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (post.status !== 202) throw new Error(`POST upload ${repo}: ${post.status} ${await post.text()}`);
  const loc = new URL(post.headers.get('location')!, base);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: data, headers: { 'Content-Type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`PUT blob ${digest}: ${put.status} ${await put.text()}`);
  return digest;
}

export interface PushedImage { manifestDigest: string; configDigest: string; layers: { digest: string; diffId: string; size: number }[] }

/** Pushes an image made of `layers` (bytes as given) to `registryUrl` as repo:tag through the
 * distribution API: blobs by monolithic upload, then an OCI manifest. */
export async function pushRawImage(registryUrl: string, repo: string, tag: string, layers: RawLayer[], config: Record<string, unknown> = {}): Promise<PushedImage> {
  const pushed = [];
  for (const l of layers) pushed.push({ digest: await putBlob(registryUrl, repo, l.data), diffId: diffIdOf(l), size: l.data.length, mediaType: l.mediaType });
  const cfg = Buffer.from(JSON.stringify({
    created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], ...config },
    rootfs: { type: 'layers', diff_ids: pushed.map((l) => l.diffId) },
  }));
  const configDigest = await putBlob(registryUrl, repo, cfg);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: cfg.length },
    layers: pushed.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  }));
  const r = await fetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
  if (r.status !== 201) throw new Error(`PUT manifest ${repo}:${tag}: ${r.status} ${await r.text()}`);
  return { manifestDigest: sha256(manifest), configDigest, layers: pushed.map(({ digest, diffId, size }) => ({ digest, diffId, size })) };
}

/** Every file in blobs/sha256 hashes to its name (no half blob is visible); returns their names. */
export function checkBlobs(root: string): string[] {
  const dir = join(root, 'blobs', 'sha256');
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir);
  for (const n of names) {
    const got = sha256(readFileSync(join(dir, n)));
    if (got !== `sha256:${n}`) throw new Error(`blob ${n} holds ${got}: a half or corrupt blob is visible`);
  }
  return names.map((n) => `sha256:${n}`);
}

/** Files and dirs directly in `dir` (sorted), empty when it does not exist. */
export const entries = (dir: string): string[] => existsSync(dir) ? readdirSync(dir).sort() : [];

// ── a counting, throttling proxy and a killable CLI ──

export interface SeenRequest { method: string; path: string; range?: string; status?: number; start: number; end?: number; bytes: number }
export interface CountingProxy { host: string; seen: SeenRequest[]; blobGets(digest: string): SeenRequest[]; stop(): Promise<void> }

/** An HTTP proxy in front of `target` (host:port) that records every request (with its time
 * window and body bytes) and sends blob GET bodies at most `bytesPerSec` (when set). */
export async function startCountingProxy(target: string, opts: { bytesPerSec?: number; listen?: string; resetBlobGets?: number } = {}): Promise<CountingProxy> {
  let resets = 0;
  const [thost, tport] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const e: SeenRequest = { method: req.method ?? '', path: req.url ?? '', range: req.headers.range, start: Date.now(), bytes: 0 };
    seen.push(e);
    if (opts.resetBlobGets && resets < opts.resetBlobGets && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
      // a connection reset before any answer (RST, not FIN)
      resets++;
      e.status = -1;
      req.socket.resetAndDestroy();
      return;
    }
    const up = http.request({ host: thost, port: tport, method: req.method, path: req.url, headers: req.headers }, (ures) => {
      e.status = ures.statusCode;
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      const throttle = opts.bytesPerSec && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
      ures.on('data', (c: Buffer) => {
        e.bytes += c.length;
        res.write(c);
        if (throttle) {
          ures.pause();
          setTimeout(() => ures.resume(), (c.length / opts.bytesPerSec!) * 1000);
        }
      });
      ures.on('end', () => { e.end = Date.now(); res.end(); });
      ures.on('error', () => res.destroy());
    });
    up.on('error', () => res.destroy());
    res.on('close', () => { if (!res.writableFinished) up.destroy(); });
    req.pipe(up);
  });
  const listen = opts.listen ?? '127.0.0.1';
  server.listen(0, listen);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    host: `${listen.includes(':') ? `[${listen}]` : listen}:${port}`, seen,
    blobGets: (digest) => seen.filter((s) => s.method === 'GET' && s.path.endsWith(`/blobs/${digest}`)),
    stop: async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); },
  };
}

const MAIN = fileURLToPath(new URL('../../../src/cli/berth-main.ts', import.meta.url));

export interface BerthProc { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> }

/** Starts `berth --root DIR/root … ARGS` (state isolated under `dir`, like image-cli/cli.ts) and
 * returns the process, so that a test can kill it. */
export function startBerth(dir: string, args: string[], env: Record<string, string> = {}): BerthProc {
  const child = spawn(process.execPath, [MAIN, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), ...args], {
    env: {
      ...process.env, BERTH_AUTH_FILE: join(dir, 'auth.json'), BERTH_REGISTRIES_CONFIG: join(dir, 'registries.json'), DOCKER_CONFIG: join(dir, 'docker'),
      BERTH_SNAPSHOTTER: 'copy', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
  return { child, done };
}

/** Random (incompressible) bytes as a gzip layer holding one file `name`. */
export async function bigLayer(name: string, size: number): Promise<{ data: Buffer; diffId: string }> {
  const tar = await tarOf([{ entry: { name, type: 'file', mode: 0o644 }, body: randomBytes(size) }]);
  return { data: gzipSync(tar, { level: 1 }), diffId: sha256(tar) };
}
