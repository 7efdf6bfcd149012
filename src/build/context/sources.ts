// COPY/ADD sources: the paths (wildcards allowed) resolved inside a root (the build context, or a
// stage's files), walked into entries relative to the destination, with .dockerignore and
// --exclude applied, and a content hash of everything read (path, type, mode, owner, size, link
// target, content) for the cache key. Reading only; the engine writes.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Dirent, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { isIgnored, parseIgnoreFile, type IgnorePattern } from './ignore.ts';

export interface SourceEntry {
  src?: string;
  content?: string;
  rel: string;
  type: 'file' | 'dir' | 'symlink';
  single?: boolean;
  /** Fetched from a URL (ADD): never unpacked. */
  remote?: boolean;
}

export class SourceError extends Error {
  override name = 'SourceError';
}

const WILDCARD = /[*?[]/;

function kind(st: Stats): SourceEntry['type'] {
  return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
}

/** Every path under `root` (relative, '/'-separated) not ignored, parents before children, with
 * its type from the directory entry (no stat per file; one only where the file system gives none). */
function walk(root: string, rel: string, ignored: (p: string) => boolean, out: string[], types?: Map<string, SourceEntry['type']>): void {
  let ents: Dirent[];
  try { ents = readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); } catch { return; }
  for (const d of ents) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    const type = d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'symlink' : d.isFile() ? 'file' : kind(lstatSync(join(root, p)));
    if (!ignored(p)) { out.push(p); types?.set(p, type); }
    // An ignored directory may still hold re-included (`!`) paths.
    if (type === 'dir') walk(root, p, ignored, out, types);
  }
}

function globToRegex(pattern: string): RegExp {
  return parseIgnoreFile(pattern)[0].re;
}

export interface ResolveOptions {
  ignore?: IgnorePattern[];
  excludes?: string[];
  /** Name sources by their full path below the root (COPY --parents). */
  parents?: boolean;
}

export function resolveSources(root: string, sources: string[], opts: ResolveOptions = {}): SourceEntry[] {
  const excl = (opts.excludes ?? []).length ? parseIgnoreFile(opts.excludes!.join('\n')) : [];
  const ignored = (p: string) => (opts.ignore ? isIgnored(p, opts.ignore) : false) || (excl.length ? isIgnored(p, excl) : false);
  let all: string[] | undefined;
  const items: string[] = [];
  for (const s of sources) {
    const clean = posix.normalize(`/${s}`).slice(1).replace(/\/$/, '');
    if (WILDCARD.test(clean)) {
      all ??= (() => { const o: string[] = []; walk(root, '', ignored, o); return o; })();
      const re = globToRegex(clean);
      const hits = all.filter((p) => re.test(p));
      if (!hits.length) throw new SourceError(`no source files were specified: "${s}" matched nothing`);
      items.push(...hits);
    } else {
      if (clean && ignored(clean)) throw new SourceError(`"${s}": not found (excluded by .dockerignore or --exclude)`);
      try { lstatSync(join(root, clean)); } catch { throw new SourceError(`"${s}": not found`); }
      items.push(clean);
    }
  }
  const entries: SourceEntry[] = [];
  for (const item of items) {
    // Named sources (and wildcard matches) are followed when they are symlinks, as docker does;
    // links inside a copied directory are kept as links.
    const host = followInRoot(root, item);
    const st = lstatSync(host);
    const base = opts.parents ? item : posix.basename(item);
    if (!st.isDirectory()) {
      entries.push({ src: host, rel: base, type: kind(st), single: items.length === 1 && !opts.parents });
      continue;
    }
    const below: string[] = [];
    const types = new Map<string, SourceEntry['type']>();
    // --exclude patterns also apply relative to the directory being copied.
    walk(host, '', (p) => ignored(item ? `${item}/${p}` : p) || (excl.length > 0 && isIgnored(p, excl)), below, types);
    const prefix = opts.parents && item ? `${item}/` : '';
    if (prefix) entries.push({ src: host, rel: item, type: 'dir' });
    for (const p of below) entries.push({ src: join(host, p), rel: `${prefix}${p}`, type: types.get(p)! });
  }
  return entries;
}

/** Host path of `rel` with symlinks along it followed without leaving `root`. */
function followInRoot(root: string, rel: string): string {
  let parts = rel.split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; parts.length;) {
    const p = parts.shift()!;
    if (p === '..') { done.pop(); continue; }
    if (p === '.') continue;
    const host = join(root, ...done, p);
    let st;
    try { st = lstatSync(host); } catch { throw new SourceError(`"${rel}": not found`); }
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw new SourceError(`"${rel}": too many levels of symbolic links`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      parts = [...target.split('/').filter(Boolean), ...parts];
      continue;
    }
    done.push(p);
  }
  return join(root, ...done);
}

/** The content hash of what a COPY reads: changes to a file's bytes, mode, owner or type (not
 * its modification time) change it. */
export function hashEntries(entries: SourceEntry[]): string {
  const h = createHash('sha256');
  for (const e of [...entries].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    h.update(`${e.rel}\0${e.type}\0${e.single ? 1 : 0}\0`);
    if (e.content !== undefined) { h.update(`inline\0${e.content}\0`); continue; }
    const st = lstatSync(e.src!);
    h.update(`${st.mode}\0${st.uid}:${st.gid}\0${st.size}\0`);
    if (e.type === 'symlink') h.update(readlinkSync(e.src!));
    else if (e.type === 'file') h.update(createHash('sha256').update(readFileSync(e.src!)).digest());
    h.update('\0');
  }
  return `sha256:${h.digest('hex')}`;
}

/** The context's .dockerignore (or <Dockerfile>.dockerignore beside the Dockerfile, which wins). */
export function readIgnore(contextDir: string, dockerfilePath?: string): IgnorePattern[] {
  for (const p of [dockerfilePath ? `${dockerfilePath}.dockerignore` : '', join(contextDir, '.dockerignore')]) {
    if (!p) continue;
    let text: string;
    try { text = readFileSync(p, 'utf8'); } catch { continue; }
    return parseIgnoreFile(text);
  }
  return [];
}
