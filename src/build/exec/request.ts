// What a build is asked (the fronts' translation of docker's flags) and what it answers.
import type { CacheExport, CacheImport, PullPolicy } from '../../engine/index.ts';

export interface BuildRequest {
  contextDir: string;
  dockerfile: string;
  /** As shown in errors (e.g. Dockerfile, sub/Dockerfile.dev). */
  dockerfileName: string;
  /** Host path of the Dockerfile (for <Dockerfile>.dockerignore). */
  dockerfilePath?: string;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: PullPolicy;
  labels: Record<string, string>;
  /** --secret id → host file. */
  secrets: Record<string, string>;
  network?: 'default' | 'none' | 'host';
  /** --output: where the result goes besides the store (default: the store only). */
  output?: BuildOutput;
  /** --cache-from (type=local,src=DIR; type=registry,ref=REF) / --cache-to (type=local,dest=DIR;
   * type=registry,ref=REF; type=inline). */
  cacheFrom?: CacheImport[];
  cacheTo?: CacheExport;
  /** --ssh ID[=SOCKET]: agent sockets RUN --mount=type=ssh may use. */
  ssh?: Record<string, string>;
  /** --allow security.insecure: RUN --security=insecure runs privileged. */
  allowInsecure?: boolean;
  /** Cancels the build (Ctrl-C): a running RUN is killed and everything made so far removed. */
  signal?: AbortSignal;
  /** --add-host name:ip entries for every RUN's /etc/hosts; --shm-size for its /dev/shm. */
  extraHosts?: string[];
  shmSize?: number;
  /** --platform os/arch[/variant]: the target platform (default: the host's). */
  platform?: string;
  /** --push (or --output type=registry): each tag is pushed after the build. */
  push?: boolean;
}

/** docker's --cache-from/--cache-to CSV: type=local (src= or dest=), type=registry (ref=),
 * type=inline (--cache-to only); a bare --cache-from REF is a registry reference, as docker's. */
export function parseCacheOption(spec: string, flag: '--cache-from'): CacheImport;
export function parseCacheOption(spec: string, flag: '--cache-to'): CacheExport;
export function parseCacheOption(spec: string, flag: '--cache-from' | '--cache-to'): CacheImport | CacheExport {
  if (flag === '--cache-from' && !spec.includes('=')) return { type: 'registry', ref: spec };
  const f = Object.fromEntries(spec.split(',').map((x) => { const i = x.indexOf('='); return i < 0 ? [x, ''] : [x.slice(0, i), x.slice(i + 1)]; }));
  const type = f.type ?? '';
  // mode=max (every stage's records, berth's default) or min (the image's own chain).
  if (f.mode !== undefined && f.mode !== 'min' && f.mode !== 'max') throw new BuildFailure(`${flag} ${spec}: mode=${f.mode}: expected min or max`);
  const mode = flag === '--cache-to' && f.mode ? { mode: f.mode as 'min' | 'max' } : {};
  if (type === 'local') {
    const dir = flag === '--cache-from' ? f.src : f.dest;
    if (!dir) throw new BuildFailure(`${flag} ${spec}: ${flag === '--cache-from' ? 'src' : 'dest'}= is required`);
    return flag === '--cache-from' ? { type, src: dir } : { type, dest: dir, ...mode };
  }
  if (type === 'registry') {
    if (!f.ref) throw new BuildFailure(`${flag} ${spec}: ref= is required`);
    return { type, ref: f.ref, ...mode };
  }
  if (type === 'inline' && flag === '--cache-to') return { type };
  throw new BuildFailure(`${flag} ${spec}: unsupported cache type "${type}" (${flag === '--cache-to' ? 'local, registry, inline' : 'local, registry'})`);
}

export type BuildOutput =
  | { type: 'image'; push?: boolean; compression?: 'gzip' | 'zstd' }
  | { type: 'docker' | 'oci'; dest: string; tar: boolean }
  | { type: 'local' | 'tar'; dest: string };

/** docker's --output CSV (type=...,dest=...) or a bare destination directory (type=local). */
export function parseOutput(spec: string): BuildOutput {
  // `-o -`: a tar of the result on stdout (the front writes it there).
  if (!spec.includes('=')) return spec === '-' ? { type: 'tar', dest: '-' } : { type: 'local', dest: spec };
  const f = Object.fromEntries(spec.split(',').map((x) => { const i = x.indexOf('='); return i < 0 ? [x, 'true'] : [x.slice(0, i), x.slice(i + 1)]; }));
  const type = f.type ?? 'local';
  if (type === 'image' || type === 'registry') {
    const c = f.compression;
    if (c !== undefined && c !== 'gzip' && c !== 'zstd') throw new BuildFailure(`--output ${spec}: compression=${c}: expected gzip or zstd`);
    return { type: 'image', ...(type === 'registry' || f.push === 'true' ? { push: true } : {}), ...(c ? { compression: c as 'gzip' | 'zstd' } : {}) };
  }
  if (!f.dest) throw new BuildFailure(`--output ${spec}: dest= is required for type=${type}`);
  if (type === 'docker' || type === 'oci') return { type, dest: f.dest, tar: f.tar !== 'false' };
  if (type === 'local' && f.dest === '-') return { type: 'tar', dest: '-' };
  if (type === 'local' || type === 'tar') return { type, dest: f.dest };
  throw new BuildFailure(`--output ${spec}: unsupported type "${type}" (image, docker, oci, local, tar)`);
}

export interface BuildResult { id: string; manifestDigest: string; warnings: string[] }

export class BuildFailure extends Error {
  override name = 'BuildFailure';
  exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

