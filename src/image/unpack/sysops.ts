// Node has no mknod(2) or setxattr(2). Device nodes, fifos, overlay whiteouts and xattrs are
// rare in layers, so they are queued and applied in one batch per layer by build/berth-fsops
// (native/fsops.c), which opens each entry's directory beneath the layer root without following
// any symlink and never follows the last component either.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NativeToolMissingError, nativeToolPath } from '../../util/native-tools.ts';
import { UnpackError } from './errors.ts';

/** One queued operation; `rel` is relative to the layer root ('' is the root itself). */
export type SysOp =
  | { op: 'mknod'; rel: string; entry: string; type: 'c' | 'b' | 'p'; major: number; minor: number; mode: number; uid?: number; gid?: number; atime: number; mtime: number }
  | { op: 'setxattr'; rel: string; entry: string; name: string; value: Buffer }
  | { op: 'lchown'; rel: string; entry: string; uid: number; gid: number }
  | { op: 'utimes'; rel: string; entry: string; atime: number; mtime: number }
  | { op: 'syncfs'; rel: ''; entry: string };

/** The tool is missing (not built: `make -C native`). */
export class FsOpsHelperMissingError extends NativeToolMissingError {
  constructor(path: string) {
    super('unpack helper', path, 'BERTH_FSOPS');
  }
}

/** build/berth-fsops; BERTH_FSOPS overrides. */
export function fsopsPath(): string {
  return nativeToolPath('berth-fsops', 'BERTH_FSOPS');
}

const S_IF = { c: 0o020000, b: 0o060000, p: 0o010000 } as const;

/** Seconds (fractional, as tar gives them) → [whole seconds, nanoseconds]. */
function splitTime(sec: number): [bigint, number] {
  const s = Math.floor(sec);
  return [BigInt(s), Math.min(999_999_999, Math.max(0, Math.round((sec - s) * 1e9)))];
}

/** Encodes a batch in berth-fsops's input format (see native/fsops.c). */
export function encodeSysOps(ops: SysOp[]): Buffer {
  const parts: Buffer[] = [];
  const str = (s: string) => { parts.push(Buffer.from(s, 'utf8'), Buffer.alloc(1)); };
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); parts.push(b); };
  const i64 = (n: number | bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(n)); parts.push(b); };
  const time = (sec: number) => { const [s, ns] = splitTime(sec); i64(s); u32(ns); };
  for (const o of ops) {
    if (o.rel.includes('\0')) throw new UnpackError(o.entry, 'NUL byte in a path');
    switch (o.op) {
      case 'mknod':
        parts.push(Buffer.from('N')); str(o.rel);
        u32((o.mode & 0o7777) | S_IF[o.type]); u32(o.major); u32(o.minor);
        i64(o.uid ?? -1); i64(o.gid ?? -1); time(o.atime); time(o.mtime);
        break;
      case 'setxattr':
        parts.push(Buffer.from('X')); str(o.rel); str(o.name); u32(o.value.length); parts.push(o.value);
        break;
      case 'lchown':
        parts.push(Buffer.from('C')); str(o.rel); i64(o.uid); i64(o.gid);
        break;
      case 'utimes':
        parts.push(Buffer.from('T')); str(o.rel); time(o.atime); time(o.mtime);
        break;
      case 'syncfs':
        parts.push(Buffer.from('S'));
        break;
    }
  }
  return Buffer.concat(parts);
}

const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 13: 'EACCES', 17: 'EEXIST', 18: 'EXDEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 28: 'ENOSPC', 40: 'ELOOP', 61: 'ENODATA', 95: 'EOPNOTSUPP' };

/** Writes back everything of the filesystem holding `dir` (syncfs(2)): a layer made durable before it is committed. */
export function syncFilesystem(dir: string): void {
  runSysOps(dir, [{ op: 'syncfs', rel: '', entry: '(layer)' }]);
}

/** Applies `ops` under `root` (an absolute, symlink-free path). Throws UnpackError naming the entry that failed. */
export function runSysOps(root: string, ops: SysOp[]): void {
  if (!ops.length) return;
  const bin = fsopsPath();
  if (!existsSync(bin)) throw new FsOpsHelperMissingError(bin);
  const r = spawnSync(bin, [root], { input: encodeSysOps(ops), stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 20 });
  if (r.status === 0) return;
  const line = String(r.stderr ?? '').trim().split('\n').pop() ?? '';
  const m = /^(-?\d+)\t(\d+)\t(.*)$/.exec(line);
  if (m) {
    const op = ops[Number(m[1])];
    const code = Number(m[2]);
    throw new UnpackError(op?.entry ?? ops[0].entry, m[3], ERRNO_NAMES[code] ?? (code ? `errno ${code}` : undefined));
  }
  throw new UnpackError(ops[0].entry, `unpack helper ${bin} failed (${r.status ?? r.signal}): ${line || r.error?.message || 'no message'}`);
}
