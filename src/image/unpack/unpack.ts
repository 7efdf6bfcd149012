// unpackLayer: stream (compressed or not) → decompress → tar reader → applier, with the diffID
// (sha256 of the uncompressed stream) computed on the way. The stream is consumed as it arrives,
// so a pull can tee a download into it.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { mapsOneId } from '../../util/userns.ts';
import type { Compression } from '../types.ts';
import { TarParser } from '../tar/reader.ts';
import { DigestMismatchError } from '../store/errors.ts';
import { LayerApplier, type WhiteoutMode } from './apply.ts';
import { decompressStream } from './decompress.ts';
import { DiffIdMismatchError } from './errors.ts';

export interface UnpackOptions {
  /** Layer media type: a hint; magic bytes decide. */
  mediaType?: string;
  /** 'overlay' (default): the target is an empty layer dir for the overlay snapshotter. 'apply': the target holds the lower layers. */
  whiteouts?: WhiteoutMode;
  /** The image config's rootfs.diff_ids entry for this layer: checked after the last byte. */
  expectedDiffID?: string;
  /** The descriptor digest of the (compressed) blob: checked too when given. */
  expectedDigest?: string;
  allowDevices?: boolean;
  preserveOwners?: boolean;
  /** The process umask (default: read from /proc/self/status); see ApplyOptions.umask. */
  umask?: number;
}

export interface UnpackResult {
  diffID: string;
  /** Bytes of uncompressed tar. */
  size: number;
  compression: Compression;
  /** sha256 of the bytes as read (the blob digest). */
  digest: string;
  compressedSize: number;
  entries: number;
}

/** The process umask without changing it (process.umask() cannot set it in a worker thread). */
export function currentUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return parseInt(m[1], 8);
  } catch { /* no /proc */ }
  return 0o022;
}

export async function unpackLayer(source: AsyncIterable<Buffer | Uint8Array>, targetDir: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const root = realpathSync(targetDir);
  const applier = new LayerApplier(root, {
    whiteouts: opts.whiteouts ?? 'overlay',
    allowDevices: opts.allowDevices ?? true,
    // A rootless namespace of one id (no subordinate ranges) can chown to nothing but 0: the
    // image's files all become the user's, as podman's ignore_chown_errors does.
    preserveOwners: opts.preserveOwners ?? (process.geteuid?.() === 0 && !mapsOneId()),
    umask: opts.umask ?? currentUmask(),
  });
  const parser = new TarParser(applier);
  const diffHash = createHash('sha256');
  const rawHash = createHash('sha256');
  let compressedSize = 0;
  let size = 0;
  const dec = await decompressStream(source, opts.mediaType, (c) => { rawHash.update(c); compressedSize += c.length; });
  try {
    for await (const chunk of dec.chunks) {
      diffHash.update(chunk);
      size += chunk.length;
      parser.push(chunk);
    }
    await dec.done;
    parser.end();
    applier.finish();
  } catch (err) {
    dec.destroy();
    throw err;
  } finally {
    applier.close();
  }
  const diffID = 'sha256:' + diffHash.digest('hex');
  const digest = 'sha256:' + rawHash.digest('hex');
  if (opts.expectedDigest && opts.expectedDigest !== digest) throw new DigestMismatchError(opts.expectedDigest, digest, 'layer blob');
  if (opts.expectedDiffID && opts.expectedDiffID !== diffID) throw new DiffIdMismatchError(opts.expectedDiffID, diffID);
  return { diffID, size, compression: dec.compression, digest, compressedSize, entries: applier.entries };
}
