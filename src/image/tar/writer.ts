// A tar writer: headers as buffers (ustar when the entry fits, PAX records or GNU long-name
// headers when it does not) and an async generator that packs entries with their data.
import type { EntryType } from './entry.ts';

export interface WriteEntry {
  name: string;
  type: EntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  size?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer> | Record<string, Buffer | string>;
  /** Extra PAX records. */
  pax?: Record<string, string>;
}

export interface HeaderOptions {
  /** How to carry names that do not fit ustar: PAX records (default) or GNU 'L'/'K' headers. */
  longNames?: 'pax' | 'gnu';
}

const FLAGS: Record<EntryType, string> = { file: '0', contiguous: '7', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };
const OCTAL_MAX: Record<number, number> = { 8: 0o7777777, 12: 0o77777777777 };

export const END_OF_ARCHIVE: Buffer = Buffer.alloc(1024);

export function paddingFor(size: number): Buffer {
  const n = (512 - (size % 512)) % 512;
  return n ? Buffer.alloc(n) : Buffer.alloc(0);
}

function putString(b: Buffer, s: string, off: number, len: number): boolean {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > len) return false;
  bytes.copy(b, off);
  return true;
}

function putOctal(b: Buffer, v: number, off: number, len: number): boolean {
  if (!Number.isInteger(v) || v < 0 || v > OCTAL_MAX[len]) return false;
  b.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
  return true;
}

/** Splits a long path into ustar prefix (≤155 bytes) and name (≤100 bytes) at a slash. */
function splitUstar(path: string): [string, string] | null {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return ['', path];
  if (bytes > 256) return null;
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (name && Buffer.byteLength(name) <= 100 && Buffer.byteLength(prefix) <= 155) return [prefix, name];
  }
  return null;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function rawHeader(e: { name: string; prefix: string; type: string; mode: number; uid: number; gid: number; size: number; mtime: number; linkname: string; uname: string; gname: string; devmajor: number; devminor: number }): Buffer {
  const b = Buffer.alloc(512);
  putString(b, e.name, 0, 100);
  putOctal(b, e.mode, 100, 8);
  putOctal(b, e.uid, 108, 8) || putOctal(b, 0, 108, 8);
  putOctal(b, e.gid, 116, 8) || putOctal(b, 0, 116, 8);
  putOctal(b, e.size, 124, 12) || putOctal(b, 0, 124, 12);
  putOctal(b, Math.max(0, Math.floor(e.mtime)), 136, 12) || putOctal(b, 0, 136, 12);
  b.write(e.type, 156, 1, 'latin1');
  putString(b, e.linkname, 157, 100);
  b.write('ustar\x0000', 257, 8, 'latin1');
  putString(b, e.uname, 265, 32);
  putString(b, e.gname, 297, 32);
  putOctal(b, e.devmajor, 329, 8);
  putOctal(b, e.devminor, 337, 8);
  putString(b, e.prefix, 345, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i];
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

function metaEntry(type: 'x' | 'L' | 'K', body: Buffer, name: string): Buffer {
  const h = rawHeader({ name, prefix: '', type, mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 });
  return Buffer.concat([h, body, paddingFor(body.length)]);
}

/** The header block(s) for an entry: any PAX/GNU extension blocks followed by the ustar header. */
export function encodeHeader(entry: WriteEntry, opts: HeaderOptions = {}): Buffer {
  const pax: Buffer[] = [];
  const gnu: Buffer[] = [];
  const size = entry.type === 'file' || entry.type === 'contiguous' ? entry.size ?? 0 : 0;
  let name = entry.name;
  if (entry.type === 'dir' && !name.endsWith('/')) name += '/';
  let prefix = '';
  const split = splitUstar(name);
  if (split) [prefix, name] = split;
  else if (opts.longNames === 'gnu') { gnu.push(metaEntry('L', Buffer.from(name + '\0'), '././@LongLink')); name = name.slice(0, 100); }
  else { pax.push(paxRecord('path', Buffer.from(name))); name = Buffer.from(name).subarray(0, 100).toString('utf8'); }
  let linkname = entry.linkname ?? '';
  if (Buffer.byteLength(linkname) > 100) {
    if (opts.longNames === 'gnu') gnu.push(metaEntry('K', Buffer.from(linkname + '\0'), '././@LongLink'));
    else pax.push(paxRecord('linkpath', Buffer.from(linkname)));
    linkname = '';
  }
  const uid = entry.uid ?? 0;
  const gid = entry.gid ?? 0;
  const mtime = entry.mtime ?? 0;
  if (uid > OCTAL_MAX[8]) pax.push(paxRecord('uid', Buffer.from(String(uid))));
  if (gid > OCTAL_MAX[8]) pax.push(paxRecord('gid', Buffer.from(String(gid))));
  if (size > OCTAL_MAX[12]) pax.push(paxRecord('size', Buffer.from(String(size))));
  if (!Number.isInteger(mtime) || mtime > OCTAL_MAX[12] || mtime < 0) pax.push(paxRecord('mtime', Buffer.from(String(mtime))));
  const uname = entry.uname ?? '';
  const gname = entry.gname ?? '';
  if (Buffer.byteLength(uname) > 32) pax.push(paxRecord('uname', Buffer.from(uname)));
  if (Buffer.byteLength(gname) > 32) pax.push(paxRecord('gname', Buffer.from(gname)));
  const xattrs = entry.xattrs instanceof Map ? entry.xattrs : new Map(Object.entries(entry.xattrs ?? {}));
  for (const [k, v] of [...xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    pax.push(paxRecord(`SCHILY.xattr.${k}`, typeof v === 'string' ? Buffer.from(v) : v));
  }
  for (const [k, v] of Object.entries(entry.pax ?? {})) pax.push(paxRecord(k, Buffer.from(v)));
  const header = rawHeader({
    name, prefix, type: FLAGS[entry.type], mode: (entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644)) & 0o7777,
    uid, gid, size, mtime, linkname, uname: Buffer.byteLength(uname) > 32 ? '' : uname, gname: Buffer.byteLength(gname) > 32 ? '' : gname,
    devmajor: entry.devmajor ?? 0, devminor: entry.devminor ?? 0,
  });
  const parts = [...gnu];
  if (pax.length) {
    const paxName = `PaxHeaders/${Buffer.from(entry.name).subarray(0, 80).toString('utf8').replace(/\/+$/, '')}`;
    parts.push(metaEntry('x', Buffer.concat(pax), paxName));
  }
  parts.push(header);
  return parts.length === 1 ? header : Buffer.concat(parts);
}

export type PackBody = Buffer | AsyncIterable<Buffer | Uint8Array>;
export interface PackItem { entry: WriteEntry; body?: PackBody }

/** Packs entries into a tar stream. A body's length must equal entry.size (checked). */
export async function* packTar(items: Iterable<PackItem> | AsyncIterable<PackItem>, opts: HeaderOptions = {}): AsyncGenerator<Buffer> {
  for await (const { entry, body } of items) {
    const size = entry.type === 'file' || entry.type === 'contiguous' ? entry.size ?? (Buffer.isBuffer(body) ? body.length : 0) : 0;
    yield encodeHeader({ ...entry, size }, opts);
    let written = 0;
    if (body !== undefined && size > 0) {
      if (Buffer.isBuffer(body)) { yield body; written = body.length; }
      else for await (const c of body) { written += c.length; yield Buffer.isBuffer(c) ? c : Buffer.from(c); }
    }
    if (written !== size) throw new Error(`tar: entry ${JSON.stringify(entry.name)} declared ${size} bytes but its body had ${written}`);
    const pad = paddingFor(size);
    if (pad.length) yield pad;
  }
  yield END_OF_ARCHIVE;
}
