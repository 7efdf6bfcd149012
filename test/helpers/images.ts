// Test images built from Debian's busybox: OCI image layouts (as skopeo and umoci read them),
// single- or multi-platform, and a loader that puts a layout's blobs into a berth content store.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { makeBusyboxRootfs, makeTemp, removeTemp } from './rootfs.ts';
import type { ContentStore } from '../../src/image/store/content.ts';
import type { Descriptor, ImageConfig, Index, Manifest, Platform } from '../../src/image/types.ts';

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export interface BuiltLayer { digest: string; size: number; diffId: string; mediaType: string }
export interface BuiltManifest { digest: string; size: number; platform: Platform; configDigest: string; layers: BuiltLayer[]; bytes: Buffer }
export interface BuiltLayout {
  dir: string;
  tag: string;
  /** The digest index.json points at: the image index when multi-platform, else the manifest. */
  digest: string;
  mediaType: string;
  manifests: BuiltManifest[];
}

export interface LayoutOptions {
  tag?: string;
  /** One image per platform; more than one makes an image index. Default [linux/amd64]. */
  platforms?: Platform[];
  /** Include the busybox layer (about 1 MB gzipped); default true. */
  busybox?: boolean;
  /** Extra bytes in the small per-platform layer (to make distinct or bigger blobs). */
  payload?: Buffer;
}

/** A gzipped tar of `dir`, reproducible (sorted, mtime 0, root-owned). */
export function tarGzDir(dir: string): Buffer {
  const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', dir, '-cf', '-', '.'], { maxBuffer: 256 << 20 });
  return execFileSync('gzip', ['-n', '-c'], { input: tar, maxBuffer: 256 << 20 });
}

function putBlob(layout: string, data: Buffer): string {
  const d = sha(data);
  writeFileSync(join(layout, 'blobs', 'sha256', d.slice(7)), data);
  return d;
}

/** Builds an OCI image layout in `dir` (created). */
export function buildOciLayout(dir: string, opts: LayoutOptions = {}): BuiltLayout {
  const tag = opts.tag ?? 'latest';
  const platforms = opts.platforms ?? [{ os: 'linux', architecture: 'amd64' }];
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const work = makeTemp('berth-img-');
  try {
    let base: BuiltLayer | undefined;
    if (opts.busybox ?? true) {
      const root = makeBusyboxRootfs(join(work, 'rootfs'));
      const gz = tarGzDir(root);
      base = { digest: putBlob(dir, gz), size: gz.length, diffId: sha(gunzipSync(gz)), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
    }
    const manifests: BuiltManifest[] = platforms.map((p, i) => {
      const extra = join(work, `extra${i}`);
      mkdirSync(join(extra, 'etc'), { recursive: true });
      writeFileSync(join(extra, 'etc', 'berth-platform'), `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}\n`);
      if (opts.payload) writeFileSync(join(extra, 'payload.bin'), opts.payload);
      const gz = tarGzDir(extra);
      const top: BuiltLayer = { digest: putBlob(dir, gz), size: gz.length, diffId: sha(gunzipSync(gz)), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
      const layers = base ? [base, top] : [top];
      const config: ImageConfig = {
        created: '2024-01-01T00:00:00Z', architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}),
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: layers.map((_, j) => ({ created: '2024-01-01T00:00:00Z', created_by: `berth test layer ${j}` })),
      };
      const cfg = Buffer.from(JSON.stringify(config));
      const cfgDigest = putBlob(dir, cfg);
      const manifest: Manifest = {
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: cfg.length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      };
      const bytes = Buffer.from(JSON.stringify(manifest));
      return { digest: putBlob(dir, bytes), size: bytes.length, platform: p, configDigest: cfgDigest, layers, bytes };
    });
    let top: Descriptor;
    if (manifests.length === 1) {
      top = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifests[0].digest, size: manifests[0].size };
    } else {
      const index: Index = {
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: manifests.map((m) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size, platform: m.platform })),
      };
      const bytes = Buffer.from(JSON.stringify(index));
      top = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: putBlob(dir, bytes), size: bytes.length };
    }
    const indexJson: Index = { schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] };
    writeFileSync(join(dir, 'index.json'), JSON.stringify(indexJson));
    return { dir, tag, digest: top.digest, mediaType: top.mediaType, manifests };
  } finally {
    removeTemp(work);
  }
}

/** Puts every blob of a layout into a berth content store; returns the top digest. */
export async function loadLayoutIntoStore(layout: BuiltLayout, store: ContentStore): Promise<string> {
  const blobs = join(layout.dir, 'blobs', 'sha256');
  for (const name of readdirSync(blobs)) await store.putBuffer(readFileSync(join(blobs, name)), { digest: `sha256:${name}` });
  return layout.digest;
}

// skopeo runs asynchronously: a token server in the test process must keep answering meanwhile.
const execFileP = promisify(execFile);

/** Pushes a layout with skopeo (all platforms, digests preserved). `creds` is `user:password`. */
export async function skopeoPush(layout: BuiltLayout, dest: string, creds?: string): Promise<void> {
  await execFileP('skopeo', ['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []),
    `oci:${layout.dir}:${layout.tag}`, `docker://${dest}`]);
}

/** The raw manifest skopeo sees at `ref` (docker://ref). */
export async function skopeoInspectRaw(ref: string, creds?: string): Promise<Buffer> {
  const { stdout } = await execFileP('skopeo', ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), `docker://${ref}`], { maxBuffer: 16 << 20, encoding: 'buffer' });
  return stdout;
}
