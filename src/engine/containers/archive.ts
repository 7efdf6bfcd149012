// docker's archive endpoints (what `docker cp` uses through the API): a path inside the
// container as a tar stream (GET), its stat (HEAD), and a tar stream extracted into a directory
// inside it (PUT). Paths resolve inside the container's root (symlinks cannot lead out); GNU tar
// keeps owners, modes and extended attributes.
import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type { EngineCore } from '../core.ts';
import { resolveIn } from '../copy.ts';
import { EngineError, NoSuchPathError } from '../errors.ts';
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

/** PUT: extracts the tar from `input` into the directory `path` inside the container (what it
 * holds replaces what is there, as GNU tar does; docker's noOverwriteDirNonDir is not checked). */
export async function archivePut(core: EngineCore, ref: string, path: string, input: Readable): Promise<void> {
  const { host } = statPath(core, ref, path);
  if (!statSync(host).isDirectory()) throw new EngineError(`extraction point is not a directory: ${path}`);
  const { tar, done } = run(['--numeric-owner', '--xattrs', '--xattrs-include=*', '--no-same-permissions', '-C', host, '-xf', '-'], 'pipe', 'ignore');
  input.pipe(tar.stdin!);
  tar.stdin!.on('error', () => { /* tar ended early: its status says why */ });
  input.on('error', () => tar.kill());
  await done;
}
