// ImageFsInfo: the file system that holds the image store (kubelet's image GC watches it).
import { imageFsUsage } from '../engine/index.ts';
import type { CriContext } from './context.ts';

export async function imageFsInfo(ctx: CriContext): Promise<object> {
  const u = imageFsUsage(ctx.engine);
  const ts = (BigInt(Date.now()) * 1_000_000n).toString();
  return { imageFilesystems: [{ timestamp: ts, fsId: { mountpoint: u.mountpoint }, usedBytes: { value: String(u.usedBytes) }, inodesUsed: { value: String(u.inodesUsed) } }] };
}
