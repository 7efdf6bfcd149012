// Helpers shared by the build integration tests: a context directory from a file map, and which
// steps ran or came from the cache according to the plain progress.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Berth } from '../engine/harness.ts';

export function context(b: Berth, files: Record<string, string>): string {
  const dir = join(b.tmp, `ctx-${Math.random().toString(36).slice(2, 8)}`);
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

/** Step numbers (#N) reported CACHED, and those that ran, from the plain progress. */
export function cacheReport(stderr: string): { cached: string[]; ran: string[] } {
  const title = new Map<string, string>();
  for (const m of stderr.matchAll(/^#(\d+) \[[^\]]+\] (.*)$/gm)) title.set(m[1], m[2]);
  const cached = [...stderr.matchAll(/^#(\d+) CACHED$/gm)].map((m) => title.get(m[1])!);
  const ran = [...title.entries()].filter(([id, t]) => !cached.includes(t) && /^(RUN|COPY|ADD|WORKDIR)/.test(t) && id).map(([, t]) => t);
  return { cached, ran };
}
