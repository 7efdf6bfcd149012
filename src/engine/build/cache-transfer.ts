// Build caches kept elsewhere than this state root's records, for --cache-from and --cache-to:
// - type=local: a directory (DIR/index.json with the records, DIR/blobs/sha256/<hex>);
// - type=registry,ref=HOST/REPO:TAG: an OCI manifest at the tag whose config blob (media type
//   MEDIA_BUILD_CACHE) holds the records and whose layers are every blob they name, so that the
//   registry keeps the blobs and a fresh state root can take them in;
// - type=inline: the records whose layers are a prefix of the built image's, written into the
//   image's own config (INLINE_CACHE_KEY), as BuildKit's inline cache; read back with
//   --cache-from type=registry,ref=IMAGE (or a bare IMAGE), the image's layers serve the hits.
// Records are keyed by the builder's step keys, which do not depend on the machine.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReference, manifestReference, formatReference } from '../../image/reference.ts';
import { registryClient } from '../../image/ops/pull.ts';
import { push } from '../../image/push.ts';
import { selectManifest } from '../../image/registry/platform.ts';
import type { ContentStore } from '../../image/store/content.ts';
import { isIndexMediaType, MEDIA_OCI_MANIFEST, type ImageConfig, type Index, type Manifest, type Platform } from '../../image/types.ts';
import { BuildError, type BuildState, type LayerRef } from './types.ts';

export const MEDIA_BUILD_CACHE = 'application/vnd.berth.build.cache.v1+json';
/** The image config's field that carries an inline cache. */
export const INLINE_CACHE_KEY = 'berth.build.cache.v1';

export type CacheImport = { type: 'local'; src: string } | { type: 'registry'; ref: string };
/** `mode`: `max` (default) exports the records of every stage; `min` only those whose layers
 * are the first layers of the image (what the final stage's own chain made), as BuildKit. */
export type CacheExport = { type: 'local'; dest: string; mode?: 'min' | 'max' } | { type: 'registry'; ref: string; mode?: 'min' | 'max' } | { type: 'inline' };

/** An imported cache: its records, and a way to take a record's blob into the store. */
export interface CacheSource {
  readonly name: string;
  readonly records: Map<string, BuildState>;
  /** Puts the layer's blob into the store (checked against its digest); false when unavailable. */
  fetch(layer: LayerRef): Promise<boolean>;
}

/** An inline cache as stored in an image config: key → how many of the image's layers it is. */
interface InlineCache { records: Record<string, { layers: number; created?: string }> }

/** `platform`: the manifest to read an inline cache from when the reference is an index. */
export async function openCacheSource(spec: CacheImport, store: ContentStore, platform?: Platform): Promise<CacheSource> {
  return spec.type === 'local' ? openLocal(spec.src, store) : openRegistry(spec.ref, store, platform);
}

function openLocal(src: string, store: ContentStore): CacheSource {
  let index: { records?: Record<string, BuildState> };
  try { index = JSON.parse(readFileSync(join(src, 'index.json'), 'utf8')) as typeof index; } catch (e) {
    throw new BuildError(`--cache-from ${src}: no cache there (${(e as Error).message})`);
  }
  return {
    name: src,
    records: new Map(Object.entries(index.records ?? {})),
    async fetch(l) {
      let data: Buffer;
      try { data = readFileSync(join(src, 'blobs', 'sha256', l.digest.slice('sha256:'.length))); } catch { return false; }
      await store.putBuffer(data, { digest: l.digest });
      return true;
    },
  };
}

/** A registry cache manifest, or an image (the platform's manifest when an index) whose config
 * carries an inline cache. A missing tag is an error the builder reports as a warning. */
async function openRegistry(ref: string, store: ContentStore, platform?: Platform): Promise<CacheSource> {
  const r = parseReference(ref);
  const client = registryClient(r.domain, {});
  let m = await client.getManifest(r.path, manifestReference(r));
  if (isIndexMediaType(m.mediaType)) {
    const d = selectManifest(JSON.parse(m.bytes.toString('utf8')) as Index, platform);
    if (!d) throw new BuildError(`--cache-from ${ref}: the index has no manifest for this platform`);
    m = await client.getManifest(r.path, d.digest);
  }
  const manifest = JSON.parse(m.bytes.toString('utf8')) as Manifest;
  await fetchToStore(client, r.path, manifest.config, store);
  const config = JSON.parse((await store.read(manifest.config.digest)).toString('utf8')) as Record<string, unknown>;
  const records = new Map<string, BuildState>();
  if (manifest.config.mediaType === MEDIA_BUILD_CACHE) {
    for (const [k, v] of Object.entries((config as { records?: Record<string, BuildState> }).records ?? {})) records.set(k, v);
  } else {
    const inline = config[INLINE_CACHE_KEY] as InlineCache | undefined;
    const diffIds = (config as unknown as ImageConfig).rootfs?.diff_ids ?? [];
    for (const [k, v] of Object.entries(inline?.records ?? {})) {
      if (!Number.isInteger(v.layers) || v.layers < 0 || v.layers > manifest.layers.length) continue;
      const layers = manifest.layers.slice(0, v.layers).map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: diffIds[i] }));
      records.set(k, { layers, ...(v.created ? { created: v.created } : {}) });
    }
  }
  return {
    name: formatReference(r),
    records,
    async fetch(l) {
      try { await fetchToStore(client, r.path, l, store); return true; } catch { return false; }
    },
  };
}

/** Downloads a blob into the store unless there (the writer checks size and digest). */
async function fetchToStore(client: ReturnType<typeof registryClient>, path: string, desc: { digest: string; size: number }, store: ContentStore): Promise<void> {
  const w = await store.writer({ digest: desc.digest, size: desc.size });
  if (!w.exists) await client.fetchBlob(path, desc, w);
}

/** --cache-to type=local,dest=DIR: the records given and every layer blob they name (blobs
 * already there are kept; records already there are kept unless replaced). */
export function exportLocal(store: ContentStore, dest: string, records: Map<string, BuildState>): void {
  const blobs = join(dest, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  let index: Record<string, BuildState> = {};
  try { index = (JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')) as { records: Record<string, BuildState> }).records ?? {}; } catch { /* a new cache */ }
  for (const [key, state] of records) {
    for (const l of state.layers) {
      const to = join(blobs, l.digest.slice('sha256:'.length));
      if (!existsSync(to)) copyFileSync(store.path(l.digest), to);
    }
    index[key] = state;
  }
  const tmp = join(dest, `index.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify({ version: 1, records: index }));
  renameSync(tmp, join(dest, 'index.json'));
}

/** --cache-to type=registry,ref=REF: a cache manifest (records in its config, every blob as a
 * layer) pushed to REF; blobs the repository has are not sent again. Replaces what REF held. */
export async function exportRegistry(store: ContentStore, ref: string, records: Map<string, BuildState>): Promise<string> {
  const layers = new Map<string, LayerRef>();
  for (const s of records.values()) for (const l of s.layers) layers.set(l.digest, l);
  const cfg = Buffer.from(JSON.stringify({ version: 1, records: Object.fromEntries(records) }));
  const cfgDigest = await store.putBuffer(cfg);
  const manifest: Manifest = {
    schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST,
    config: { mediaType: MEDIA_BUILD_CACHE, digest: cfgDigest, size: cfg.length },
    layers: [...layers.values()].map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await store.putBuffer(bytes);
  const r = parseReference(ref);
  const res = await push({ digest, mediaType: MEDIA_OCI_MANIFEST, size: bytes.length }, r, { store, client: registryClient(r.domain, {}) });
  return res.digest;
}

/** The records whose layers are the first layers of `state` (the image's own chain). */
export function chainRecords(state: BuildState, records: Map<string, BuildState>): Map<string, BuildState> {
  return new Map([...records].filter(([, s]) => s.layers.length <= state.layers.length && s.layers.every((l, i) => l.digest === state.layers[i].digest)));
}

/** The inline cache of an image: its chain's records, each as a number of its layers. */
export function inlineCache(state: BuildState, records: Map<string, BuildState>): InlineCache {
  const out: InlineCache = { records: {} };
  for (const [k, s] of chainRecords(state, records)) out.records[k] = { layers: s.layers.length, ...(s.created ? { created: s.created } : {}) };
  return out;
}
