// fuse-overlayfs (Debian's), podman's `mount_program`: the same overlay of the same snapshot
// directories, served by a FUSE process instead of the kernel's overlayfs. For where the kernel
// refuses overlayfs to a user namespace (before 5.11, or a kernel built or configured without it
// there): rootless berth mounts through it when a native overlay mount fails with EPERM or
// EINVAL, or always with BERTH_OVERLAY=fuse-overlayfs (docs/rootless.md). Its process lives as
// long as the mount: an unmount (berth-mount's, as for a native one) ends it.
// It needs /dev/fuse usable by the user (mode 0666, as a Debian host's udev makes it).
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { MountOp } from '../../util/native-mount.ts';

export type OverlayMode = 'auto' | 'native' | 'fuse-overlayfs';

/** BERTH_OVERLAY: auto (native, fuse-overlayfs where that is refused; the default), native, or
 * fuse-overlayfs (always). */
export function overlayMode(env: NodeJS.ProcessEnv = process.env): OverlayMode {
  const v = env.BERTH_OVERLAY ?? '';
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'native' || v === 'fuse-overlayfs') return v;
  throw new Error(`BERTH_OVERLAY=${v}: expected auto, native or fuse-overlayfs`);
}

/** The fuse-overlayfs binary on PATH (or in /usr/bin), or undefined. */
export function fuseOverlayfsPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of [...(env.PATH ?? '').split(':').filter(Boolean), '/usr/bin']) {
    const p = join(dir, 'fuse-overlayfs');
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/** Whether a native overlay mount's failure is the kernel refusing it (to a user namespace):
 * EPERM, or EINVAL (options it does not accept there). */
export function refusedOverlay(e: unknown): boolean {
  const err = e as { op?: MountOp; code?: string };
  return err?.op?.op === 'overlay' && (err.code === 'EPERM' || err.code === 'EINVAL');
}

/** fuse-overlayfs's arguments for one overlay op. overlayfs's `volatile` has no equivalent
 * (fuse-overlayfs never syncs unless asked), so it is left out, as other kernel-only options. */
export function fuseOverlayArgs(op: Extract<MountOp, { op: 'overlay' }>): string[] {
  const opts = [`lowerdir=${op.lowerdirs.join(':')}`];
  if (op.upperdir) opts.push(`upperdir=${op.upperdir}`, `workdir=${op.workdir}`);
  return ['-o', opts.join(','), op.target];
}

/** Mounts one overlay op through fuse-overlayfs (it returns once the mount is there; the FUSE
 * process stays, detached). */
export function mountFuseOverlay(op: Extract<MountOp, { op: 'overlay' }>): Promise<void> {
  const bin = fuseOverlayfsPath();
  if (!bin) return Promise.reject(notInstalled(op));
  return new Promise((resolve, reject) => {
    execFile(bin, fuseOverlayArgs(op), { timeout: FUSE_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err) reject(fuseFailed(op, err, stderr));
      else resolve();
    });
  });
}

/** mountFuseOverlay for a caller that blocks (image/bundle.ts). */
export function mountFuseOverlaySync(op: Extract<MountOp, { op: 'overlay' }>): void {
  const bin = fuseOverlayfsPath();
  if (!bin) throw notInstalled(op);
  try {
    execFileSync(bin, fuseOverlayArgs(op), { timeout: FUSE_TIMEOUT_MS, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw fuseFailed(op, e as Error, String((e as { stderr?: Buffer }).stderr ?? ''));
  }
}

const FUSE_TIMEOUT_MS = 30_000;

function notInstalled(op: Extract<MountOp, { op: 'overlay' }>): Error {
  return new Error(`cannot mount ${op.target}: the kernel refused overlayfs here and fuse-overlayfs is not installed (apt-get install fuse-overlayfs)`);
}

function fuseFailed(op: Extract<MountOp, { op: 'overlay' }>, err: Error, stderr: string): Error {
  return new Error(`fuse-overlayfs on ${op.target}: ${(stderr || err.message).trim().split('\n').pop()}${/fuse: device not found|\/dev\/fuse/.test(stderr) ? ' (/dev/fuse must be usable by the user: mode 0666)' : ''}`);
}
