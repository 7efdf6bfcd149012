import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSeccomp, compileSeccompCached, cacheKey, canonicalJson } from '../../../src/runtime/seccomp/index.ts';
import type { Seccomp } from '../../../src/oci/spec.ts';

const profile: Seccomp = {
  defaultAction: 'SCMP_ACT_ERRNO', flags: ['SECCOMP_FILTER_FLAG_LOG'],
  syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }],
};
const opts = { nativeArch: 'x86_64' };

test('canonical JSON ignores key order, not content', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ y: 2, x: 1n }] }), canonicalJson({ a: [{ x: 1n, y: 2 }], b: 1 }));
  assert.notEqual(cacheKey(profile, opts), cacheKey({ ...profile, defaultErrnoRet: 2 }, opts));
  assert.notEqual(cacheKey(profile, opts), cacheKey(profile, { nativeArch: 'aarch64' }));
  assert.equal(cacheKey(profile, opts), cacheKey(profile, { nativeArch: 'SCMP_ARCH_X86_64' }));
});

test('compiles once, then serves the stored file; damaged entries are recompiled', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-seccomp-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cacheDir = join(dir, 'nested', 'cache');
  const fresh = compileSeccomp(profile, opts);
  const first = compileSeccompCached(profile, opts, cacheDir);
  assert.deepEqual(first, fresh);
  const files = readdirSync(cacheDir);
  assert.deepEqual(files, [`${cacheKey(profile, opts)}.bpf`], 'one entry, no temporary files left');
  const path = join(cacheDir, files[0]);
  assert.equal(statSync(path).size, 12 + fresh.filter.length);

  // Prove the second call reads the file: replace the entry with another valid filter and its
  // checksum (FNV-1a 32 of the filter, bytes 8-11).
  const fnv = (b: Uint8Array) => { let h = 0x811c9dc5; for (const x of b) h = Math.imul(h ^ x, 16777619); return h >>> 0; };
  const other = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, opts);
  const head = Buffer.from(readFileSync(path).subarray(0, 12));
  assert.equal(head.readUInt32LE(8), fnv(fresh.filter));
  head.writeUInt32LE(fnv(other.filter), 8);
  writeFileSync(path, Buffer.concat([head, other.filter]));
  assert.deepEqual(compileSeccompCached(profile, opts, cacheDir).filter, other.filter);

  // A damaged entry (its checksum no longer matches) is not trusted.
  const damaged = Buffer.from(other.filter);
  damaged[damaged.length - 3] ^= 0x40;
  writeFileSync(path, Buffer.concat([head, damaged]));
  assert.deepEqual(compileSeccompCached(profile, opts, cacheDir), fresh);
  assert.deepEqual(readFileSync(path).subarray(12), fresh.filter, 'and rewritten');
  // A truncated one neither.
  writeFileSync(path, readFileSync(path).subarray(0, 20));
  assert.deepEqual(compileSeccompCached(profile, opts, cacheDir), fresh);
});

test('an unwritable cache directory does not fail the compile', () => {
  const out = compileSeccompCached(profile, opts, '/proc/berth-no-such-dir');
  assert.deepEqual(out, compileSeccomp(profile, opts));
});
