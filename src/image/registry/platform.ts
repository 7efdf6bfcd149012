// Platforms: parsing `--platform os/arch[/variant]`, normalising the usual aliases, and picking
// the matching manifest of an index (attestation entries, `unknown/unknown`, never match).
import { hostPlatform, type Descriptor, type Index, type Platform } from '../types.ts';

export class InvalidPlatformError extends Error {
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid platform "${input}": ${reason}`);
    this.name = 'InvalidPlatformError';
    this.input = input;
  }
}

const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' }, 'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' }, armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' }, i686: { architecture: '386' },
};

/** Fills in the variant the OCI spec treats as implied (arm64 → v8, arm → v7) and maps aliases. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  const alias = ARCH_ALIASES[architecture];
  if (alias) { architecture = alias.architecture; variant ??= alias.variant; }
  if (architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  if (architecture === 'arm' && /^\d$/.test(variant ?? '')) variant = `v${variant}`;
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  const out: Platform = { os, architecture };
  if (variant !== undefined) out.variant = variant;
  return out;
}

/** `linux/arm64/v8`, `linux/amd64`, `arm64` (os defaults to linux). */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/');
  if (parts.some((p) => p === '' || !/^[A-Za-z0-9_.-]+$/.test(p))) throw new InvalidPlatformError(s, 'expected os/arch[/variant]');
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0] });
  if (parts.length > 3) throw new InvalidPlatformError(s, 'expected os/arch[/variant]');
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** Does an image for `have` satisfy a request for `want`? A request without variant takes any. */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  return want.variant === undefined || w.variant === h.variant;
}

/** The manifest of `index` for `want` (default: this host); null when none matches. When no
 * variant was asked for, the host's implied variant is preferred. */
export function selectManifest(index: Index, want: Platform = hostPlatform()): Descriptor | null {
  const candidates = index.manifests.filter((d) => d.platform && d.platform.os !== 'unknown' && platformMatches(want, d.platform));
  if (candidates.length === 0) return null;
  const norm = normalizePlatform(want);
  return candidates.find((d) => normalizePlatform(d.platform!).variant === norm.variant) ?? candidates[0];
}
