// COPY/ADD into a work root: entries the builder selected (from the context or another stage's
// root) placed under the destination with docker's rules (a single file onto a path that is not a
// directory becomes that file), owned by --chown (names looked up in the root's passwd/group,
// default root) and moded by --chmod, never leaving the root (symlinks resolved inside it).
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, lchownSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, promises as fsp, type Stats } from 'node:fs';
// fs.promises, not `import * as … from 'node:fs/promises'`: a namespace import copies every export
// as the module loads, i.e. on every CLI start; the launcher defers node:fs/promises to its first use.
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { resolveIn } from '../copy.ts';
import { EngineError } from '../errors.ts';
import { parseGroup, parsePasswd } from '../users.ts';

export interface CopyEntry {
  /** Host path of the source (absent for inline content). */
  src?: string;
  /** Inline file content (COPY <<EOF). */
  content?: string;
  /** Path relative to the destination. */
  rel: string;
  type: 'file' | 'dir' | 'symlink';
  /** A lone file named on the command line: it may become the destination itself. */
  single?: boolean;
  /** ADD: a local tar archive (plain or compressed) is unpacked into the destination. */
  extract?: boolean;
}

export interface CopyRequest {
  entries: CopyEntry[];
  dest: string;
  destIsDir: boolean;
  chown?: string;
  chmod?: string;
  /** Keep each source's owner (unpacked archives) instead of root or --chown. */
  keepOwners?: boolean;
  /** `from`: the upper directory of an earlier run of the same step (committed, never written
   * again); `upper`: this root's upper directory. A file found in `from` with the same bytes and
   * the metadata this copy would give is hard-linked into `upper` instead of created (reuseFile). */
  reuse?: { from: string; upper: string };
}

export class CopyError extends EngineError {
  override name = 'CopyError';
}

/** --chown=user[:group] against the root's /etc/passwd and /etc/group. */
export function resolveChown(root: string, spec: string | undefined): { uid: number; gid: number } {
  if (!spec) return { uid: 0, gid: 0 };
  const [u, g] = spec.split(':');
  const read = (p: string) => { try { return readFileSync(resolveIn(root, p), 'utf8'); } catch { return ''; } };
  let uid: number, gid: number | undefined;
  if (/^\d+$/.test(u)) uid = Number(u);
  else {
    const e = parsePasswd(read('/etc/passwd')).find((x) => x.name === u);
    if (!e) throw new CopyError(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${u}: no such user: ${u}`);
    uid = e.uid;
    gid = e.gid;
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const e = parseGroup(read('/etc/group')).find((x) => x.name === g);
      if (!e) throw new CopyError(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${g}: no such group: ${g}`);
      gid = e.gid;
    }
  }
  return { uid, gid: gid ?? uid };
}

/** --chmod: octal (755) or symbolic (u+x,go-w) applied to a file's current mode. */
export function applyChmod(spec: string, mode: number, isDir: boolean): number {
  if (/^[0-7]{3,4}$/.test(spec)) return parseInt(spec, 8);
  let m = mode & 0o7777;
  for (const clause of spec.split(',')) {
    const c = /^([ugoa]*)([-+=])([rwxX]*)$/.exec(clause);
    if (!c) throw new CopyError(`invalid chmod parameter "${spec}"`);
    const who = c[1] || 'a';
    let bits = 0;
    for (const p of c[3]) bits |= p === 'r' ? 4 : p === 'w' ? 2 : p === 'x' || (p === 'X' && (isDir || (mode & 0o111))) ? 1 : 0;
    let mask = 0;
    if (who.includes('u') || who.includes('a')) mask |= bits << 6;
    if (who.includes('g') || who.includes('a')) mask |= bits << 3;
    if (who.includes('o') || who.includes('a')) mask |= bits;
    const whoMask = (who.includes('u') || who.includes('a') ? 0o700 : 0) | (who.includes('g') || who.includes('a') ? 0o070 : 0) | (who.includes('o') || who.includes('a') ? 0o007 : 0);
    if (c[2] === '+') m |= mask;
    else if (c[2] === '-') m &= ~mask;
    else m = (m & ~whoMask) | mask;
  }
  return m;
}

/** Makes the directories of `path` that are missing; returns those it made (host paths). */
function mkdirs(root: string, path: string, owner: { uid: number; gid: number }): string[] {
  const made: string[] = [];
  const parts = posix.normalize(path).split('/').filter(Boolean);
  let cur = '/';
  for (const p of parts) {
    cur = posix.join(cur, p);
    const host = resolveIn(root, cur);
    try {
      if (!statSync(host).isDirectory()) throw new CopyError(`cannot copy to ${path}: ${cur} is not a directory`);
    } catch (e) {
      if (e instanceof CopyError) throw e;
      mkdirSync(host);
      lchownSync(host, owner.uid, owner.gid);
      made.push(host);
    }
  }
  return made;
}

const ARCHIVE_MAGIC: [number, number[]][] = [[0, [0x1f, 0x8b]], [0, [0x42, 0x5a, 0x68]], [0, [0xfd, 0x37, 0x7a, 0x58, 0x5a]], [0, [0x28, 0xb5, 0x2f, 0xfd]], [257, [0x75, 0x73, 0x74, 0x61, 0x72]]];

/** Whether a file is a tar archive, plain or gzip/bzip2/xz/zstd-compressed (by its first bytes). */
export function isArchive(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(262);
    const n = readSync(fd, b, 0, 262, 0);
    return ARCHIVE_MAGIC.some(([off, m]) => n >= off + m.length && m.every((x, i) => b[off + i] === x));
  } finally {
    closeSync(fd);
  }
}

/** Unpacks an archive into a fresh directory (never into the root itself, whose symlinks could
 * lead the host's tar outside it) and lists what it holds, parents first. */
function unpackArchive(file: string): { dir: string; entries: CopyEntry[] } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-add-'));
  const r = spawnSync('tar', ['-x', '-f', file, '-C', dir, '--numeric-owner', '-p', '--no-overwrite-dir'], { encoding: 'utf8' });
  if (r.status !== 0) { rmSync(dir, { recursive: true, force: true }); throw new CopyError(`unpacking ${basename(file)}: ${r.stderr.trim()}`); }
  const entries: CopyEntry[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(join(dir, rel)).sort()) {
      const p = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(dir, p));
      entries.push({ src: join(dir, p), rel: p, type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file' });
      if (st.isDirectory()) walk(p);
    }
  };
  walk('');
  return { dir, entries };
}

/** Runs `fn` over `items`, `limit` at a time (file copies onto overlayfs wait on the disk: a few
 * in flight keep the thread pool busy). */
async function eachLimited<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < items.length) await fn(items[next++]); };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Links `target` to `old` (a file of an earlier run of the same COPY) when it holds exactly what
 * copying `src` would give: the same bytes, owner, permission bits and modification time (what a
 * layer records). Creating a file is what a COPY of many small files costs on ext4 (inode
 * allocation, ~0.1-0.6 ms each here); a link allocates none. `old` lives in a committed snapshot,
 * which nothing writes again (a later step copies a file up before changing it), and nothing is
 * changed on it here. The copy sets times from the source's (millisecond) Date, which lands a
 * fraction of a microsecond off it: the same millisecond is the same time. False (and nothing
 * done) when it differs or is gone. */
async function reuseFile(old: string, src: string, target: string, st: Stats, owner: { uid: number; gid: number }, mode: number): Promise<boolean> {
  let o: Stats;
  try { o = await fsp.lstat(old); } catch { return false; }
  if (!o.isFile() || o.size !== st.size || (o.mode & 0o7777) !== mode || o.uid !== owner.uid || o.gid !== owner.gid || Math.abs(o.mtimeMs - st.mtime.getTime()) >= 0.001) return false;
  try {
    const [a, b] = await Promise.all([fsp.readFile(old), fsp.readFile(src)]);
    if (!a.equals(b)) return false;
    await fsp.link(old, target);
    return true;
  } catch {
    return false;
  }
}

export async function copyInto(root: string, req: CopyRequest): Promise<void> {
  const archives = req.entries.filter((e) => e.extract && e.src && e.type === 'file' && isArchive(e.src));
  if (archives.length) {
    const rest = req.entries.filter((e) => !archives.includes(e));
    if (rest.length) await copyInto(root, { ...req, entries: rest, destIsDir: req.destIsDir || rest.length > 1 });
    for (const a of archives) {
      const { dir, entries } = unpackArchive(a.src!);
      // The archive's own owners are kept unless --chown says otherwise.
      try { await copyInto(root, { ...req, entries, destIsDir: true, keepOwners: !req.chown }); } finally { rmSync(dir, { recursive: true, force: true }); }
    }
    return;
  }
  const owner = resolveChown(root, req.chown);
  const destHost = resolveIn(root, req.dest);
  let destExistsAsDir = false;
  try { destExistsAsDir = statSync(destHost).isDirectory(); } catch { /* absent */ }
  const singleOnto = req.entries.length === 1 && req.entries[0].single && !req.destIsDir && !destExistsAsDir;
  const destMade = mkdirs(root, singleOnto ? posix.dirname(req.dest) : req.dest, owner);
  const ownerOf = (st: Stats | undefined) => (req.keepOwners && st ? { uid: st.uid, gid: st.gid } : owner);
  // Directories first, in order (parents before children), then everything else side by side;
  // directory times last, since adding their entries changes them.
  const dirs: { target: string; st?: Stats }[] = [];
  /** Directories this copy created, with their modes. */
  const fresh = new Map<string, number>(destMade.map((d) => [d, statSync(d).mode & 0o7777]));
  const rest: { e: CopyEntry; target: string; inRoot: string; st?: Stats }[] = [];
  for (const e of req.entries) {
    const inRoot = singleOnto ? req.dest : posix.join(req.dest, e.rel);
    const target = resolveIn(root, inRoot, false);
    const st = e.src ? lstatSync(e.src) : undefined;
    if (e.type !== 'dir') { rest.push({ e, target, inRoot, st }); continue; }
    let made = false;
    try {
      if (!lstatSync(target).isDirectory()) { rmSync(target, { force: true }); mkdirSync(target); made = true; }
    } catch { mkdirSync(dirname(target), { recursive: true }); mkdirSync(target); made = true; }
    const o = ownerOf(st);
    lchownSync(target, o.uid, o.gid);
    const mode = req.chmod ? applyChmod(req.chmod, st?.mode ?? 0o755, true) : (st?.mode ?? 0o755) & 0o7777;
    chmodSync(target, mode);
    if (made) fresh.set(target, mode);
    dirs.push({ target, st });
  }
  // A file whose directory this copy just made cannot exist yet: no check, no mkdir; a file
  // created by root in it is already root's (unless the directory passes its group on: setgid).
  // Files hard-linked together in the source stay so (as BuildKit copies them): the first of
  // each set is copied, the others linked to it once it is there.
  const firstOf = new Map<string, string>();
  const links: { target: string; to: string; inRoot: string }[] = [];
  const copies = rest.filter(({ e, target, inRoot, st }) => {
    if (e.type !== 'file' || !st || st.nlink < 2) return true;
    const k = `${st.dev}:${st.ino}`;
    const to = firstOf.get(k);
    if (to === undefined) { firstOf.set(k, target); return true; }
    links.push({ target, to, inRoot });
    return false;
  });
  await eachLimited(copies, 8, async ({ e, target, inRoot, st }) => {
    const parentMode = fresh.get(dirname(target));
    if (parentMode === undefined) {
      try {
        if ((await fsp.lstat(target)).isDirectory()) throw new CopyError(`cannot replace directory ${inRoot} with a file`);
        await fsp.rm(target, { force: true });
      } catch (err) { if (err instanceof CopyError) throw err; }
      await fsp.mkdir(dirname(target), { recursive: true });
    }
    const o = ownerOf(st);
    const chown = !(o.uid === 0 && o.gid === 0 && parentMode !== undefined && !(parentMode & 0o2000) && process.getuid?.() === 0);
    if (e.type === 'symlink') {
      await fsp.symlink(await fsp.readlink(e.src!), target);
      if (chown) await fsp.lchown(target, o.uid, o.gid);
    } else {
      const base = e.content !== undefined ? 0o644 : st!.mode & 0o7777;
      const mode = req.chmod ? applyChmod(req.chmod, base, false) : base;
      // Only in a directory this copy made: it is the upper directory's own (no lower one shows
      // through), and the overlay has never looked the name up, so adding it below is safe.
      if (req.reuse && parentMode !== undefined && e.src && st) {
        const rel = relative(root, target);
        if (await reuseFile(join(req.reuse.from, rel), e.src, join(req.reuse.upper, rel), st, o, mode)) return;
      }
      if (e.content !== undefined) await fsp.writeFile(target, e.content);
      else await fsp.copyFile(e.src!, target); // keeps the source's mode
      // chown clears setuid/setgid bits: the mode is set after it.
      if (chown) await fsp.lchown(target, o.uid, o.gid);
      if (req.chmod || e.content !== undefined || (chown && (mode & 0o6000))) await fsp.chmod(target, mode);
    }
    if (st) await fsp.lutimes(target, st.atime, st.mtime);
  });
  for (const { target, to, inRoot } of links) {
    try {
      if ((await fsp.lstat(target)).isDirectory()) throw new CopyError(`cannot replace directory ${inRoot} with a file`);
      await fsp.rm(target, { force: true });
    } catch (err) { if (err instanceof CopyError) throw err; }
    await fsp.mkdir(dirname(target), { recursive: true });
    await fsp.link(to, target);
  }
  for (const { target, st } of dirs.reverse()) if (st) lutimesSync(target, st.atime, st.mtime);
}
