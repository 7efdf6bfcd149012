// Resolving a path inside a container root filesystem from the host, the way the container would
// see it: symlinks are followed but clamped to the root (an absolute target restarts at the
// root, ".." stops at it), so an image's /etc/passwd -> /host/file cannot make us read the host's.
import { lstatSync, readlinkSync } from 'node:fs';

export class RootPathError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'RootPathError';
    this.path = path;
  }
}

/** The host path of `path` inside `root`; the last component need not exist. */
export function resolveInRoot(root: string, path: string): string {
  const done: string[] = [];
  let todo = path.split('/').filter((p) => p && p !== '.');
  let links = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '..') { done.pop(); continue; }
    const host = `${root}/${[...done, part].join('/')}`;
    const st = lstatSync(host, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      if (++links > 40) throw new RootPathError(path, 'too many levels of symbolic links');
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter((p) => p && p !== '.'), ...todo];
      continue;
    }
    done.push(part);
  }
  return `${root}/${done.join('/')}`.replace(/\/+$/, '') || root;
}
