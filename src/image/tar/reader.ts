// A streaming tar reader: push chunks in, get entries and their data out through synchronous
// callbacks. Knows ustar, GNU (long names/links 'L'/'K', base-256 numbers, old GNU magic) and
// PAX (per-entry 'x' and global 'g' records, SCHILY.xattr.*). Never buffers an entry's data: a
// declared size is only trusted as far as bytes actually arrive.
import type { EntryType, TarEntry } from './entry.ts';
import { TarFormatError, TruncatedTarError } from './entry.ts';

export interface TarHandler {
  entry(e: TarEntry): void;
  /** A piece of the current entry's data (a view into the pushed chunk: copy it to keep it). */
  data(chunk: Buffer): void;
  entryEnd(): void;
}

/** Largest long-name or PAX record we accept (they are held in memory). */
const MAX_META = 1 << 20;

const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '7': 'contiguous', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

function cstring(b: Buffer, start: number, len: number): string {
  let end = start;
  const stop = start + len;
  while (end < stop && b[end] !== 0) end++;
  return b.toString('utf8', start, end);
}

function numeric(b: Buffer, start: number, len: number, field: string, offset: number): number {
  if (b[start] & 0x80) {
    // GNU base-256: big-endian two's complement in the remaining bits.
    if (b[start] & 0x40) throw new TarFormatError(`header field ${field} is negative`, offset);
    let v = b[start] & 0x3f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i];
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`header field ${field} out of range`, offset);
    return v;
  }
  let i = start;
  const end = start + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`header field ${field} is not octal`, offset);
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits ? v : 0;
}

function checksumOk(b: Buffer, offset: number): boolean {
  const stored = numeric(b, 148, 8, 'chksum', offset);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < 512; i++) if (b[i] !== 0) return false;
  return true;
}

/** Parses PAX records `"<len> <key>=<value>\n"`; values stay bytes (xattrs are binary). */
export function parsePax(buf: Buffer, offset: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < buf.length) {
    if (buf[i] === 0) break;
    const sp = buf.indexOf(0x20, i);
    if (sp < 0) throw new TarFormatError('malformed PAX record', offset);
    const len = Number(buf.toString('latin1', i, sp));
    if (!Number.isInteger(len) || len <= sp - i || i + len > buf.length) throw new TarFormatError('malformed PAX record length', offset);
    const rec = buf.subarray(sp + 1, i + len);
    const eq = rec.indexOf(0x3d);
    if (eq < 0 || rec[rec.length - 1] !== 0x0a) throw new TarFormatError('malformed PAX record', offset);
    out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1, rec.length - 1)));
    i += len;
  }
  return out;
}

type State = 'header' | 'data' | 'pad' | 'meta' | 'done';

export class TarParser {
  readonly #h: TarHandler;
  #state: State = 'header';
  #hdr = Buffer.alloc(512);
  #hdrFill = 0;
  #remaining = 0; // data bytes left in the current entry
  #pad = 0;
  #offset = 0; // bytes consumed so far
  #zeroBlocks = 0;
  #meta: { kind: string; buf: Buffer; fill: number } | null = null;
  #longName: string | null = null;
  #longLink: string | null = null;
  #pax: Map<string, Buffer> | null = null;
  #globalPax = new Map<string, Buffer>();
  #inEntry = false;
  #entryName = '';

  constructor(handler: TarHandler) {
    this.#h = handler;
  }

  /** Bytes consumed so far. */
  get offset(): number { return this.#offset; }
  /** True once the end-of-archive marker was seen. */
  get finished(): boolean { return this.#state === 'done'; }

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.#state) {
        case 'header': {
          const take = Math.min(512 - this.#hdrFill, n - i);
          if (take === 512) {
            this.#header(chunk.subarray(i, i + 512));
          } else {
            chunk.copy(this.#hdr, this.#hdrFill, i, i + take);
            this.#hdrFill += take;
            if (this.#hdrFill === 512) { this.#hdrFill = 0; this.#header(this.#hdr); }
          }
          i += take;
          this.#offset += take;
          break;
        }
        case 'data': {
          const take = Math.min(this.#remaining, n - i);
          this.#h.data(chunk.subarray(i, i + take));
          this.#remaining -= take;
          i += take;
          this.#offset += take;
          if (this.#remaining === 0) this.#endData();
          break;
        }
        case 'meta': {
          const m = this.#meta!;
          const take = Math.min(this.#remaining, n - i);
          chunk.copy(m.buf, m.fill, i, i + take);
          m.fill += take;
          this.#remaining -= take;
          i += take;
          this.#offset += take;
          if (this.#remaining === 0) this.#endMeta();
          break;
        }
        case 'pad': {
          const take = Math.min(this.#pad, n - i);
          this.#pad -= take;
          i += take;
          this.#offset += take;
          if (this.#pad === 0) this.#state = 'header';
          break;
        }
        case 'done':
          // Trailing bytes after the end marker (block padding) are ignored, as GNU tar does.
          this.#offset += n - i;
          return;
      }
    }
  }

  /** The input ended: throws if it ended inside an entry. */
  end(): void {
    if (this.#state === 'done') return;
    if (this.#state === 'data' || this.#state === 'meta') throw new TruncatedTarError(`the data of ${JSON.stringify(this.#entryName)}`, this.#offset);
    if (this.#state === 'header' && this.#hdrFill > 0) throw new TruncatedTarError('a header', this.#offset);
    if (this.#meta || this.#longName !== null || this.#longLink !== null || this.#pax) throw new TruncatedTarError('an extended header', this.#offset);
    // A missing end marker (or only one zero block) after a complete entry is tolerated.
  }

  #endData(): void {
    this.#inEntry = false;
    this.#h.entryEnd();
    this.#startPad(this.#dataSize);
  }

  #dataSize = 0;

  #startPad(size: number): void {
    this.#pad = (512 - (size % 512)) % 512;
    this.#state = this.#pad ? 'pad' : 'header';
  }

  #header(b: Buffer): void {
    const at = this.#offset;
    if (isZeroBlock(b)) {
      if (++this.#zeroBlocks >= 2) this.#state = 'done';
      return;
    }
    if (this.#zeroBlocks) throw new TarFormatError('a lone zero block in the middle of the archive', at);
    if (!checksumOk(b, at)) throw new TarFormatError('header checksum mismatch (not a tar archive, or corrupt)', at);
    const flag = String.fromCharCode(b[156]);
    const size = numeric(b, 124, 12, 'size', at);
    if (size < 0) throw new TarFormatError('negative size', at);

    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      if (size > MAX_META) throw new TarFormatError(`extended header of ${size} bytes is larger than the ${MAX_META} allowed`, at);
      this.#meta = { kind: flag, buf: Buffer.alloc(size), fill: 0 };
      this.#remaining = size;
      this.#dataSize = size;
      this.#entryName = 'extended header';
      if (size === 0) this.#endMeta(); else this.#state = 'meta';
      return;
    }
    if (flag === 'S') throw new TarFormatError('GNU sparse files are not supported', at);

    const magic = b.toString('latin1', 257, 263);
    let name = cstring(b, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cstring(b, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let type: EntryType = TYPES[flag] ?? 'file';
    if (!(flag in TYPES)) throw new TarFormatError(`unsupported entry type ${JSON.stringify(flag)} for ${JSON.stringify(name)}`, at);
    const e: TarEntry = {
      name,
      type,
      mode: numeric(b, 100, 8, 'mode', at) & 0o7777,
      uid: numeric(b, 108, 8, 'uid', at),
      gid: numeric(b, 116, 8, 'gid', at),
      size,
      mtime: numeric(b, 136, 12, 'mtime', at),
      linkname: cstring(b, 157, 100),
      uname: cstring(b, 265, 32),
      gname: cstring(b, 297, 32),
      devmajor: numeric(b, 329, 8, 'devmajor', at),
      devminor: numeric(b, 337, 8, 'devminor', at),
      xattrs: new Map(),
    };
    // Old-style tar marks directories with a trailing slash on a regular-file type.
    if ((flag === '0' || flag === '\0') && name.endsWith('/')) type = e.type = 'dir';
    if (this.#longName !== null) { e.name = this.#longName; this.#longName = null; }
    if (this.#longLink !== null) { e.linkname = this.#longLink; this.#longLink = null; }
    if (this.#globalPax.size) this.#applyPax(e, this.#globalPax, at);
    if (this.#pax) { this.#applyPax(e, this.#pax, at); this.#pax = null; }
    if (e.type !== 'file' && e.type !== 'contiguous') {
      // Only regular files carry data; a hard link's size field is informational.
      if (e.type === 'link' || e.type === 'dir' || e.type === 'symlink' || e.type === 'char' || e.type === 'block' || e.type === 'fifo') {
        if (e.type !== 'link' && e.size !== 0) throw new TarFormatError(`${e.type} entry ${JSON.stringify(e.name)} declares ${e.size} bytes of data`, at);
        e.size = 0;
      }
    }
    if (e.type === 'contiguous') e.type = 'file';
    this.#entryName = e.name;
    this.#inEntry = true;
    this.#h.entry(e);
    this.#remaining = e.size;
    this.#dataSize = e.size;
    if (e.size === 0) this.#endData(); else this.#state = 'data';
  }

  #endMeta(): void {
    const m = this.#meta!;
    this.#meta = null;
    const at = this.#offset;
    if (m.kind === 'L') this.#longName = cstring(m.buf, 0, m.buf.length);
    else if (m.kind === 'K') this.#longLink = cstring(m.buf, 0, m.buf.length);
    else if (m.kind === 'x') this.#pax = parsePax(m.buf, at);
    else for (const [k, v] of parsePax(m.buf, at)) this.#globalPax.set(k, v);
    this.#startPad(this.#dataSize);
  }

  #applyPax(e: TarEntry, pax: Map<string, Buffer>, at: number): void {
    for (const [k, v] of pax) {
      const s = () => v.toString('utf8');
      const num = (field: string) => {
        const x = Number(s());
        if (!Number.isFinite(x) || x < 0) throw new TarFormatError(`PAX ${field}=${s()} is not a valid number`, at);
        return x;
      };
      switch (k) {
        case 'path': e.name = s(); break;
        case 'linkpath': e.linkname = s(); break;
        case 'size': e.size = num('size'); if (!Number.isSafeInteger(e.size)) throw new TarFormatError('PAX size out of range', at); break;
        case 'uid': e.uid = num('uid'); break;
        case 'gid': e.gid = num('gid'); break;
        case 'uname': e.uname = s(); break;
        case 'gname': e.gname = s(); break;
        case 'mtime': e.mtime = num('mtime'); break;
        case 'atime': e.atime = num('atime'); break;
        default:
          if (k.startsWith('SCHILY.xattr.')) e.xattrs.set(k.slice(13), v);
          else if (k.startsWith('LIBARCHIVE.xattr.')) e.xattrs.set(decodeURIComponent(k.slice(17)), Buffer.from(s(), 'base64'));
          else if (k.startsWith('GNU.sparse.')) throw new TarFormatError('PAX sparse files are not supported', at);
          else (e.pax ??= {})[k] = s();
      }
    }
  }
}
