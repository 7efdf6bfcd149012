// Random bytes from /dev/urandom: node:crypto takes ~7 ms to load, a cost every `berth run`
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
