// berth cp: paths inside a container resolved without ever leaving its root (symlinks are
// followed relative to the container's root, ".." stops at it), then copied with symlinks kept
// as symlinks and, towards the container, existing symlinks replaced rather than followed.
import { copyFileSync, chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { join, posix } from 'node:path';
import { EngineError } from './errors.ts';

/** Host path of `path` inside `root`, following symlinks as the container would see them. */
export function resolveIn(root: string, path: string, followLast = true): string {
  let parts = posix.normalize(`/${path}`).split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (parts.length) {
    const p = parts.shift()!;
    if (p === '.') continue;
    if (p === '..') { done.pop(); continue; }
    const host = join(root, ...done, p);
    let st;
    try { st = lstatSync(host); } catch { done.push(p, ...parts); break; }
    if (st.isSymbolicLink() && (followLast || parts.length)) {
      if (++links > 40) throw new EngineError(`too many levels of symbolic links: ${path}`);
      const target = readlinkSync(host);
      parts = [...target.split('/').filter(Boolean), ...parts];
      if (target.startsWith('/')) done.length = 0;
      continue;
    }
    done.push(p);
  }
  return join(root, ...done);
}

/** Copies src (a host path) to dst (a host path) without following symlinks in either tree;
 * what is at dst is replaced, never written through. */
export function copyTree(src: string, dst: string): void {
  const st = lstatSync(src);
  let existing;
  try { existing = lstatSync(dst); } catch { existing = null; }
  if (existing && (!existing.isDirectory() || !st.isDirectory())) rmSync(dst, { recursive: true, force: true });
  if (st.isDirectory()) {
    if (!existing || !existing.isDirectory()) mkdirSync(dst);
    for (const e of readdirSync(src)) copyTree(join(src, e), join(dst, e));
    chmodSync(dst, st.mode & 0o7777);
  } else if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
  } else if (st.isFile()) {
    copyFileSync(src, dst);
    chmodSync(dst, st.mode & 0o7777);
  } else {
    return; // devices, sockets, fifos: skipped as docker cp's tar would need privileges for
  }
  try { lchownSync(dst, st.uid, st.gid); } catch { /* not root: keep ours */ }
  if (!st.isSymbolicLink()) utimesSync(dst, st.atime, st.mtime);
}
