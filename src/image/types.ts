// OCI image-spec and Docker schema2 data types, as they appear on the wire and on disk.
// Field names follow the specs exactly (JSON is parsed straight into these shapes).

// ── media types ──
export const MEDIA_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const MEDIA_OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const MEDIA_OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const MEDIA_OCI_LAYER_NONDIST = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const MEDIA_OCI_LAYER_NONDIST_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const MEDIA_OCI_LAYER_NONDIST_ZSTD = 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';
export const MEDIA_OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

export const MEDIA_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_DOCKER_MANIFEST_V1 = 'application/vnd.docker.distribution.manifest.v1+json';
export const MEDIA_DOCKER_MANIFEST_V1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
export const MEDIA_DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const MEDIA_DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
export const MEDIA_DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const MEDIA_DOCKER_LAYER_FOREIGN_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

/** The annotation that names an image inside an OCI layout's index.json. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
/** containerd's annotation carrying the full image name (used by `ctr export` / nerdctl). */
export const ANNOTATION_CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';

export function isIndexMediaType(t: string | undefined): boolean {
  return t === MEDIA_OCI_INDEX || t === MEDIA_DOCKER_MANIFEST_LIST;
}
export function isManifestMediaType(t: string | undefined): boolean {
  return t === MEDIA_OCI_MANIFEST || t === MEDIA_DOCKER_MANIFEST;
}
export function isConfigMediaType(t: string | undefined): boolean {
  return t === MEDIA_OCI_CONFIG || t === MEDIA_DOCKER_CONFIG;
}
export function isLayerMediaType(t: string | undefined): boolean {
  return t !== undefined && (t.startsWith('application/vnd.oci.image.layer.') || t.startsWith('application/vnd.docker.image.rootfs.'));
}

/** Compression of a layer as told by its media type (magic bytes decide when this says unknown). */
export type Compression = 'none' | 'gzip' | 'zstd' | 'unknown';

export function layerCompression(mediaType: string | undefined): Compression {
  if (!mediaType) return 'unknown';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('.tar')) return 'none';
  return 'unknown';
}

// ── content ──
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  artifactType?: string;
  platform?: Platform;
}

/** OCI image manifest or Docker schema2 manifest (same shape). */
export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** OCI image index or Docker manifest list (same shape). */
export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The `config` member of an image config (execution defaults). Docker adds fields OCI lacks. */
export interface ImageRunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
  StopTimeout?: number;
}

export interface HistoryEntry {
  created?: string;
  author?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ImageRunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}

/** The `oci-layout` file of an image layout. */
export interface OciLayoutFile {
  imageLayoutVersion: '1.0.0';
}

/** One entry of a docker-archive's manifest.json (`docker save`). */
export interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  Parent?: string;
  LayerSources?: Record<string, Descriptor>;
}

/** The platform this process runs on, in OCI terms. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const p: Platform = { os: 'linux', architecture: arch[process.arch] ?? process.arch };
  if (process.arch === 'arm64') p.variant = 'v8';
  return p;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
/** True for a well-formed sha256 digest (the only algorithm berth stores). */
export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** docker's short ID of a digest: its first 12 hex characters (image IDs, layer progress ids). */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
