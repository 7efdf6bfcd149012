// docker's archive endpoints (what `docker cp` uses through the API): a path inside the
// container as a tar stream (GET), its stat (HEAD), and a tar stream extracted into a directory
// inside it (PUT). Paths resolve inside the container's root (symlinks cannot lead out); GNU tar
// keeps owners, modes and extended attributes.
import { spawn } from 'node:child_process';
import { lchownSync, lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { TarParser } from '../../image/tar/index.ts';
import type { EngineCore } from '../core.ts';
import { resolveIn } from '../copy.ts';
import { EngineError, NoSuchPathError, PathTypeConflictError } from '../errors.ts';
import { containerRoot } from './copy-export.ts';

/** docker's PathStat (X-Docker-Container-Path-Stat): mode in Go's os.FileMode bits. */
export interface PathStat { name: string; size: number; mode: number; mtime: string; linkTarget: string }

// Go's os.FileMode type bits, as docker's clients decode them.
const GO_DIR = 2 ** 31, GO_SYMLINK = 2 ** 27, GO_NAMED_PIPE = 2 ** 25, GO_SOCKET = 2 ** 24, GO_DEVICE = 2 ** 26, GO_CHAR = 2 ** 21;

function goMode(st: Stats): number {
  let m = Number(st.mode) & 0o777;
  if (st.isDirectory()) m += GO_DIR;
  else if (st.isSymbolicLink()) m += GO_SYMLINK;
  else if (st.isFIFO()) m += GO_NAMED_PIPE;
  else if (st.isSocket()) m += GO_SOCKET;
  else if (st.isCharacterDevice()) m += GO_DEVICE + GO_CHAR;
  else if (st.isBlockDevice()) m += GO_DEVICE;
  return m;
}

/** The host path of `path` inside the container (its last component not followed) and stat. */
export function statPath(core: EngineCore, ref: string, path: string): { host: string; stat: PathStat } {
  const host = resolveIn(containerRoot(core, ref), path, false);
  let st: Stats;
  try { st = lstatSync(host); } catch { throw new NoSuchPathError(ref, path); }
  return { host, stat: { name: basename(path) || '/', size: Number(st.size), mode: goMode(st), mtime: st.mtime.toISOString(), linkTarget: st.isSymbolicLink() ? readlinkSync(host) : '' } };
}

export interface ArchiveStream { stat: PathStat; stream: Readable; done: Promise<void> }

function run(args: string[], stdin: 'ignore' | 'pipe', stdout: 'ignore' | 'pipe') {
  const tar = spawn('tar', args, { stdio: [stdin, stdout, 'pipe'] });
  let err = '';
  tar.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2048); });
  const done = new Promise<void>((resolve, reject) => {
    tar.on('error', (e) => reject(new EngineError(`tar: ${e.message}`)));
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new EngineError(`tar: ${err.trim() || `exit status ${code}`}`))));
  });
  done.catch(() => {});
  return { tar, done };
}

/** GET: `path` as a tar whose single top entry is the path's own name (docker's shape). */
export function archiveGet(core: EngineCore, ref: string, path: string): ArchiveStream {
  const { host, stat } = statPath(core, ref, path);
  const { tar, done } = run(['--numeric-owner', '--xattrs', '--xattrs-include=*', '-C', dirname(host), '-cf', '-', basename(host)], 'ignore', 'pipe');
  return { stat, stream: tar.stdout!, done };
}

export interface ExtractOptions {
  /** docker's noOverwriteDirNonDir: an entry that would replace a directory with a
   * non-directory, or a non-directory with a directory, stops the extraction (an error). */
  noOverwriteDirNonDir?: boolean;
  /** docker's copyUIDGID (docker cp -a): what is extracted belongs to the container's user
   * (its config's, when it has one; else the archive's owners stay). */
  copyUIDGID?: boolean;
}

/** PUT: extracts the tar from `input` into the directory `path` inside the container (what it
 * holds replaces what is there, as GNU tar does, unless noOverwriteDirNonDir forbids a change
 * of type: then, much as docker's, what came before the read that held the first such entry is
 * extracted, and it is an error). */
export async function archivePut(core: EngineCore, ref: string, path: string, input: Readable, opts: ExtractOptions = {}): Promise<void> {
  const { host } = statPath(core, ref, path);
  if (!statSync(host).isDirectory()) throw new EngineError(`extraction point is not a directory: ${path}`);
  const rec = opts.copyUIDGID ? core.get(ref) : undefined;
  const owner = rec?.config.user ? core.userOf(rec) : undefined;
  const { tar, done } = run(['--numeric-owner', '--xattrs', '--xattrs-include=*', '--no-same-permissions', '-C', host, '-xf', '-'], 'pipe', 'ignore');
  let conflict: PathTypeConflictError | undefined;
  const extracted: string[] = [];
  const check = (rel: string, type: string): PathTypeConflictError | undefined => {
    if (owner) extracted.push(rel);
    if (!opts.noOverwriteDirNonDir) return undefined;
    let isDir: boolean;
    try { isDir = lstatSync(join(host, rel)).isDirectory(); } catch { return undefined; /* nothing there yet */ }
    const inside = posix.join(path, rel);
    if (isDir && type !== 'dir') return new PathTypeConflictError(`cannot overwrite directory "${inside}" with non-directory "${rel}"`);
    if (!isDir && type === 'dir') return new PathTypeConflictError(`cannot overwrite non-directory "${inside}" with directory "${rel}"`);
    return undefined;
  };
  const source = opts.noOverwriteDirNonDir || owner ? input.pipe(headerTap(check, (e) => { conflict = e; tar.kill(); })) : input;
  source.pipe(tar.stdin!);
  tar.stdin!.on('error', () => { /* tar ended early: its status says why */ });
  input.on('error', () => tar.kill());
  try {
    await done;
  } catch (e) {
    throw conflict ?? e;
  }
  if (conflict) throw conflict;
  for (const rel of owner ? extracted : []) {
    try { lchownSync(join(host, rel), owner!.uid, owner!.gid); } catch { /* gone meanwhile */ }
  }
}

/** Passes the archive on while reading its headers: `check` sees each entry (its path relative
 * to the extraction point) and may return an error, which stops it (before the chunk holding
 * that header reaches tar). */
function headerTap(check: (rel: string, type: string) => PathTypeConflictError | undefined, onConflict: (e: PathTypeConflictError) => void): Transform {
  let conflict: PathTypeConflictError | undefined;
  const parser = new TarParser({
    entry: (e) => { if (!conflict) conflict = check(posix.normalize(`/${e.name}`).slice(1), e.type); },
    data: () => {},
    entryEnd: () => {},
  });
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      // A malformed archive is tar's to report.
      if (!conflict) { try { parser.push(chunk); } catch { /* see tar's status */ } }
      if (conflict) { onConflict(conflict); cb(); return; }
      cb(null, chunk);
    },
  });
}
