// docker commit: a new image whose last layer is what the container changed (its overlay upper
// directory, src/image/snapshots/diff.ts) on top of its image's layers, and whose config carries
// the container's command, entrypoint, environment, working directory, user and labels.
// A running container is paused while its changes are read (docker's default).
import { normalizeReference } from '../../image/reference.ts';
import { diffUpperDir } from '../../image/snapshots/diff.ts';
import { MEDIA_OCI_CONFIG, MEDIA_OCI_LAYER_GZIP, MEDIA_OCI_MANIFEST, type ImageConfig, type Manifest } from '../../image/types.ts';
import type { EngineCore } from '../core.ts';
import { setPaused } from './update-pause.ts';
import { EngineError } from '../errors.ts';
import { snapshotKey } from '../rootfs.ts';
import { applyConfigChanges, type ConfigChange } from '../config-changes.ts';

export interface CommitOptions {
  /** REPOSITORY[:TAG] to name the image (berth keeps images by name: required). */
  reference: string;
  author?: string;
  message?: string;
  /** Pause a running container while its changes are read (default true). */
  pause?: boolean;
  /** docker's --change and commit's Config body, applied over the container's config. */
  changes?: ConfigChange[];
}

/** Returns the new image's ID (its config digest). */
export async function commitContainer(engine: EngineCore, ref: string, opts: CommitOptions): Promise<string> {
  let name: string;
  try { name = normalizeReference(opts.reference); } catch (e) { throw new EngineError(`invalid reference format: ${(e as Error).message}`); }
  const rec = engine.get(ref);
  const store = engine.images();
  const mounts = store.snapshotter.mounts(snapshotKey(rec.id));
  const upper = mounts.flatMap((m) => m.options).find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
  if (!upper) throw new EngineError(`container ${rec.name}: commit needs the overlay snapshotter (its changes are read from the upper directory)`);
  const source = store.metadata.findByDigest(rec.config.imageId).find((r) => r.configDigest === rec.config.imageId);
  if (!source) throw new EngineError(`container ${rec.name}: its image ${rec.config.imageId} is no longer in the store`);
  const base = JSON.parse(store.content.readSync(rec.config.imageId).toString('utf8')) as ImageConfig;
  const manifest = JSON.parse(store.content.readSync(source.manifestDigest).toString('utf8')) as Manifest;

  const pause = (opts.pause ?? true) && rec.state.status === 'running' && !rec.state.paused;
  if (pause) await setPaused(engine, rec.id, true);
  let layer;
  try {
    layer = await diffUpperDir(upper);
  } finally {
    if (pause) await setPaused(engine, rec.id, false);
  }
  const layerDigest = await store.content.putBuffer(layer.blob);
  const c = rec.config;
  const created = new Date().toISOString();
  const config: ImageConfig = {
    ...base,
    created,
    ...(opts.author ? { author: opts.author } : {}),
    config: applyConfigChanges({
      ...base.config,
      Env: c.env, Cmd: c.cmd, Entrypoint: c.entrypoint.length ? c.entrypoint : undefined,
      WorkingDir: c.workingDir === '/' ? base.config?.WorkingDir ?? '' : c.workingDir, User: c.user, Labels: c.labels,
    }, opts.changes ?? []),
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, layer.diffId] },
    history: [...(base.history ?? []), { created, created_by: `berth commit ${rec.name}`, ...(opts.message ? { comment: opts.message } : {}), ...(opts.author ? { author: opts.author } : {}) }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await store.content.putBuffer(configBytes);
  const newManifest = {
    schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST,
    config: { mediaType: MEDIA_OCI_CONFIG, digest: configDigest, size: configBytes.length },
    layers: [...manifest.layers, { mediaType: MEDIA_OCI_LAYER_GZIP, digest: layerDigest, size: layer.blob.length }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(newManifest));
  const manifestDigest = await store.content.putBuffer(manifestBytes);
  store.metadata.put({
    name, target: { mediaType: MEDIA_OCI_MANIFEST, digest: manifestDigest, size: manifestBytes.length },
    manifestDigest, configDigest, ...(source.platform ? { platform: source.platform } : {}),
  });
  return configDigest;
}
