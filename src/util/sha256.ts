// SHA-256 (FIPS 180-4) in plain JavaScript, for the few small inputs on a `run`'s path (layer
// chain IDs, the seccomp cache key): loading node:crypto costs ~5-7 ms per process, hashing a
// few kilobytes here well under a millisecond. Large data (blobs) keeps using node:crypto.

// Round constants and initial state: the first 32 bits of the fractional parts of the cube roots
// of the first 64 primes and of the square roots of the first 8, computed rather than tabled.
function primes(n: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c);
  return out;
}
const frac32 = (x: number) => Math.floor((x - Math.floor(x)) * 2 ** 32) >>> 0;
// Computed at the first hash: every CLI start loads this module, few hash anything.
let K: Uint32Array, H0: Uint32Array;
function constantsOnce(): void {
  if (K) return;
  const P = primes(64);
  K = Uint32Array.from(P, (p) => frac32(Math.cbrt(p)));
  H0 = Uint32Array.from(P.slice(0, 8), (p) => frac32(Math.sqrt(p)));
}

/** The SHA-256 digest of `data` (a string is hashed as UTF-8), as 64 hex digits. */
export function sha256Hex(data: string | Uint8Array): string {
  constantsOnce();
  const msg = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const bitLen = msg.length * 8;
  // Message, 0x80, zero padding, 64-bit big-endian length: a multiple of 64 bytes.
  const total = Math.ceil((msg.length + 9) / 64) * 64;
  const buf = new Uint8Array(total);
  buf.set(msg);
  buf[msg.length] = 0x80;
  const hi = Math.floor(bitLen / 2 ** 32), lo = bitLen >>> 0;
  buf[total - 8] = hi >>> 24; buf[total - 7] = (hi >>> 16) & 255; buf[total - 6] = (hi >>> 8) & 255; buf[total - 5] = hi & 255;
  buf[total - 4] = lo >>> 24; buf[total - 3] = (lo >>> 16) & 255; buf[total - 2] = (lo >>> 8) & 255; buf[total - 1] = lo & 255;
  let h0 = H0[0], h1 = H0[1], h2 = H0[2], h3 = H0[3], h4 = H0[4], h5 = H0[5], h6 = H0[6], h7 = H0[7];
  const w = new Int32Array(64);
  // Rotations written out (no helper calls): this runs cold, in the interpreter, on a CLI's path.
  for (let off = 0; off < total; off += 64) {
    for (let t = 0, i = off; t < 16; t++, i += 4) w[t] = (buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3];
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15], y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  let hex = '';
  for (const x of [h0, h1, h2, h3, h4, h5, h6, h7]) hex += (x >>> 0).toString(16).padStart(8, '0');
  return hex;
}
