// docker cp and export. A running container is seen through its init's /proc/<pid>/root
// (volumes included); a stopped one through its root filesystem. export archives the rootfs
// (its overlay: image layers plus what the container changed; no volumes, no /proc) with GNU
// tar (numeric owners, extended attributes, sparse files, hard links).
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { EngineCore } from '../core.ts';
import { copyTree, resolveIn } from '../copy.ts';
import { EngineError } from '../errors.ts';
import { isMounted } from '../rootfs.ts';

/** The container's root as this host sees it. */
export function containerRoot(core: EngineCore, ref: string): string {
  const rec = core.get(ref);
  return rec.state.status === 'running' && rec.state.pid ? `/proc/${rec.state.pid}/root` : join(core.dir(rec.id), 'rootfs');
}

/** Where `from` lands when copied to `to`: inside it when it is a directory (docker cp's rule). */
function targetOf(from: string, to: string): string {
  return statSync(to, { throwIfNoEntry: false })?.isDirectory() ? join(to, basename(from)) : to;
}

/** Copies `path` (inside the container) to `hostPath`. */
export function copyFrom(core: EngineCore, ref: string, path: string, hostPath: string): void {
  const from = resolveIn(containerRoot(core, ref), path);
  if (!existsSync(from)) throw new EngineError(`Could not find the file ${path} in container ${ref}`);
  copyTree(from, targetOf(from, resolve(hostPath)));
}

/** Copies `hostPath` to `path` inside the container. */
export function copyTo(core: EngineCore, ref: string, hostPath: string, path: string): void {
  const from = resolve(hostPath);
  if (!existsSync(from)) throw new EngineError(`lstat ${from}: no such file or directory`);
  const target = targetOf(from, resolveIn(containerRoot(core, ref), path));
  if (!existsSync(dirname(target))) throw new EngineError(`Could not find the file ${dirname(path)} in container ${ref}`);
  copyTree(from, target);
}

export interface ExportStream {
  /** The tar stream (null when written to a file). */
  stream: Readable | null;
  /** Settles when tar has finished (rejects with tar's complaint). */
  done: Promise<void>;
}

/** The container's filesystem as a tar archive: into `file`, or as a stream. */
export function exportContainer(core: EngineCore, ref: string, file?: string): ExportStream {
  const rec = core.get(ref);
  const rootfs = join(core.dir(rec.id), 'rootfs');
  if (!isMounted(rootfs)) throw new EngineError(`the filesystem of container ${rec.id} is not mounted`);
  const args = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--sparse', '-C', rootfs, '-cf', file ? resolve(file) : '-', '.'];
  const tar = spawn('tar', args, { stdio: ['ignore', file ? 'ignore' : 'pipe', 'pipe'] });
  let err = '';
  tar.stderr!.on('data', (d) => { err += d; });
  const done = new Promise<void>((res, rej) => {
    tar.on('error', rej);
    tar.on('close', (c, sig) => {
      if (c === 0) res();
      else rej(new EngineError(`exporting ${rec.name}: tar ${sig ?? `exited ${c}`}${err.trim() ? `: ${err.trim()}` : ''}`));
    });
  });
  return { stream: tar.stdout, done };
}
