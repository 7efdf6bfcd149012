// The synthetic image of bench/pull.ts: three gzip layers (≈1/6 of the bytes in ~20,000 small
// files, ≈1/2 in a few big files, ≈1/3 mixed: small and medium files, symlinks, hard links,
// a subtree owned by 1000:1000), written as an OCI image layout. Contents are pseudo-random but
// compressible (gzip gets them to roughly 40%), and deterministic for a given size.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';

export interface BenchLayer { digest: string; size: number; diffID: string; files: number; path: string }
export interface BenchImage { dir: string; tag: string; layers: BenchLayer[]; uncompressed: number; compressed: number; entries: number }

const MB = 1 << 20;

/** xorshift32: deterministic sizes and choices, so the same --size gives the same image. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 0x100000000; };
}

/** A pool of compressible bytes: 4 KiB blocks, about half of them low-entropy (6 bits per byte),
 * the rest repeats of a block seen a few KiB earlier (what LZ77 finds in real binaries). */
function makePool(bytes: number, rand: () => number): Buffer {
  const pool = Buffer.allocUnsafe(bytes);
  const B = 4096;
  for (let off = 0; off < bytes; off += B) {
    const n = Math.min(B, bytes - off);
    if (off >= 8 * B && rand() < 0.5) {
      const back = (1 + Math.floor(rand() * 6)) * B;
      pool.copy(pool, off, off - back, off - back + n);
    } else {
      for (let i = 0; i < n; i += 4) pool.writeUInt32LE((rand() * 0x100000000) >>> 0 & 0x3f3f3f3f, off + i > bytes - 4 ? bytes - 4 : off + i);
    }
  }
  return pool;
}

function writeFrom(pool: Buffer, path: string, size: number, rand: () => number): void {
  if (size <= pool.length) {
    const start = Math.floor(rand() * (pool.length - size));
    writeFileSync(path, pool.subarray(start, start + size));
    return;
  }
  const parts: Buffer[] = [];
  for (let left = size; left > 0; left -= pool.length) parts.push(pool.subarray(0, Math.min(left, pool.length)));
  writeFileSync(path, Buffer.concat(parts));
}

/** Layer 1: `count` small files (0–10 KiB) in 100 files per directory, two levels deep. */
function smallFiles(dir: string, count: number, pool: Buffer, rand: () => number): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const d = join(dir, 'usr', 'share', `pkg${Math.floor(i / 1000)}`, `d${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) mkdirSync(d, { recursive: true });
    writeFrom(pool, join(d, `f${i}.txt`), Math.floor(rand() * 10 * 1024), rand);
    n++;
  }
  return n;
}

/** Layer 2: four big files sharing `bytes`. */
function bigFiles(dir: string, bytes: number, pool: Buffer, rand: () => number): number {
  mkdirSync(join(dir, 'opt', 'big'), { recursive: true });
  const sizes = [0.4, 0.3, 0.2, 0.1].map((f) => Math.floor(bytes * f));
  sizes.forEach((s, i) => writeFrom(pool, join(dir, 'opt', 'big', `blob${i}.bin`), s, rand));
  return sizes.length;
}

/** Layer 3: small and log-uniform medium files (16 KiB–4 MiB), symlinks, hard links, a
 * subtree owned by 1000:1000, until `bytes` are used. */
function mixedFiles(dir: string, bytes: number, pool: Buffer, rand: () => number): number {
  let used = 0;
  let n = 0;
  for (let i = 0; used < bytes; i++) {
    const sub = i % 5 === 0 ? join('home', 'app', `m${Math.floor(i / 50)}`) : join('usr', 'lib', `lib${Math.floor(i / 50)}`);
    const d = join(dir, sub);
    mkdirSync(d, { recursive: true });
    const size = rand() < 0.7 ? Math.floor(rand() * 16 * 1024) : Math.floor(16 * 1024 * Math.exp(rand() * Math.log(256)));
    const p = join(d, `obj${i}.so`);
    writeFrom(pool, p, Math.min(size, bytes - used + 1), rand);
    used += size;
    n++;
    if (i % 10 === 0) { symlinkSync(`obj${i}.so`, join(d, `obj${i}.so.1`)); n++; }
    if (i % 25 === 0) { linkSync(p, join(d, `obj${i}.hard`)); n++; }
  }
  execFileSync('chown', ['-R', '1000:1000', join(dir, 'home', 'app')]);
  return n;
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 }).on('data', (c) => h.update(c)).on('end', () => resolve('sha256:' + h.digest('hex'))).on('error', reject);
  });
}

/** tar (GNU, sorted, fixed mtime) | gzip -6 into `out`; resolves to the diffID. */
function tarGz(src: string, out: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['--sort=name', '--mtime=@1700000000', '--numeric-owner', '-C', src, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const gz = spawn('sh', ['-c', `gzip -6 -n > '${out}'`], { stdio: ['pipe', 'inherit', 'inherit'] });
    const h = createHash('sha256');
    tar.stdout.on('data', (c: Buffer) => { h.update(c); if (!gz.stdin.write(c)) { tar.stdout.pause(); gz.stdin.once('drain', () => tar.stdout.resume()); } });
    tar.stdout.on('end', () => gz.stdin.end());
    let left = 2;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${what} exited ${code}`));
      else if (--left === 0) resolve('sha256:' + h.digest('hex'));
    };
    tar.on('exit', done('tar'));
    gz.on('exit', done('gzip'));
  });
}

/** Builds (or reuses, when complete) the image for `sizeMB` under `cacheDir`. */
export async function benchImage(cacheDir: string, sizeMB: number, log: (s: string) => void): Promise<BenchImage> {
  const dir = join(cacheDir, `image-${sizeMB}mb`);
  const done = join(dir, 'bench-image.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as BenchImage;
  rmSync(dir, { recursive: true, force: true });
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const trees = join(cacheDir, `trees-${sizeMB}mb`);
  rmSync(trees, { recursive: true, force: true });
  const rand = rng(0x5eed + sizeMB);
  const pool = makePool(Math.min(64 * MB, Math.max(4 * MB, sizeMB * MB / 8)), rand);
  const total = sizeMB * MB;
  const scale = sizeMB / 600;
  log(`generating a ${sizeMB} MB image in ${dir} (once; reused by later runs)`);
  const counts = [
    smallFiles(join(trees, 'small'), Math.max(100, Math.round(20_000 * scale)), pool, rand),
    bigFiles(join(trees, 'big'), Math.floor(total / 2), pool, rand),
    mixedFiles(join(trees, 'mixed'), Math.floor(total / 3), pool, rand),
  ];
  const names = ['small', 'big', 'mixed'];
  const tmp = names.map((n) => join(dir, `${n}.tar.gz`));
  const diffIDs = await Promise.all(names.map((n, i) => tarGz(join(trees, n), tmp[i])));
  rmSync(trees, { recursive: true, force: true });
  const layers: BenchLayer[] = [];
  let uncompressed = 0;
  for (let i = 0; i < 3; i++) {
    const digest = await sha256File(tmp[i]);
    const path = join(blobs, digest.slice(7));
    execFileSync('mv', [tmp[i], path]);
    layers.push({ digest, size: statSync(path).size, diffID: diffIDs[i], files: counts[i], path });
  }
  for (const n of names) uncompressed += Number(execFileSync('sh', ['-c', `gzip -dc '${layers[names.indexOf(n)].path}' | wc -c`], { encoding: 'utf8' }).trim());
  const config = Buffer.from(JSON.stringify({
    created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `berth bench layer ${i}` })),
  }));
  const put = (b: Buffer) => { const d = 'sha256:' + createHash('sha256').update(b).digest('hex'); writeFileSync(join(blobs, d.slice(7)), b); return d; };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  }));
  const md = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
  const img: BenchImage = {
    dir, tag: 'latest', layers, uncompressed, compressed: layers.reduce((a, l) => a + l.size, 0),
    entries: counts.reduce((a, b) => a + b, 0),
  };
  writeFileSync(done, JSON.stringify(img, null, 1));
  return img;
}
