// Random bytes and integers from /dev/urandom: node:crypto takes ~7 ms to load, a cost every `berth run`
// paid only for a container id and a name.
import { closeSync, openSync, readSync } from 'node:fs';
import { randomBytes as cryptoRandomBytes } from 'node:crypto';

export function randomBytes(n: number): Buffer {
  const buf = Buffer.alloc(n);
  let fd: number;
  try { fd = openSync('/dev/urandom', 'r'); } catch { return cryptoRandomBytes(n); }
  try {
    for (let got = 0; got < n;) {
      const r = readSync(fd, buf, got, n - got, null);
      if (r <= 0) return cryptoRandomBytes(n);
      got += r;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** A uniform integer in [0, n) (n ≤ 2^32) from randomBytes, by rejection (no modulo bias):
 * node:crypto's randomInt would load node:crypto for a container's name. */
export function randomInt(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const v = randomBytes(4).readUInt32BE(0);
    if (v < limit) return v % n;
  }
}
