// Bytes under directories, measured with du (GNU coreutils: apparent sizes, -b): the one place
// the engine measures disk use (system df, container sizes).
import { execFile } from 'node:child_process';

/** Bytes under each of `paths` (what cannot be read counts as nothing). One du for all: du
 * counts an inode once over its arguments, so pass directories that share no files. */
export function duEach(paths: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(paths)];
  const sizes = new Map<string, number>(unique.map((p) => [p, 0]));
  if (!unique.length) return Promise.resolve(sizes);
  return new Promise((resolve) => {
    execFile('du', ['-sb', '--', ...unique], { encoding: 'utf8', maxBuffer: 16 << 20 }, (_err, stdout) => {
      for (const line of String(stdout).split('\n')) {
        const tab = line.indexOf('\t');
        if (tab > 0 && sizes.has(line.slice(tab + 1))) sizes.set(line.slice(tab + 1), Number(line.slice(0, tab)) || 0);
      }
      resolve(sizes);
    });
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
