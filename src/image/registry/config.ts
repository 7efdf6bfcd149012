// berth's registry configuration: which registries speak plain HTTP.
//
// File: $BERTH_REGISTRIES_CONFIG, default /etc/berth/registries.json:
//   { "insecure": ["myregistry:5000", "10.0.0.5:5000"] }
// An insecure registry is tried over HTTPS without certificate checks first and over plain
// HTTP when the TLS handshake fails (docker's --insecure-registry behaviour). Loopback
// registries (localhost, 127.0.0.0/8, ::1) always use plain HTTP and need no entry.
import { readFileSync } from 'node:fs';

export interface RegistriesConfig { insecure: string[] }

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
  return { insecure: (insecure as string[] | undefined) ?? [] };
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
