// `image inspect` and `image history`: docker's shapes built from the stored config and
// manifest. Sizes are content sizes (layers as stored), as in `images`.
import type { ImageStore } from '../store/open.ts';
import type { HistoryEntry, ImageConfig, ImageRunConfig, Manifest } from '../types.ts';
import { familiarRecordName } from './names.ts';
import { findImage } from './resolve.ts';

/** docker's container.Config as image inspect shows it (empty fields included). */
export interface InspectRunConfig {
  Hostname: string; Domainname: string; User: string;
  AttachStdin: boolean; AttachStdout: boolean; AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean; OpenStdin: boolean; StdinOnce: boolean;
  Env: string[] | null; Cmd: string[] | null;
  Healthcheck?: ImageRunConfig['Healthcheck'];
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[];
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: InspectRunConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  'OsVersion'?: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
  /** berth's extension: the manifest the image was stored with. */
  Descriptor: { mediaType: string; digest: string; size: number };
}

function runConfig(c: ImageRunConfig | undefined): InspectRunConfig {
  const out: InspectRunConfig = {
    Hostname: '', Domainname: '', User: c?.User ?? '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
    Tty: false, OpenStdin: false, StdinOnce: false, Env: c?.Env ?? null, Cmd: c?.Cmd ?? null,
    Image: '', Volumes: c?.Volumes ?? null, WorkingDir: c?.WorkingDir ?? '', Entrypoint: c?.Entrypoint ?? null,
    OnBuild: c?.OnBuild ?? null, Labels: c?.Labels ?? null,
  };
  if (c?.ExposedPorts) out.ExposedPorts = c.ExposedPorts;
  if (c?.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c?.ArgsEscaped !== undefined) out.ArgsEscaped = c.ArgsEscaped;
  if (c?.StopSignal) out.StopSignal = c.StopSignal;
  if (c?.Shell) out.Shell = c.Shell;
  return out;
}

export async function inspectImage(store: ImageStore, ref: string): Promise<ImageInspect> {
  const { image } = findImage(store, ref);
  const cfg = store.content.readJsonSync<ImageConfig>(image.id);
  const man = store.content.readJsonSync<Manifest>(image.primary.manifestDigest);
  const size = man.config.size + man.layers.reduce((n, l) => n + l.size, 0);
  const out: ImageInspect = {
    Id: image.id,
    RepoTags: image.tags.map(familiarRecordName),
    RepoDigests: image.digests.map(familiarRecordName),
    Parent: '',
    Comment: cfg.history?.[cfg.history.length - 1]?.comment ?? '',
    Created: cfg.created ?? image.stored,
    DockerVersion: (cfg as { docker_version?: string }).docker_version ?? '',
    Author: cfg.author ?? '',
    Config: runConfig(cfg.config),
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: size,
    GraphDriver: { Name: store.snapshotter.driver, Data: null },
    RootFS: { Type: cfg.rootfs?.type ?? 'layers', Layers: cfg.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: image.records.map((r) => r.updated).sort().reverse()[0] ?? '' },
    Descriptor: { mediaType: image.primary.target.mediaType, digest: image.primary.manifestDigest, size: (await store.content.info(image.primary.manifestDigest))?.size ?? 0 },
  };
  if (cfg.variant) out.Variant = cfg.variant;
  if (cfg['os.version']) out.OsVersion = cfg['os.version'];
  return out;
}

export interface HistoryItem {
  /** The image ID on the newest entry, `<missing>` below it (docker's convention). */
  id: string;
  created: string;
  createdBy: string;
  /** Size of the layer the entry made (as stored), 0 for empty_layer entries. */
  size: number;
  comment: string;
  emptyLayer: boolean;
}

/** The config's history, newest first, each non-empty entry paired with its layer. */
export async function imageHistory(store: ImageStore, ref: string): Promise<HistoryItem[]> {
  const { image } = findImage(store, ref);
  const cfg = store.content.readJsonSync<ImageConfig>(image.id);
  const man = store.content.readJsonSync<Manifest>(image.primary.manifestDigest);
  let history: HistoryEntry[] = cfg.history ?? [];
  // no history: one entry per layer, as docker shows for such images
  if (history.length === 0) history = man.layers.map(() => ({ created: cfg.created }));
  let layer = 0;
  const items = history.map((h) => {
    const empty = h.empty_layer === true;
    const size = empty ? 0 : man.layers[layer++]?.size ?? 0;
    return { id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '', emptyLayer: empty };
  }).reverse();
  if (items.length) items[0].id = image.id;
  return items;
}

