// The image configuration a stage accumulates (docker's container config subset an image keeps).
// The planner is pure: it names the engine's types only (erased), never loads its modules.
import type { ImageRunConfig } from '../../engine/index.ts';
/** docker's container config subset an image keeps: the image layer's type, through the engine. */
export type RunConfig = ImageRunConfig;

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export function envGet(env: string[] | undefined, key: string): string | undefined {
  const e = env?.find((x) => x.split('=', 1)[0] === key);
  return e === undefined ? undefined : e.slice(key.length + 1);
}

export function envSet(env: string[], key: string, value: string): string[] {
  const out = env.filter((x) => x.split('=', 1)[0] !== key);
  const i = env.findIndex((x) => x.split('=', 1)[0] === key);
  if (i >= 0) { const copy = [...env]; copy[i] = `${key}=${value}`; return copy; }
  return [...out, `${key}=${value}`];
}
