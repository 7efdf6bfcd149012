// Bytes under directories, the one place the engine measures disk use (system df, container
// sizes). As docker measures them: the apparent sizes of what is not a directory, a file with
// several links counted once.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Bytes under each of `paths`, each measured on its own (what cannot be read counts as
 * nothing). One find(1) for all; its %H names the starting point of each line. */
export function duEach(paths: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(paths)];
  const sizes = new Map<string, number>(unique.map((p) => [p, 0]));
  if (!unique.length) return Promise.resolve(sizes);
  const seen = new Map<string, Set<string>>(unique.map((p) => [p, new Set()]));
  return new Promise((resolve) => {
    const find = spawn('find', [...unique, '!', '-type', 'd', '-printf', '%H\\t%i\\t%s\\n'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = createInterface({ input: find.stdout! });
    lines.on('line', (line) => {
      const [start, inode, size] = line.split('\t');
      const inodes = seen.get(start);
      if (!inodes || inodes.has(inode)) return;
      inodes.add(inode);
      sizes.set(start, sizes.get(start)! + (Number(size) || 0));
    });
    find.on('error', () => resolve(sizes));
    find.on('close', () => resolve(sizes));
  });
}

/** Bytes under all of `paths` together (du -sbc: files shared between them count once). */
export function duTotal(paths: string[]): Promise<number> {
  if (!paths.length) return Promise.resolve(0);
  return new Promise((resolve) => {
    execFile('du', ['-sbc', '--', ...paths], { encoding: 'utf8', maxBuffer: 16 << 20 }, (_err, stdout) => {
      resolve(Number(String(stdout).trim().split('\n').pop()?.split('\t')[0]) || 0);
    });
  });
}

/** What the file systems hold under each of `paths`, as a snapshotter's usage counts it (the
 * CRI's writable layer: containerd's): the blocks allocated to what is there, and its inodes,
 * directories included, a file with several links counted once. One find(1) for all. */
export function usageEach(paths: string[]): Promise<Map<string, { bytes: number; inodes: number }>> {
  const unique = [...new Set(paths)];
  const usage = new Map(unique.map((p) => [p, { bytes: 0, inodes: 0 }]));
  if (!unique.length) return Promise.resolve(usage);
  const seen = new Map<string, Set<string>>(unique.map((p) => [p, new Set()]));
  return new Promise((resolve) => {
    const find = spawn('find', [...unique, '-printf', '%H\\t%i\\t%b\\n'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = createInterface({ input: find.stdout! });
    lines.on('line', (line) => {
      const [start, inode, blocks] = line.split('\t');
      const inodes = seen.get(start);
      if (!inodes || inodes.has(inode)) return;
      inodes.add(inode);
      const u = usage.get(start)!;
      u.bytes += (Number(blocks) || 0) * 512;
      u.inodes += 1;
    });
    find.on('error', () => resolve(usage));
    find.on('close', () => resolve(usage));
  });
}
