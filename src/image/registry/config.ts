// berth's registry configuration: which registries speak plain HTTP, and which mirrors serve
// a registry's images first.
//
// File: $BERTH_REGISTRIES_CONFIG, default /etc/berth/registries.json:
//   { "insecure": ["myregistry:5000", "10.0.0.5:5000"],
//     "mirrors": { "docker.io": ["mirror.lan:5000"] },
//     "registry-mirrors": ["https://mirror.lan:5000"] }      (dockerd's key: mirrors of docker.io)
// An insecure registry is tried over HTTPS without certificate checks first and over plain
// HTTP when the TLS handshake fails (docker's --insecure-registry behaviour). Loopback
// registries (localhost, 127.0.0.0/8, ::1) always use plain HTTP and need no entry.
import { readFileSync } from 'node:fs';

export interface RegistriesConfig {
  insecure: string[];
  /** Registry domain → mirrors (host[:port]) tried in order before it, for pulls. */
  mirrors?: Record<string, string[]>;
}

export class RegistriesConfigError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'RegistriesConfigError';
    this.path = path;
  }
}

export function registriesConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_REGISTRIES_CONFIG || '/etc/berth/registries.json';
}

export function readRegistriesConfig(path = registriesConfigPath()): RegistriesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { insecure: [] };
    throw new RegistriesConfigError(path, (e as Error).message);
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new RegistriesConfigError(path, `not valid JSON: ${(e as Error).message}`);
  }
  const insecure = (j as { insecure?: unknown }).insecure;
  if (insecure !== undefined && !(Array.isArray(insecure) && insecure.every((x) => typeof x === 'string'))) {
    throw new RegistriesConfigError(path, '"insecure" must be an array of "host[:port]" strings');
  }
  const mirrors: Record<string, string[]> = {};
  const m = (j as { mirrors?: unknown }).mirrors;
  if (m !== undefined) {
    if (!m || typeof m !== 'object' || Array.isArray(m) || !Object.values(m).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      throw new RegistriesConfigError(path, '"mirrors" must map a registry to an array of "host[:port]" strings');
    }
    for (const [domain, list] of Object.entries(m as Record<string, string[]>)) mirrors[domain] = list.map(mirrorHost);
  }
  const dm = (j as { 'registry-mirrors'?: unknown })['registry-mirrors'];
  if (dm !== undefined) {
    if (!(Array.isArray(dm) && dm.every((x) => typeof x === 'string'))) throw new RegistriesConfigError(path, '"registry-mirrors" must be an array of URLs');
    mirrors['docker.io'] = [...(mirrors['docker.io'] ?? []), ...(dm as string[]).map(mirrorHost)];
  }
  return { insecure: (insecure as string[] | undefined) ?? [], ...(Object.keys(mirrors).length ? { mirrors } : {}) };
}

/** "https://mirror.lan:5000/" → "mirror.lan:5000" (dockerd's registry-mirrors are URLs). */
function mirrorHost(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

/** The host part of `host[:port]` (brackets of an IPv6 literal removed). */
export function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const i = hostPort.lastIndexOf(':');
  return i === -1 ? hostPort : hostPort.slice(0, i);
}

export function isLoopbackHost(hostPort: string): boolean {
  const h = hostOnly(hostPort).toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export type Scheme = 'http' | 'https' | 'https-insecure';

/** How to reach `hostPort`: plain HTTP for loopback; for configured insecure registries the
 * caller tries https-insecure then falls back to http. */
export function schemesFor(hostPort: string, cfg: RegistriesConfig): Scheme[] {
  if (isLoopbackHost(hostPort)) return ['http'];
  const h = hostPort.toLowerCase();
  if (cfg.insecure.some((x) => x.toLowerCase() === h || x.toLowerCase() === hostOnly(h))) return ['https-insecure', 'http'];
  return ['https'];
}
