// From an image name to what a container needs: the image config and the chainID of its top
// layer (unpacked into the snapshotter), pulling or building the built-in busybox image when
// the name is not in the store.
//
// Built-in image: `busybox` (docker.io/library/busybox:latest) is assembled from the host's
// busybox-static (/bin/busybox) when it is absent from the store and --pull is not `always`
// with a reachable registry, so that `berth run --rm busybox echo hello` needs no network.
// `berth image build-busybox` (or buildBusyboxImage) does the same explicitly.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openImageStore, type ImageStore } from '../image/store/index.ts';
import { sha256Digest } from '../image/store/content.ts';
import { unpackImage } from '../image/snapshots/index.ts';
import { normalizeReference, InvalidReferenceError } from '../image/reference.ts';
import { hostPlatform, type ImageConfig, type Manifest, type Platform } from '../image/types.ts';
import { ImageUnknownError } from './errors.ts';
import { parsePlatform, platformMatches } from '../image/registry/platform.ts';
import { DEFAULT_PATH_ENV } from '../oci/env.ts';

export const BUILTIN_BUSYBOX = 'docker.io/library/busybox:latest';
export const HOST_BUSYBOX = '/bin/busybox';

export type PullPolicy = 'always' | 'missing' | 'never';

export interface ResolvedImage {
  name: string;
  configDigest: string;
  manifestDigest: string;
  config: ImageConfig;
  chainId: string;
}

function normalize(image: string): string {
  try { return normalizeReference(image); } catch (e) {
    if (e instanceof InvalidReferenceError) throw new ImageUnknownError(image, e.message);
    throw e;
  }
}

/** Finds a stored image by name, full or short config digest (docker's image ID). */
function lookup(store: ImageStore, image: string): { name: string; manifestDigest: string; configDigest: string; platform?: Platform } | null {
  const id = image.replace(/^sha256:/, '');
  if (/^[0-9a-f]{6,64}$/.test(id)) {
    const byId = store.metadata.findByDigest(`sha256:${id}`).filter((r) => r.configDigest.startsWith(`sha256:${id}`));
    if (byId.length) return byId[0];
  }
  const name = normalize(image);
  return store.metadata.get(name);
}

async function unpacked(store: ImageStore, rec: { name: string; manifestDigest: string; configDigest: string }): Promise<ResolvedImage> {
  // Small JSON blobs: read in one synchronous call (an async read is four thread-pool hops).
  const manifest = JSON.parse(store.content.readSync(rec.manifestDigest).toString('utf8')) as Manifest;
  const config = JSON.parse(store.content.readSync(rec.configDigest).toString('utf8')) as ImageConfig;
  const { chainID } = await unpackImage(store.content, store.snapshotter, manifest, config);
  return { name: rec.name, configDigest: rec.configDigest, manifestDigest: rec.manifestDigest, config, chainId: chainID };
}

/** Resolves (pulling or building the built-in image as the policy allows) and unpacks. */
export async function resolveImage(root: string | ImageStore, image: string, policy: PullPolicy = 'missing', platform?: string): Promise<ResolvedImage> {
  const store = typeof root === 'string' ? openImageStore(root) : root;
  try {
    const name = /^(sha256:)?[0-9a-f]{6,64}$/.test(image) ? image : normalize(image);
    let rec = policy === 'always' ? null : lookup(store, image);
    // Another platform than the stored image's (a cross build's FROM): pulled for that platform,
    // and named only if the name was free (the stored image keeps its name).
    const want = platform !== undefined ? parsePlatform(platform) : undefined;
    const keepName = !rec;
    if (rec && want && rec.platform && !platformMatches(want, rec.platform)) rec = null;
    if (!rec && policy === 'never') throw new ImageUnknownError(image);
    if (!rec) {
      if (name === BUILTIN_BUSYBOX && existsSync(HOST_BUSYBOX)) {
        rec = await buildBusyboxInto(store, BUILTIN_BUSYBOX);
      } else {
        try {
          // Layers unpack while they download (the unpacked() below then finds them committed).
          // Loaded only for a pull: the registry client brings http, https, tls and zlib along.
          const { pullAndUnpack } = await import('../image/pullunpack.ts');
          const r = await pullAndUnpack(name, { store, platform });
          const pulled = {
            name: r.reference, target: { mediaType: r.mediaType, digest: r.digest, size: 0 },
            manifestDigest: r.manifestDigest, configDigest: r.configDigest, platform: r.platform,
          };
          rec = keepName ? store.metadata.put(pulled) : pulled;
        } catch (e) {
          throw new ImageUnknownError(image, (e as Error).message);
        }
      }
    }
    return await unpacked(store, rec);
  } finally {
    if (store !== root) store.close();
  }
}

/** Builds the busybox image from the host's busybox-static under `name`; returns its record. */
export async function buildBusyboxImage(root: string, name = BUILTIN_BUSYBOX): Promise<{ name: string; configDigest: string; manifestDigest: string }> {
  const store = openImageStore(root);
  try {
    return await buildBusyboxInto(store, normalize(name));
  } finally {
    store.close();
  }
}

async function buildBusyboxInto(store: ImageStore, name: string): Promise<{ name: string; manifestDigest: string; configDigest: string }> {
  const work = mkdtempSync(join(tmpdir(), 'berth-busybox-'));
  try {
    const dir = join(work, 'rootfs');
    for (const d of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root', 'home', 'var', 'usr/bin', 'usr/sbin', 'sbin']) mkdirSync(join(dir, d), { recursive: true });
    chmodSync(join(dir, 'tmp'), 0o1777);
    copyFileSync(HOST_BUSYBOX, join(dir, 'bin/busybox'));
    chmodSync(join(dir, 'bin/busybox'), 0o755);
    const applets = execFileSync(HOST_BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
    writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    // Reproducible layer: sorted, mtime 0, root-owned, gzip without name/time.
    const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', dir, '-cf', '-', '.'], { maxBuffer: 256 << 20 });
    const gz = execFileSync('gzip', ['-n', '-c'], { input: tar, maxBuffer: 256 << 20 });
    const layerDigest = await store.content.putBuffer(gz);
    const diffId = sha256Digest(gunzipSync(gz));
    const platform = hostPlatform();
    const config: ImageConfig = {
      created: '1970-01-01T00:00:00Z', architecture: platform.architecture, os: 'linux',
      config: { Env: [DEFAULT_PATH_ENV], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: `berth built-in: ${HOST_BUSYBOX} with ${applets.length} applets` }],
    };
    const cfg = Buffer.from(JSON.stringify(config));
    const configDigest = await store.content.putBuffer(cfg);
    const manifest: Manifest = {
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: cfg.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: gz.length }],
    };
    const mbytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = await store.content.putBuffer(mbytes);
    return store.metadata.put({
      name, target: { mediaType: manifest.mediaType!, digest: manifestDigest, size: mbytes.length },
      manifestDigest, configDigest, platform,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
