// Fixtures for the hardening tests: private copies of the helper (an attack that works must
// never damage the shared build), static C programs compiled into a rootfs, file hashes, polling.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TOP } from '../runtime/support.ts';

export { TOP };

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Compiles one C file of this folder statically to `out`. */
export function compileStatic(source: string, out: string, defines: string[] = []): void {
  execFileSync('cc', ['-O2', '-static', '-D_GNU_SOURCE', ...defines.map((d) => `-D${d}`), '-o', out, source], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A copy of build/berth-init at `out` (BERTH_INIT can point at it). */
export function copyHelper(out: string): string {
  copyFileSync(join(TOP, 'build/berth-init'), out);
  return out;
}

/** build/berth-init's sources compiled with extra defines (e.g. a defence turned off). */
export function buildHelperVariant(out: string, defines: string[]): string {
  const dir = join(TOP, 'native/init');
  const sources = readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => join(dir, f));
  execFileSync('cc', ['-O2', '-static', '-D_GNU_SOURCE', ...defines.map((d) => `-D${d}`), '-o', out, ...sources], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/** Polls until `fn` returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(fn: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The content of a file once it contains `re`, else undefined. */
export function fileMatching(path: string, re: RegExp): string | undefined {
  if (!existsSync(path)) return undefined;
  const s = readFileSync(path, 'utf8');
  return re.test(s) ? s : undefined;
}
