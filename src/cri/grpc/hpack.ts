// Just enough HPACK (RFC 7541) to rewrite one header in place: walks a header block, keeps the
// decoder's dynamic table in step (names and entry sizes), and replaces the characters of an
// `:authority` value that nghttp2 refuses with valid ones OF THE SAME ENCODED LENGTH. Because a
// replaced value keeps its octet length, every dynamic-table entry keeps its size, so the
// server's table (fed the rewritten block) and the client's (fed the original) evict in
// lockstep and later indexed references stay right: the rewrite needs no re-encoding and no
// state beyond what this walker tracks.

/** RFC 7541 Appendix B: the code length of each symbol (0-255; EOS is 30 bits). The code is
 * canonical (codes follow from the lengths in (length, symbol) order), so lengths suffice. */
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

/** RFC 7541 Appendix A: the static table's names (index 1-61); only names matter here. */
const STATIC_NAMES = [
  ':authority', ':method', ':method', ':path', ':path', ':scheme', ':scheme', ':status', ':status', ':status',
  ':status', ':status', ':status', ':status', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'accept', 'access-control-allow-origin', 'age', 'allow', 'authorization', 'cache-control',
  'content-disposition', 'content-encoding', 'content-language', 'content-length', 'content-location',
  'content-range', 'content-type', 'cookie', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'link', 'location',
  'max-forwards', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'refresh', 'retry-after',
  'server', 'set-cookie', 'strict-transport-security', 'transfer-encoding', 'user-agent', 'vary', 'via',
  'www-authenticate',
];

interface Canonical { codes: number[]; byLength: Map<number, Map<number, number>> }
let canonical: Canonical | undefined;
function huffman(): Canonical {
  if (canonical) return canonical;
  const order = [...HUFFMAN_LENGTHS.keys()].sort((a, b) => HUFFMAN_LENGTHS[a] - HUFFMAN_LENGTHS[b] || a - b);
  const codes: number[] = [];
  const byLength = new Map<number, Map<number, number>>();
  let code = 0;
  let prev = HUFFMAN_LENGTHS[order[0]];
  for (const [i, sym] of order.entries()) {
    const len = HUFFMAN_LENGTHS[sym];
    if (i > 0) { code = (code + 1) * 2 ** (len - prev); prev = len; }
    codes[sym] = code;
    if (!byLength.has(len)) byLength.set(len, new Map());
    byLength.get(len)!.set(code, sym);
  }
  return (canonical = { codes, byLength });
}

/** A Huffman string's symbols with the bit offset of each (from the string's first bit). */
export function huffmanSymbols(buf: Uint8Array, start: number, end: number): { sym: number; bit: number }[] {
  const { byLength } = huffman();
  const out: { sym: number; bit: number }[] = [];
  const totalBits = (end - start) * 8;
  let code = 0;
  let len = 0;
  let symStart = 0;
  for (let bit = 0; bit < totalBits; bit++) {
    const b = (buf[start + (bit >> 3)] >> (7 - (bit & 7))) & 1;
    if (len === 0) symStart = bit;
    code = code * 2 + b;
    len++;
    const sym = byLength.get(len)?.get(code);
    if (sym !== undefined) {
      if (sym === 256) throw new HpackError('EOS symbol inside a Huffman string');
      out.push({ sym, bit: symStart });
      code = 0;
      len = 0;
    } else if (len > 30) {
      throw new HpackError('invalid Huffman code');
    }
  }
  // What is left is padding: fewer than 8 bits, all ones (the EOS prefix).
  if (len > 7 || code !== 2 ** len - 1) throw new HpackError('invalid Huffman padding');
  return out;
}

function writeBits(buf: Uint8Array, start: number, bit: number, code: number, len: number): void {
  for (let i = 0; i < len; i++) {
    const b = Math.floor(code / 2 ** (len - 1 - i)) & 1;
    const at = bit + i;
    const byte = start + (at >> 3);
    const mask = 1 << (7 - (at & 7));
    buf[byte] = b ? buf[byte] | mask : buf[byte] & ~mask;
  }
}

/** What an authority may hold (RFC 3986 reg-name, port, IP literals, percent signs: the set nghttp2 checks). */
function validAuthorityByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || "-._~!$&'()*+,;=:@[]%".includes(String.fromCharCode(c));
}

/** For each Huffman code length, a valid authority character of that length ('-' first: it stands in for '/'). */
let substitutes: Map<number, number> | undefined;
function substituteFor(len: number): number | undefined {
  if (!substitutes) {
    substitutes = new Map();
    for (const c of ['-'.charCodeAt(0), ...Array.from({ length: 256 }, (_, i) => i)]) {
      if (validAuthorityByte(c) && !substitutes.has(HUFFMAN_LENGTHS[c])) substitutes.set(HUFFMAN_LENGTHS[c], c);
    }
  }
  return substitutes.get(len);
}

export class HpackError extends Error {
  constructor(message: string) { super(`HPACK: ${message}`); this.name = 'HpackError'; }
}

interface Str { start: number; end: number; huffman: boolean; next: number }

function readInt(buf: Uint8Array, pos: number, prefixBits: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = buf[pos] & max;
  pos++;
  if (value < max) return { value, next: pos };
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new HpackError('truncated integer');
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return { value, next: pos };
    if (shift > 28) throw new HpackError('integer too large');
  }
}

function readStr(buf: Uint8Array, pos: number): Str {
  if (pos >= buf.length) throw new HpackError('truncated string');
  const h = (buf[pos] & 0x80) !== 0;
  const { value: len, next } = readInt(buf, pos, 7);
  if (next + len > buf.length) throw new HpackError('truncated string');
  return { start: next, end: next + len, huffman: h, next: next + len };
}

function decodeStr(buf: Uint8Array, s: Str): string {
  if (!s.huffman) return Buffer.from(buf.subarray(s.start, s.end)).toString('latin1');
  return String.fromCharCode(...huffmanSymbols(buf, s.start, s.end).map((x) => x.sym));
}

function octetLength(buf: Uint8Array, s: Str): number {
  return s.huffman ? huffmanSymbols(buf, s.start, s.end).length : s.end - s.start;
}

/** Replaces the invalid characters of a string literal in place, keeping its encoded length. */
function sanitizeAuthority(buf: Uint8Array, s: Str): boolean {
  let changed = false;
  if (!s.huffman) {
    for (let i = s.start; i < s.end; i++) {
      if (!validAuthorityByte(buf[i])) { buf[i] = 0x2d; changed = true; }
    }
    return changed;
  }
  const { codes } = huffman();
  for (const { sym, bit } of huffmanSymbols(buf, s.start, s.end)) {
    if (validAuthorityByte(sym)) continue;
    const sub = substituteFor(HUFFMAN_LENGTHS[sym]);
    if (sub === undefined) continue; // no same-length stand-in: left for the server to refuse
    writeBits(buf, s.start, bit, codes[sub], HUFFMAN_LENGTHS[sub]);
    changed = true;
  }
  return changed;
}

/** The decoder side of one connection's header compression, as far as rewriting needs it. */
export class AuthorityRewriter {
  #table: { name: string; size: number }[] = [];
  #size = 0;
  #max = 4096;
  /** Rewritten `:authority` values so far (for tests and traces). */
  rewrites = 0;

  #name(index: number): string {
    if (index <= 0) throw new HpackError('index 0');
    if (index <= STATIC_NAMES.length) return STATIC_NAMES[index - 1];
    const e = this.#table[index - STATIC_NAMES.length - 1];
    if (!e) throw new HpackError(`index ${index} beyond the dynamic table`);
    return e.name;
  }

  #evict(room: number): void {
    while (this.#table.length && this.#size + room > this.#max) this.#size -= this.#table.pop()!.size;
  }

  #insert(name: string, valueLength: number): void {
    const size = name.length + valueLength + 32;
    this.#evict(size);
    if (size > this.#max) return; // larger than the table: it empties it and is not stored
    this.#table.unshift({ name, size });
    this.#size += size;
  }

  /** Rewrites one complete header block in place. */
  rewrite(block: Uint8Array): void {
    let pos = 0;
    while (pos < block.length) {
      const b = block[pos];
      if (b & 0x80) { // indexed field
        const { value, next } = readInt(block, pos, 7);
        this.#name(value);
        pos = next;
        continue;
      }
      if ((b & 0xe0) === 0x20) { // dynamic table size update
        const { value, next } = readInt(block, pos, 5);
        this.#max = value;
        this.#evict(0);
        pos = next;
        continue;
      }
      const indexing = (b & 0xc0) === 0x40;
      const { value: index, next } = readInt(block, pos, indexing ? 6 : 4);
      pos = next;
      let name: string;
      if (index === 0) {
        const s = readStr(block, pos);
        name = decodeStr(block, s);
        pos = s.next;
      } else {
        name = this.#name(index);
      }
      const v = readStr(block, pos);
      if (name === ':authority' && sanitizeAuthority(block, v)) this.rewrites++;
      if (indexing) this.#insert(name, octetLength(block, v));
      pos = v.next;
    }
  }
}
