// process.env the way docker and runc build it: later entries replace earlier ones of the same
// name (keeping the first one's position), and a PATH is supplied when the image has none.

/** docker's default PATH for Linux containers (moby oci.DefaultPathEnv). */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The variable's name: the text before the first '=' (all of it when there is none). */
export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

export function hasEnv(env: readonly string[], key: string): boolean {
  return env.some((e) => envKey(e) === key);
}

/** The lists merged in order: a later KEY=value replaces an earlier KEY in its place. */
export function mergeEnv(...lists: readonly (readonly string[])[]): string[] {
  const byKey = new Map<string, string>();
  for (const list of lists) for (const e of list) byKey.set(envKey(e), e);
  return [...byKey.values()];
}

/** env with docker's default PATH in front when it has none. */
export function withDefaultPath(env: readonly string[]): string[] {
  return hasEnv(env, 'PATH') ? [...env] : [DEFAULT_PATH_ENV, ...env];
}
