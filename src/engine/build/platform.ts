// Platforms of a build: a --platform (or FROM --platform) read and normalised, and whether this
// kernel can run another architecture's programs, which a RUN in a foreign stage needs: the
// host's own architecture, or one a binfmt_misc handler is registered for (qemu-user-static,
// binfmt-support...). A handler is matched by the ELF machine and byte order in its magic.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlatform } from '../../image/registry/platform.ts';
import { hostPlatform, type Platform } from '../../image/types.ts';
import { BuildError } from './types.ts';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** ELF e_machine and byte order of each architecture (the ELF specification's numbers). */
const ELF: Record<string, { machine: number; bigEndian: boolean }> = {
  '386': { machine: 3, bigEndian: false }, amd64: { machine: 62, bigEndian: false },
  arm: { machine: 40, bigEndian: false }, arm64: { machine: 183, bigEndian: false },
  ppc64: { machine: 21, bigEndian: true }, ppc64le: { machine: 21, bigEndian: false },
  s390x: { machine: 22, bigEndian: true }, riscv64: { machine: 243, bigEndian: false },
  mips64: { machine: 8, bigEndian: true }, mips64le: { machine: 8, bigEndian: false },
  loong64: { machine: 258, bigEndian: false },
};

/** `os/arch[/variant]` as the builder uses it: aliases mapped (aarch64 → arm64), and arm64's
 * implied v8 left out, as BuildKit's TARGETPLATFORM has it. */
export function buildPlatform(spec: string): Platform {
  if (spec.includes(',')) throw new BuildError(`platform ${spec}: one platform expected here`);
  let p: Platform;
  try { p = parsePlatform(spec); } catch (e) { throw new BuildError((e as Error).message); }
  if (p.os !== 'linux') throw new BuildError(`platform ${spec}: only linux images can be built`);
  if (p.architecture === 'arm64' && p.variant === 'v8') delete p.variant;
  return p;
}

/** The ELF machines binfmt_misc has an enabled handler for (none when it is not mounted). */
export function binfmtHandlers(dir = BINFMT_DIR): { name: string; machine: number; bigEndian: boolean; interpreter: string }[] {
  let names: string[];
  try {
    if (!readFileSync(join(dir, 'status'), 'utf8').startsWith('enabled')) return [];
    names = readdirSync(dir).filter((n) => n !== 'status' && n !== 'register');
  } catch { return []; }
  const out: ReturnType<typeof binfmtHandlers> = [];
  for (const name of names) {
    let text: string;
    try { text = readFileSync(join(dir, name), 'utf8'); } catch { continue; }
    const h = parseBinfmtEntry(text);
    if (h) out.push({ name, ...h });
  }
  return out;
}

/** An entry's ELF machine (enabled, magic at offset 0 over an ELF header); undefined otherwise. */
export function parseBinfmtEntry(text: string): { machine: number; bigEndian: boolean; interpreter: string } | undefined {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== 'enabled') return undefined;
  const field = (k: string) => lines.find((l) => l.startsWith(`${k} `))?.slice(k.length + 1).trim();
  const magic = Buffer.from(field('magic') ?? '', 'hex');
  if ((field('offset') ?? '0') !== '0' || magic.length < 20 || magic.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const bigEndian = magic[5] === 2;
  return { machine: bigEndian ? magic.readUInt16BE(18) : magic.readUInt16LE(18), bigEndian, interpreter: field('interpreter') ?? '' };
}

/** Why a RUN for `p` cannot run here (undefined: it can). */
export function cannotRun(p: Platform, host: Platform = hostPlatform(), dir = BINFMT_DIR): string | undefined {
  if (p.os !== host.os) return `RUN for ${fmt(p)} cannot run on a ${host.os} host`;
  if (p.architecture === host.architecture || (p.architecture === '386' && host.architecture === 'amd64')) return undefined;
  const elf = ELF[p.architecture];
  if (elf && binfmtHandlers(dir).some((h) => h.machine === elf.machine && h.bigEndian === elf.bigEndian)) return undefined;
  return `RUN in a stage for ${fmt(p)} needs an emulator on this ${fmt(host)} host: no binfmt_misc handler for ${p.architecture} is registered `
    + `(${dir}; install qemu-user-static, or build only COPY/ADD steps for that platform)`;
}

const fmt = (p: Platform) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
