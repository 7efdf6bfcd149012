// Bytes under directories, the one place the engine measures disk use (system df, container
// sizes: as docker measures them, the apparent sizes of what is not a directory, a file with
// several links counted once; the CRI's writable layers: blocks and inodes, as containerd's
// snapshotter counts them).
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One find(1) over `paths` (`filter`: its tests), each line's starting point (%H), inode and
 * `field` (%s bytes, %b 512-byte blocks): per starting point, the sum of `field` and the count
 * of what it listed, a file with several links counted once (what cannot be read counts as
 * nothing). */
function findEach(paths: string[], filter: string[], field: '%s' | '%b'): Promise<Map<string, { sum: number; count: number }>> {
  const unique = [...new Set(paths)];
  const out = new Map(unique.map((p) => [p, { sum: 0, count: 0 }]));
  if (!unique.length) return Promise.resolve(out);
  const seen = new Map<string, Set<string>>(unique.map((p) => [p, new Set()]));
  return new Promise((resolve) => {
    const find = spawn('find', [...unique, ...filter, '-printf', `%H\\t%i\\t${field}\\n`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = createInterface({ input: find.stdout! });
    lines.on('line', (line) => {
      const [start, inode, value] = line.split('\t');
      const inodes = seen.get(start);
      if (!inodes || inodes.has(inode)) return;
      inodes.add(inode);
      const o = out.get(start)!;
      o.sum += Number(value) || 0;
      o.count += 1;
    });
    find.on('error', () => resolve(out));
    find.on('close', () => resolve(out));
  });
}

/** Bytes under each of `paths`, each measured on its own: the apparent sizes of what is not a
 * directory. */
export async function duEach(paths: string[]): Promise<Map<string, number>> {
  const found = await findEach(paths, ['!', '-type', 'd'], '%s');
  return new Map([...found].map(([p, o]) => [p, o.sum]));
}

/** What the file systems hold under each of `paths`, as a snapshotter's usage counts it (the
 * CRI's writable layer: containerd's): the blocks allocated to what is there, and its inodes,
 * directories included. */
export async function usageEach(paths: string[]): Promise<Map<string, { bytes: number; inodes: number }>> {
  const found = await findEach(paths, [], '%b');
  return new Map([...found].map(([p, o]) => [p, { bytes: o.sum * 512, inodes: o.count }]));
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
