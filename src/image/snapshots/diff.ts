// A container's changes as an OCI layer: its overlay upper directory, archived by GNU tar (which
// can read the xattrs Node cannot), with overlayfs's markers turned into OCI's: a whiteout
// (a 0/0 character device) becomes an empty `.wh.NAME` file, an opaque directory
// (trusted.overlay.opaque=y, or user.overlay.opaque=y from an overlay in a user namespace:
// overlay-xattrs.ts) gets a `.wh..wh..opq` entry, and overlayfs's own attributes are dropped.
// Like containerd's diff service for the overlay snapshotter.
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { readTarEntries, type CollectedEntry } from '../tar/collect.ts';
import { packTar, type PackItem } from '../tar/writer.ts';
import { sha256Digest } from '../store/content.ts';
import { isOverlayXattr, TRUSTED_OVERLAY, USER_OVERLAY } from './overlay-xattrs.ts';


/** The layer's entries for what GNU tar read from an upper directory (pure). */
export function upperToLayer(entries: CollectedEntry[]): PackItem[] {
  const out: PackItem[] = [];
  for (const { entry: e, data } of entries) {
    const name = e.name.replace(/^\.\//, '');
    if (name === '' || name === '.' || name === './') continue;
    const bare = name.replace(/\/$/, '');
    const slash = bare.lastIndexOf('/');
    const dir = slash >= 0 ? bare.slice(0, slash + 1) : '';
    const base = bare.slice(slash + 1);
    if (e.type === 'char' && e.devmajor === 0 && e.devminor === 0) {
      out.push({ entry: { name: `${dir}.wh.${base}`, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: e.mtime } });
      continue;
    }
    const xattrs = new Map([...e.xattrs].filter(([k]) => !isOverlayXattr(k)));
    const linkname = e.type === 'link' ? e.linkname.replace(/^\.\//, '') : e.linkname;
    out.push({
      entry: { name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size: e.type === 'file' ? data.length : 0, mtime: e.mtime, linkname, devmajor: e.devmajor, devminor: e.devminor, ...(xattrs.size ? { xattrs } : {}) },
      ...(e.type === 'file' ? { body: data } : {}),
    });
    if (e.type === 'dir' && [TRUSTED_OVERLAY, USER_OVERLAY].some((p) => e.xattrs.get(`${p}opaque`)?.toString() === 'y')) {
      out.push({ entry: { name: `${bare}/.wh..wh..opq`, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: e.mtime } });
    }
  }
  return out;
}

export interface Layer {
  /** The uncompressed tar's digest (the config's rootfs.diff_ids entry). */
  diffId: string;
  /** The gzip-compressed blob. */
  blob: Buffer;
}

/** An upper directory's layer entries: archived by GNU tar (sorted, numeric owners, every xattr)
 * and turned into OCI's form by upperToLayer. Shared by commit (diffUpperDir) and the builder's
 * layers (src/engine/build/layer.ts), which clamps times and compresses on its own. */
export async function upperLayerItems(upper: string): Promise<PackItem[]> {
  const tar = spawn('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--sort=name', '-C', upper, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  tar.stderr.on('data', (d) => { err += d; });
  const done = new Promise<void>((res, rej) => {
    tar.on('error', rej);
    tar.on('close', (code) => (code === 0 ? res() : rej(new Error(`tar of ${upper} exited ${code}: ${err.trim()}`))));
  });
  const entries = await readTarEntries(tar.stdout);
  await done;
  return upperToLayer(entries);
}

/** Archives an overlay upper directory as a gzip layer (the whole layer is held in memory). */
export async function diffUpperDir(upper: string): Promise<Layer> {
  const parts: Buffer[] = [];
  for await (const c of packTar(await upperLayerItems(upper))) parts.push(c);
  const raw = Buffer.concat(parts);
  return { diffId: sha256Digest(raw), blob: gzipSync(raw) };
}
