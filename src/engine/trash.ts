// Deleting a removed container's or pod's directory off the caller's path. Unlinking a bundle's
// dozen files costs 10-50 ms on a disk busy with other writers, and a removal's caller (the
// CRI's RemovePodSandbox) need not wait for it: the record is gone, nothing refers to the files.
// A long-lived engine (berthd) renames the directory into <root>/trash (one metadata operation
// on the same file system) and empties the trash in the background, one entry at a time, on
// the thread pool; a short-lived one (the CLI, which would exit before the background is done)
// deletes at once. Entries a stopped berthd left are deleted with the next ones.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { randomBytes } from '../util/random.ts';

export class Trash {
  readonly dir: string;
  readonly #defer: boolean;
  #draining: Promise<void> | undefined;
  #again = false;

  constructor(dir: string, defer: boolean) {
    this.dir = dir;
    this.#defer = defer;
  }

  /** Removes `path` (a directory or file; already gone is fine), now or in the background. */
  discard(path: string): void {
    if (!this.#defer) {
      rmSync(path, { recursive: true, force: true });
      return;
    }
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      renameSync(path, join(this.dir, `${basename(path)}.${randomBytes(6).toString('hex')}`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      // Not renamable (another file system, a mount point): deleted here and now.
      rmSync(path, { recursive: true, force: true });
      return;
    }
    this.#drain();
  }

  /** Resolves once the trash is empty (what was discarded so far is deleted). */
  async settle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  #drain(): void {
    if (this.#draining) { this.#again = true; return; }
    this.#draining = (async () => {
      do {
        this.#again = false;
        let names: string[] = [];
        try { names = await readdir(this.dir); } catch { /* no trash yet */ }
        for (const n of names) await rm(join(this.dir, n), { recursive: true, force: true, maxRetries: 3 }).catch(() => { /* retried at the next drain */ });
      } while (this.#again);
    })().finally(() => { this.#draining = undefined; });
  }
}
