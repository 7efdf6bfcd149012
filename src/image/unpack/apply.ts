// Applies tar entries to a directory, synchronously, one entry at a time, as a TarHandler.
// Safety: names are cleaned lexically and may not climb out; no path component is ever
// followed through a symlink (every parent is lstat-checked once and remembered); hard links
// must point at something inside the layer directory; nothing is preallocated from a header.
// Speed: regular files take open(O_CREAT|O_EXCL, mode) + write + futimes + close (+ fchown
// only when the owner differs from ours, fchmod only when the umask masked the mode); directory
// times are set once, at the end.
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, readdirSync, rmSync, chmodSync, symlinkSync, unlinkSync, utimesSync, writeSync, type Stats } from 'node:fs';
import type { TarEntry } from '../tar/entry.ts';
import type { TarHandler } from '../tar/reader.ts';
import { HostileLayerError, UnpackError } from './errors.ts';
import { runSysOps, type SysOp } from './sysops.ts';
import { isOverlayXattr, overlayXattrPrefix } from '../snapshots/overlay-xattrs.ts';

export type WhiteoutMode = 'overlay' | 'apply';

export interface ApplyOptions {
  /** 'overlay': whiteouts become overlayfs whiteouts (char 0/0, trusted.overlay.opaque=y, or
   * user.overlay.opaque=y in a user namespace: snapshots/overlay-xattrs.ts), for an
   * empty layer directory. 'apply': whiteouts delete from the directory (which holds the layers below). */
  whiteouts: WhiteoutMode;
  /** Device nodes in layers (default true); when false a device entry is an error. */
  allowDevices: boolean;
  /** chown entries to their tar uid/gid (default: when running as root). */
  preserveOwners: boolean;
  /** The process umask. It is never changed (worker threads cannot, and other code in the
   * process creates files meanwhile): a mode it would mask is set again with fchmod/chmod. */
  umask: number;
}

const WH_PREFIX = '.wh.';
const WH_OPAQUE = '.wh..wh..opq';
const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** Lexically cleans a tar name into a path relative to the layer root ('' is the root). */
export function cleanName(name: string): string {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (!parts.length) throw new HostileLayerError(name, 'path climbs out of the layer directory');
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

export class LayerApplier implements TarHandler {
  readonly root: string;
  readonly #o: ApplyOptions;
  readonly #uid = process.geteuid?.() ?? 0;
  readonly #gid = process.getegid?.() ?? 0;
  readonly #isRoot: boolean;
  /** Directories known to be real directories inside the layer (no symlink on the way). */
  #safe = new Set<string>(['']);
  /** Setgid directories: files created in them inherit the directory's group. */
  #sgid = new Set<string>();
  /** Paths this layer created (the opaque whiteout in 'apply' mode keeps these). */
  #created = new Set<string>();
  #dirTimes = new Map<string, { atime: number; mtime: number; mode?: number }>();
  #pending: SysOp[] = [];
  #pendingPaths = new Set<string>();
  #fd = -1;
  /** The open file's mode was masked by the umask at open: fchmod it at the end. */
  #fdMasked = false;
  #cur: TarEntry | null = null;
  #curRel = '';
  entries = 0;

  constructor(root: string, opts: ApplyOptions) {
    this.root = root;
    this.#o = opts;
    this.#isRoot = this.#uid === 0;
  }

  #abs(rel: string): string {
    return rel ? `${this.root}/${rel}` : this.root;
  }

  entry(e: TarEntry): void {
    this.entries++;
    this.#cur = e;
    const rel = cleanName(e.name);
    this.#curRel = rel;
    const base = baseOf(rel);
    if (base.startsWith(WH_PREFIX)) return this.#whiteout(e, rel, base);
    // A special file queued for this very path must exist before this entry replaces it.
    if (this.#pendingPaths.has(rel)) this.#flush();
    if (rel === '') {
      if (e.type !== 'dir') throw new HostileLayerError(e.name, `a ${e.type} entry cannot replace the layer root`);
      return this.#dir(e, rel);
    }
    this.#ensureDir(parentOf(rel), e.name);
    switch (e.type) {
      case 'file': case 'contiguous': return this.#file(e, rel);
      case 'dir': return this.#dir(e, rel);
      case 'symlink': return this.#symlink(e, rel);
      case 'link': return this.#hardlink(e, rel);
      case 'char': case 'block': case 'fifo': return this.#special(e, rel);
    }
  }

  data(chunk: Buffer): void {
    if (this.#fd < 0) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.#fd, chunk, off, chunk.length - off);
  }

  entryEnd(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    const e = this.#cur!;
    try {
      let chmod = this.#fdMasked;
      if (this.#needChown(e, this.#curRel)) {
        fchownSync(fd, e.uid, e.gid);
        if (e.mode & 0o6000) chmod = true; // chown cleared setuid/setgid
      }
      if (chmod) fchmodSync(fd, e.mode & 0o7777);
      futimesSync(fd, e.atime ?? e.mtime, e.mtime);
    } catch (err) {
      throw new UnpackError(e.name, (err as Error).message, errno(err));
    } finally {
      closeSync(fd);
    }
    this.#xattrs(e, this.#curRel);
  }

  /** Applies what was deferred: special files, xattrs, directory modes and times (after their children). */
  finish(): void {
    this.#flush();
    for (const [rel, t] of this.#dirTimes) {
      const p = this.#abs(rel);
      try {
        if (t.mode !== undefined) chmodSync(p, t.mode);
        utimesSync(p, t.atime, t.mtime);
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw new UnpackError(rel || '.', (err as Error).message, errno(err));
      }
    }
  }

  /** Closes anything open after a failure. */
  close(): void {
    if (this.#fd >= 0) { try { closeSync(this.#fd); } catch { /* ignore */ } this.#fd = -1; }
  }

  #needChown(e: TarEntry, rel: string): boolean {
    if (!this.#o.preserveOwners) return false;
    return e.uid !== this.#uid || e.gid !== this.#gid || this.#sgid.has(parentOf(rel));
  }

  #flush(): void {
    const ops = this.#pending;
    this.#pending = [];
    this.#pendingPaths.clear();
    runSysOps(this.root, ops);
  }

  /** Makes sure `rel` is a real directory inside the root, creating missing ones (mode 0755). */
  #ensureDir(rel: string, entryName: string): void {
    if (this.#safe.has(rel)) return;
    let prefix = '';
    for (const part of rel.split('/')) {
      prefix = prefix ? `${prefix}/${part}` : part;
      if (this.#safe.has(prefix)) continue;
      const p = this.#abs(prefix);
      let st: Stats | undefined;
      try { st = lstatSync(p, { throwIfNoEntry: false }); } catch (err) { throw new UnpackError(entryName, (err as Error).message, errno(err)); }
      if (st?.isDirectory()) {
        if (st.mode & 0o2000) this.#sgid.add(prefix);
      } else {
        if (st) {
          // A symlink or file where a directory must be. If this layer made it, writing through
          // it is what an attack looks like; if a lower layer did (apply mode), overlayfs would
          // show this layer's directory instead, so do the same.
          if (this.#created.has(prefix) || this.#o.whiteouts === 'overlay') {
            throw new HostileLayerError(entryName, `parent ${JSON.stringify(prefix)} is a ${st.isSymbolicLink() ? 'symlink' : 'non-directory'}; refusing to write through it`);
          }
          this.#remove(prefix);
        }
        try {
          mkdirSync(p, 0o755);
          if (this.#o.umask & 0o755) chmodSync(p, 0o755);
        } catch (err) { throw new UnpackError(entryName, `creating parent ${prefix}: ${(err as Error).message}`, errno(err)); }
        this.#created.add(prefix);
      }
      this.#safe.add(prefix);
    }
  }

  /** Removes whatever is at rel (never following a symlink). */
  #remove(rel: string): void {
    if (this.#pending.length) this.#flush();
    rmSync(this.#abs(rel), { recursive: true, force: true });
    // Anything we knew below it is gone.
    this.#safe = new Set(['']);
    this.#sgid.clear();
  }

  #file(e: TarEntry, rel: string): void {
    const p = this.#abs(rel);
    this.#created.add(rel);
    this.#fdMasked = (e.mode & 0o777 & this.#o.umask) !== 0;
    try {
      this.#fd = openSync(p, OPEN_FLAGS, e.mode);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw new UnpackError(e.name, (err as Error).message, errno(err));
      this.#remove(rel);
      try { this.#fd = openSync(p, OPEN_FLAGS, e.mode); } catch (err2) { throw new UnpackError(e.name, (err2 as Error).message, errno(err2)); }
    }
  }

  #dir(e: TarEntry, rel: string): void {
    const p = this.#abs(rel);
    const mode = e.mode & 0o7777;
    const createMode = this.#isRoot ? mode & 0o1777 : (mode | 0o700) & 0o1777;
    let fix = mode & 0o6000 ? true : (!this.#isRoot && (mode & 0o700) !== 0o700) || (createMode & this.#o.umask) !== 0;
    if (rel === '') fix = true;
    else {
      try {
        mkdirSync(p, createMode);
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw new UnpackError(e.name, (err as Error).message, errno(err));
        const st = lstatSync(p);
        if (!st.isDirectory()) { this.#remove(rel); mkdirSync(p, createMode); } else fix = true;
      }
    }
    this.#created.add(rel);
    this.#safe.add(rel);
    if (mode & 0o2000) this.#sgid.add(rel); else this.#sgid.delete(rel);
    if (this.#needChown(e, rel) || (rel === '' && this.#o.preserveOwners)) {
      try { lchownSync(p, e.uid, e.gid); } catch (err) { throw new UnpackError(e.name, (err as Error).message, errno(err)); }
    }
    this.#dirTimes.set(rel, { atime: e.atime ?? e.mtime, mtime: e.mtime, mode: fix ? mode : undefined });
    this.#xattrs(e, rel);
  }

  #symlink(e: TarEntry, rel: string): void {
    const p = this.#abs(rel);
    this.#created.add(rel);
    try {
      symlinkSync(e.linkname, p);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw new UnpackError(e.name, (err as Error).message, errno(err));
      this.#remove(rel);
      symlinkSync(e.linkname, p);
    }
    try {
      if (this.#needChown(e, rel)) lchownSync(p, e.uid, e.gid);
      lutimesSync(p, e.atime ?? e.mtime, e.mtime);
    } catch (err) { throw new UnpackError(e.name, (err as Error).message, errno(err)); }
    this.#xattrs(e, rel);
  }

  #hardlink(e: TarEntry, rel: string): void {
    const target = cleanName(e.linkname);
    if (target === '') throw new HostileLayerError(e.name, 'hard link to the layer root');
    // The target's parents must be real directories inside the layer: never resolve through a symlink.
    let prefix = '';
    for (const part of parentOf(target).split('/').filter(Boolean)) {
      prefix = prefix ? `${prefix}/${part}` : part;
      if (this.#safe.has(prefix)) continue;
      const st = lstatSync(this.#abs(prefix), { throwIfNoEntry: false });
      if (!st) throw new HostileLayerError(e.name, `hard link target ${JSON.stringify(e.linkname)} does not exist in this layer`);
      if (!st.isDirectory()) throw new HostileLayerError(e.name, `hard link target ${JSON.stringify(e.linkname)} goes through a non-directory ${JSON.stringify(prefix)}`);
      this.#safe.add(prefix);
    }
    if (this.#pendingPaths.has(target)) this.#flush();
    const tp = this.#abs(target);
    const st = lstatSync(tp, { throwIfNoEntry: false });
    if (!st) throw new HostileLayerError(e.name, `hard link target ${JSON.stringify(e.linkname)} does not exist in this layer`);
    if (st.isDirectory()) throw new HostileLayerError(e.name, `hard link target ${JSON.stringify(e.linkname)} is a directory`);
    const p = this.#abs(rel);
    this.#created.add(rel);
    try {
      linkSync(tp, p);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw new UnpackError(e.name, (err as Error).message, errno(err));
      const cur = lstatSync(p);
      if (cur.ino === st.ino && cur.dev === st.dev) return;
      this.#remove(rel);
      linkSync(tp, p);
    }
  }

  #special(e: TarEntry, rel: string): void {
    if (e.type !== 'fifo' && !this.#o.allowDevices) throw new HostileLayerError(e.name, `device nodes are not allowed (${e.type} ${e.devmajor}:${e.devminor})`);
    const p = this.#abs(rel);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) this.#remove(rel);
    this.#created.add(rel);
    const op: SysOp = {
      op: 'mknod', rel, entry: e.name, type: e.type === 'char' ? 'c' : e.type === 'block' ? 'b' : 'p',
      major: e.devmajor, minor: e.devminor, mode: e.mode, mtime: e.mtime, atime: e.atime ?? e.mtime,
    };
    if (this.#needChown(e, rel)) { op.uid = e.uid; op.gid = e.gid; }
    this.#pending.push(op);
    this.#pendingPaths.add(rel);
    this.#xattrs(e, rel);
  }

  #xattrs(e: TarEntry, rel: string): void {
    for (const [name, value] of e.xattrs) {
      // A layer must not forge overlayfs metadata (whiteouts, redirects, metacopy).
      if (isOverlayXattr(name)) continue;
      this.#pending.push({ op: 'setxattr', rel, entry: e.name, name, value });
    }
  }

  #whiteout(e: TarEntry, rel: string, base: string): void {
    const dir = parentOf(rel);
    if (base === WH_OPAQUE) {
      this.#ensureDir(dir, e.name);
      if (this.#o.whiteouts === 'overlay') {
        this.#pending.push({ op: 'setxattr', rel: dir, entry: e.name, name: `${overlayXattrPrefix()}opaque`, value: Buffer.from('y') });
      } else {
        // Hide everything the lower layers had here; keep what this layer already put there.
        for (const child of readdirSync(this.#abs(dir))) {
          const c = dir ? `${dir}/${child}` : child;
          if (!this.#created.has(c)) this.#remove(c);
        }
      }
      return;
    }
    if (base.startsWith(WH_PREFIX + WH_PREFIX)) return; // aufs bookkeeping (.wh..wh.plnk etc.)
    const name = base.slice(WH_PREFIX.length);
    const target = dir ? `${dir}/${name}` : name;
    // A whiteout hides the layers below only: what this layer itself put there stays.
    if (this.#created.has(target)) return;
    if (this.#o.whiteouts === 'overlay') {
      this.#ensureDir(dir, e.name);
      const st = lstatSync(this.#abs(target), { throwIfNoEntry: false });
      if (st) this.#remove(target);
      this.#created.add(target);
      this.#pending.push({ op: 'mknod', rel: target, entry: e.name, type: 'c', major: 0, minor: 0, mode: 0, mtime: e.mtime, atime: e.atime ?? e.mtime });
      this.#pendingPaths.add(target);
      return;
    }
    // apply mode: delete from the lower layers' content, if it is there (and reachable without symlinks).
    let prefix = '';
    for (const part of dir.split('/').filter(Boolean)) {
      prefix = prefix ? `${prefix}/${part}` : part;
      if (this.#safe.has(prefix)) continue;
      const st = lstatSync(this.#abs(prefix), { throwIfNoEntry: false });
      if (st && !st.isDirectory() && this.#created.has(prefix)) {
        throw new HostileLayerError(e.name, `parent ${JSON.stringify(prefix)} is a ${st.isSymbolicLink() ? 'symlink' : 'non-directory'}; refusing to write through it`);
      }
      if (!st || !st.isDirectory()) return; // nothing to delete below a lower layer's non-directory
      this.#safe.add(prefix);
    }
    if (lstatSync(this.#abs(target), { throwIfNoEntry: false })) this.#remove(target);
  }
}
