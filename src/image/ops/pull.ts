// `pull`: fetch an image (pull.ts does the transfer) and name it: the tag, plus the repository
// digest the registry gave (docker's RepoDigests). A tag that moves leaves the image it named
// behind as untagged (dangling) unless another name holds it.
import { lookupCredentials, type Credentials } from '../auth/index.ts';
import { pull } from '../pull.ts';
import { pullAndUnpack } from '../pullunpack.ts';
import { quietProgress, type Progress } from '../progress.ts';
import { formatReference, parseReference, repositoryName } from '../reference.ts';
import { RegistryClient } from '../registry/client.ts';
import { readRegistriesConfig, type RegistriesConfig } from '../registry/config.ts';
import type { ImageStore } from '../store/open.ts';
import { setName } from './records.ts';

export interface RegistryAccess {
  /** A login to use instead of the stored ones. */
  credentials?: Credentials | null;
  /** berth's login store (default: berthAuthFilePath(), i.e. $BERTH_AUTH_FILE or /etc/berth/auth.json for root). */
  authFile?: string;
  /** docker's config.json to consult after berth's store; false to skip. */
  dockerConfig?: string | false;
  registries?: RegistriesConfig;
}

export interface PullImageOptions extends RegistryAccess {
  /** `os/arch[/variant]`; default the host's. */
  platform?: string;
  progress?: Progress;
  /** Pull every tag of the repository (`pull -a`). */
  allTags?: boolean;
  /** Unpack the layers into snapshots while they download, as docker's pull does (default
   * false: the engine unpacks on first use). */
  unpack?: boolean;
}

export interface PulledImage {
  /** The normalised reference pulled (docker prints it last). */
  reference: string;
  /** What the registry resolved it to (index or manifest digest). */
  digest: string;
  /** Image ID (config digest). */
  id: string;
  /** True when the name already pointed at this digest. */
  upToDate: boolean;
}

export function registryClient(domain: string, access: RegistryAccess): RegistryClient {
  const credentials = access.credentials !== undefined
    ? access.credentials
    : () => lookupCredentials(domain, { authFile: access.authFile, dockerConfig: access.dockerConfig });
  return new RegistryClient({ domain, credentials, registries: access.registries });
}

/** Rewrites pull.ts's closing status the way docker words it when nothing changed. */
function statusRewriter(inner: Progress, upToDate: () => boolean): Progress {
  return {
    emit(e) {
      if (e.type === 'status' && e.message.startsWith('Status: Downloaded newer image for ') && upToDate()) {
        inner.emit({ type: 'status', message: e.message.replace('Downloaded newer image', 'Image is up to date') });
        return;
      }
      inner.emit(e);
    },
    close() { inner.close(); },
  };
}

async function pullOne(store: ImageStore, ref: string, client: RegistryClient, opts: PullImageOptions): Promise<PulledImage> {
  const r = parseReference(ref);
  const name = formatReference(r);
  const before = store.metadata.get(name);
  let upToDate = false;
  const progress = statusRewriter(opts.progress ?? quietProgress, () => upToDate);
  const watch: Progress = {
    emit(e) {
      if (e.type === 'status' && e.message.startsWith('Digest: ')) upToDate = before?.target.digest === e.message.slice(8);
      progress.emit(e);
    },
    close() { progress.close(); },
  };
  const common = { platform: opts.platform, client, progress: watch };
  const res = opts.unpack ? await pullAndUnpack(r, { ...common, store }) : await pull(r, { ...common, store: store.content });
  const target = { target: { mediaType: res.mediaType, digest: res.digest, size: res.size }, manifestDigest: res.manifestDigest, configDigest: res.configDigest, platform: res.platform };
  const repo = repositoryName(r);
  if (r.tag !== undefined && r.digest === undefined) setName(store, `${repo}:${r.tag}`, target);
  setName(store, `${repo}@${res.digest}`, target);
  return { reference: name, digest: res.digest, id: res.configDigest, upToDate };
}

/** Pulls `ref` (or, with allTags, every tag of its repository) into the store and names it. */
export async function pullImage(store: ImageStore, ref: string, opts: PullImageOptions = {}): Promise<PulledImage[]> {
  const r = parseReference(ref, { defaultTag: !opts.allTags });
  const client = registryClient(r.domain, opts);
  if (!opts.allTags) {
    // Mirrors of the registry first (the image keeps its own name), the registry itself last.
    const registries = opts.registries ?? readRegistriesConfig();
    for (const mirror of registries.mirrors?.[r.domain] ?? []) {
      try {
        return [await pullOne(store, ref, registryClient(mirror, { ...opts, registries, credentials: opts.credentials === undefined ? undefined : null }), opts)];
      } catch (e) {
        opts.progress?.emit({ type: 'status', message: `mirror ${mirror} failed (${(e as Error).message}): trying the next source` });
      }
    }
    return [await pullOne(store, ref, client, opts)];
  }
  const repo = repositoryName(r);
  const tags = (await client.listTags(r.path)).sort();
  const out: PulledImage[] = [];
  for (const t of tags) out.push(await pullOne(store, `${repo}:${t}`, client, opts));
  return out;
}
