// On-disk cache of compiled filters, so that `create` does not recompile the same profile every
// time (the docker default profile takes a few milliseconds). One file per key:
//   "BSC2" | u32le flags | u32le FNV-1a of the filter | sock_filter bytes
// The checksum catches a damaged entry (recompiled rather than handed to the kernel) at a
// fraction of decoding and checking the whole program, which on a run's cold path took ~5 ms.
// written to a temporary name and renamed, so readers never see half a file.
import { randomBytes } from '../../util/random.ts';
import { sha256Hex } from '../../util/sha256.ts';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archByName } from './arch.ts';
import { COMPILER_VERSION, compileSeccomp, type CompileOptions } from './compile.ts';
import { checkFilter } from './check.ts';
import type { CompiledSeccomp } from './types.ts';
import type { Seccomp } from '../../oci/spec.ts';

const MAGIC = Buffer.from('BSC2');
const HEAD = 12;

function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619);
  return h >>> 0;
}

/** JSON with object keys sorted at every level; bigints as decimal strings (which the compiler
 * reads back as the same value), undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (typeof v === 'bigint') return JSON.stringify(v.toString());
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function cacheKey(profile: Seccomp, opts: CompileOptions): string {
  const arch = archByName(opts.nativeArch)?.name ?? opts.nativeArch;
  return sha256Hex(`${COMPILER_VERSION}\0${arch}\0${canonicalJson(profile)}`);
}

function readEntry(path: string): CompiledSeccomp | undefined {
  let b: Buffer;
  try { b = readFileSync(path); } catch { return undefined; }
  if (b.length < HEAD + 8 || !b.subarray(0, 4).equals(MAGIC) || (b.length - HEAD) % 8 !== 0) return undefined;
  const filter = Buffer.from(b.subarray(HEAD));
  // A damaged entry is recompiled rather than handed to the kernel.
  if (fnv1a(filter) !== b.readUInt32LE(8)) return undefined;
  return { flags: b.readUInt32LE(4), filter };
}

export function compileSeccompCached(profile: Seccomp, opts: CompileOptions, cacheDir: string): CompiledSeccomp {
  const path = join(cacheDir, `${cacheKey(profile, opts)}.bpf`);
  const hit = readEntry(path);
  if (hit) return hit;
  const out = compileSeccomp(profile, opts);
  // What the compiler made is checked once, before it is cached (and used).
  if (checkFilter(out.filter).length) return out;
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(out.flags >>> 0, 4);
  head.writeUInt32LE(fnv1a(out.filter), 8);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, Buffer.concat([head, out.filter]), { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // The cache is an optimisation: an unwritable directory must not fail container creation.
    rmSync(tmp, { force: true });
  }
  return out;
}
