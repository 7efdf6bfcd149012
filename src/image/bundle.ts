// Image → OCI runtime bundle: unpack the image's layers (once per chainID), give the container
// its own writable snapshot, mount it as <bundle>/rootfs (overlay) or point at it (copy driver),
// and write a config.json built from the image config on docker's default security settings.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec, renderSpec } from '../oci/defaults.ts';
import type { Spec, User } from '../oci/spec.ts';
import { mergeEnv, withDefaultPath } from '../oci/env.ts';
import { resolveUser as resolveOciUser, UserLookupError } from '../oci/user.ts';
import { DOCKER_DEFAULT_CAPS, DOCKER_READONLY_PATHS, dockerMaskedPaths } from '../oci/docker-defaults.ts';
import { resolveInRoot } from './rootpath.ts';
import { ImageNotFoundError } from './store/errors.ts';
import type { ImageRecord } from './store/metadata.ts';
import type { ImageStore } from './store/open.ts';
import { unpackImage } from './snapshots/layers.ts';
import { mountAll, unmount } from './snapshots/snapshotter.ts';
import type { Mount as SnapshotMount } from './snapshots/types.ts';
import type { ImageConfig, Manifest } from './types.ts';


export class BundleUserError extends Error {
  readonly user: string;
  constructor(user: string, message: string) {
    super(`user ${JSON.stringify(user)}: ${message}`);
    this.name = 'BundleUserError';
    this.user = user;
  }
}

export interface BundleOptions {
  store: ImageStore;
  /** Where to create the bundle (default <root>/bundles/<containerId>). */
  bundleDir?: string;
  /** Replace the image's Cmd (docker run IMAGE args...). */
  args?: string[];
  /** Replace the image's Entrypoint. */
  entrypoint?: string[];
  /** Extra environment (KEY=value), overriding the image's. */
  env?: string[];
  /** Replace the image's User / WorkingDir. */
  user?: string;
  workdir?: string;
  terminal?: boolean;
  hostname?: string;
  readonlyRootfs?: boolean;
  annotations?: Record<string, string>;
}

export interface PreparedBundle {
  bundleDir: string;
  rootfs: string;
  /** The snapshot mounts behind rootfs (empty for the copy driver, whose rootfs is the snapshot dir). */
  mounts: SnapshotMount[];
  spec: Spec;
  snapshotKey: string;
  exposedPorts: string[];
  volumes: string[];
  stopSignal?: string;
  cleanup(): void;
}

function readRootFile(rootfs: string, path: string): string {
  try { return readFileSync(resolveInRoot(rootfs, path), 'utf8'); } catch { return ''; }
}

/** docker's User forms (name, uid, name:group, uid:gid...) against the image's passwd/group,
 * read inside the rootfs (src/oci/user.ts has the rules). */
export function imageUser(rootfs: string, spec: string): User {
  try {
    const u = resolveOciUser(spec, readRootFile(rootfs, '/etc/passwd'), readRootFile(rootfs, '/etc/group'));
    return { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  } catch (e) {
    if (e instanceof UserLookupError) throw new BundleUserError(spec, e.message);
    throw e;
  }
}

/** The config.json for a container of this image (pure: rootfs only read for passwd/group). */
export function specFromImage(config: ImageConfig, rootfs: string, containerId: string, opts: Omit<BundleOptions, 'store'> = {}): Spec {
  const c = config.config ?? {};
  const entrypoint = opts.entrypoint ?? c.Entrypoint ?? [];
  const cmd = opts.args ?? (opts.entrypoint ? [] : c.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (!args.length) throw new BundleUserError('', 'the image has no Entrypoint or Cmd and none was given');
  const spec = defaultSpec({ args });
  const p = spec.process!;
  p.terminal = opts.terminal ?? false;
  p.user = imageUser(rootfs, opts.user ?? c.User ?? '');
  p.env = withDefaultPath(mergeEnv(c.Env ?? [], [`HOSTNAME=${opts.hostname ?? containerId.slice(0, 12)}`, ...(opts.terminal ? ['TERM=xterm'] : []), ...(opts.env ?? [])]));
  p.cwd = opts.workdir ?? (c.WorkingDir || '/');
  const root = p.user.uid === 0;
  p.capabilities = {
    bounding: [...DOCKER_DEFAULT_CAPS],
    // A non-root process starts without effective capabilities, as with docker.
    effective: root ? [...DOCKER_DEFAULT_CAPS] : [],
    permitted: root ? [...DOCKER_DEFAULT_CAPS] : [],
  };
  delete p.noNewPrivileges;
  delete p.rlimits;
  spec.hostname = opts.hostname ?? containerId.slice(0, 12);
  spec.root = { path: 'rootfs', readonly: opts.readonlyRootfs ?? false };
  spec.linux!.maskedPaths = dockerMaskedPaths();
  spec.linux!.readonlyPaths = [...DOCKER_READONLY_PATHS];
  // docker mounts /proc nosuid,noexec,nodev.
  const proc = spec.mounts!.find((m) => m.destination === '/proc');
  if (proc) proc.options = ['nosuid', 'noexec', 'nodev'];
  const annotations: Record<string, string> = { ...(c.Labels ?? {}) };
  if (c.ExposedPorts) annotations['berth.image.exposed-ports'] = Object.keys(c.ExposedPorts).join(',');
  if (c.Volumes) annotations['berth.image.volumes'] = Object.keys(c.Volumes).join(',');
  if (c.StopSignal) annotations['berth.image.stop-signal'] = c.StopSignal;
  Object.assign(annotations, opts.annotations ?? {});
  if (Object.keys(annotations).length) spec.annotations = annotations;
  return spec;
}

async function recordOf(store: ImageStore, image: string | ImageRecord): Promise<ImageRecord> {
  if (typeof image !== 'string') return image;
  const r = store.metadata.get(image) ?? store.metadata.findByDigest(image)[0];
  if (!r) throw new ImageNotFoundError(image);
  return r;
}

export async function prepareBundle(image: string | ImageRecord, containerId: string, opts: BundleOptions): Promise<PreparedBundle> {
  const { store } = opts;
  const rec = await recordOf(store, image);
  const manifest = JSON.parse((await store.content.read(rec.manifestDigest)).toString('utf8')) as Manifest;
  const config = JSON.parse((await store.content.read(rec.configDigest)).toString('utf8')) as ImageConfig;
  const { chainID } = await unpackImage(store.content, store.snapshotter, manifest, config);
  const bundleDir = opts.bundleDir ?? join(store.root, 'bundles', containerId);
  const snapshotKey = `container-${containerId}`;
  const sn = store.snapshotter;
  const mounts = sn.prepare(snapshotKey, chainID || undefined, { labels: { 'berth.container': containerId, 'berth.image': rec.name } });
  let mountedAt: string | null = null;
  const cleanup = () => {
    if (mountedAt) { unmount(mountedAt); mountedAt = null; }
    try { sn.remove(snapshotKey); } catch { /* already gone */ }
    rmSync(bundleDir, { recursive: true, force: true });
  };
  try {
    mkdirSync(bundleDir, { recursive: true, mode: 0o711 });
    let rootfs = join(bundleDir, 'rootfs');
    let used: SnapshotMount[] = [];
    if (sn.driver === 'copy') {
      rootfs = sn.fsPath(snapshotKey);
    } else {
      mkdirSync(rootfs, { recursive: true });
      mountAll(mounts, rootfs);
      mountedAt = rootfs;
      used = mounts;
    }
    const spec = specFromImage(config, rootfs, containerId, opts);
    if (rootfs !== join(bundleDir, 'rootfs')) spec.root!.path = rootfs;
    // docker creates a missing WorkingDir (inside the root, never through a symlink out of it).
    const cwd = resolveInRoot(rootfs, spec.process!.cwd);
    if (!existsSync(cwd)) mkdirSync(cwd, { recursive: true, mode: 0o755 });
    writeFileSync(join(bundleDir, 'config.json'), renderSpec(spec));
    const c = config.config ?? {};
    return {
      bundleDir, rootfs, mounts: used, spec, snapshotKey,
      exposedPorts: Object.keys(c.ExposedPorts ?? {}), volumes: Object.keys(c.Volumes ?? {}),
      ...(c.StopSignal ? { stopSignal: c.StopSignal } : {}),
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
