// On-disk cache of compiled filters, so that `create` does not recompile the same profile every
// time (the docker default profile takes a few milliseconds). One file per key:
//   "BSC1" | u32le flags | sock_filter bytes
// written to a temporary name and renamed, so readers never see half a file.
import { randomBytes } from '../../util/random.ts';
import { sha256Hex } from '../../util/sha256.ts';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archByName } from './arch.ts';
import { COMPILER_VERSION, compileSeccomp, type CompileOptions } from './compile.ts';
import { checkFilter } from './check.ts';
import type { CompiledSeccomp, LinuxSeccomp } from './types.ts';

const MAGIC = Buffer.from('BSC1');

/** JSON with object keys sorted at every level; bigints as decimal strings (which the compiler
 * reads back as the same value), undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (typeof v === 'bigint') return JSON.stringify(v.toString());
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function cacheKey(profile: LinuxSeccomp, opts: CompileOptions): string {
  const arch = archByName(opts.nativeArch)?.name ?? opts.nativeArch;
  return sha256Hex(`${COMPILER_VERSION}\0${arch}\0${canonicalJson(profile)}`);
}

function readEntry(path: string): CompiledSeccomp | undefined {
  let b: Buffer;
  try { b = readFileSync(path); } catch { return undefined; }
  if (b.length < 16 || !b.subarray(0, 4).equals(MAGIC) || (b.length - 8) % 8 !== 0) return undefined;
  const filter = Buffer.from(b.subarray(8));
  // A damaged entry is recompiled rather than handed to the kernel.
  if (checkFilter(filter).length) return undefined;
  return { flags: b.readUInt32LE(4), filter };
}

export function compileSeccompCached(profile: LinuxSeccomp, opts: CompileOptions, cacheDir: string): CompiledSeccomp {
  const path = join(cacheDir, `${cacheKey(profile, opts)}.bpf`);
  const hit = readEntry(path);
  if (hit) return hit;
  const out = compileSeccomp(profile, opts);
  const head = Buffer.alloc(8);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(out.flags >>> 0, 4);
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
