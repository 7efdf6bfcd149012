// Generates src/runtime/seccomp/tables/*.ts: syscall name → number for every architecture the
// seccomp compiler supports. The numbers come from the kernel's UAPI headers as Debian ships them
// (linux-libc-dev for x86, linux-libc-dev-<arch>-cross for the others), expanded with the C
// preprocessor so that every #if in the headers is honoured exactly as a libc build would see it.
//
// The Debian 12 headers stop at Linux 6.1. Syscalls added since then are listed in LATER below;
// since Linux 5.1 (number 424) every new syscall gets the same number on all the architectures
// we support (x32 adds __X32_SYSCALL_BIT), so one list serves them all.
//
// Run: node scripts/gen-seccomp-tables.ts   (needs gcc and the cross header packages; see
// SECCOMP_TABLE_PACKAGES in scripts/env.sh)
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const top = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(top, 'src/runtime/seccomp/tables');

interface Source {
  /** Our table name (file name and export). */
  name: string;
  includeDir: string;
  header: string;
  /** Preprocessor definitions that select this ABI inside shared headers. */
  defines: string[];
  /** Added to the numbers from LATER (x32's syscall bit). */
  laterBase: number;
  /** Architecture-specific syscalls newer than the headers (numbers as on this ABI). */
  laterOwn?: [number, string][];
}

const X32_SYSCALL_BIT = 0x40000000;

const SOURCES: Source[] = [
  { name: 'x86_64', includeDir: '/usr/include/x86_64-linux-gnu', header: 'asm/unistd.h', defines: ['-D__x86_64__'], laterBase: 0, laterOwn: [[335, 'uretprobe']] },
  { name: 'i386', includeDir: '/usr/include/x86_64-linux-gnu', header: 'asm/unistd.h', defines: ['-D__i386__'], laterBase: 0 },
  { name: 'x32', includeDir: '/usr/include/x86_64-linux-gnu', header: 'asm/unistd.h', defines: ['-D__x86_64__', '-D__ILP32__'], laterBase: X32_SYSCALL_BIT, laterOwn: [[X32_SYSCALL_BIT + 335, 'uretprobe']] },
  { name: 'aarch64', includeDir: '/usr/aarch64-linux-gnu/include', header: 'asm/unistd.h', defines: ['-D__aarch64__'], laterBase: 0 },
  { name: 'arm', includeDir: '/usr/arm-linux-gnueabihf/include', header: 'asm/unistd.h', defines: ['-D__ARM_EABI__', '-D__arm__'], laterBase: 0 },
  { name: 'riscv64', includeDir: '/usr/riscv64-linux-gnu/include', header: 'asm/unistd.h', defines: ['-D__riscv', '-D__LP64__', '-D__SIZEOF_POINTER__=8'], laterBase: 0, laterOwn: [[258, 'riscv_hwprobe']] },
  { name: 'ppc64', includeDir: '/usr/powerpc64le-linux-gnu/include', header: 'asm/unistd_64.h', defines: ['-D__powerpc64__'], laterBase: 0 },
  { name: 'ppc', includeDir: '/usr/powerpc64le-linux-gnu/include', header: 'asm/unistd_32.h', defines: ['-D__powerpc__'], laterBase: 0 },
  { name: 's390x', includeDir: '/usr/s390x-linux-gnu/include', header: 'asm/unistd_64.h', defines: ['-D__s390x__'], laterBase: 0 },
  { name: 's390', includeDir: '/usr/s390x-linux-gnu/include', header: 'asm/unistd_32.h', defines: ['-D__s390__'], laterBase: 0 },
];

/** Syscalls newer than the Debian 12 headers (Linux 6.2 … 6.18), from the kernel's syscall.tbl files. */
const LATER: [number, string][] = [
  [451, 'cachestat'], [452, 'fchmodat2'], [453, 'map_shadow_stack'], [454, 'futex_wake'],
  [455, 'futex_wait'], [456, 'futex_requeue'], [457, 'statmount'], [458, 'listmount'],
  [459, 'lsm_get_self_attr'], [460, 'lsm_set_self_attr'], [461, 'lsm_list_modules'], [462, 'mseal'],
  [463, 'setxattrat'], [464, 'getxattrat'], [465, 'listxattrat'], [466, 'removexattrat'],
  [467, 'open_tree_attr'], [468, 'file_getattr'], [469, 'file_setattr'], [470, 'listns'],
];

/** Macros that look like syscalls but are bookkeeping. */
const NOT_SYSCALLS = new Set(['syscalls', 'arch_specific_syscall', 'SYSCALL_BASE', 'OABI_SYSCALL_BASE', 'SYSCALL_MASK', 'BASE']);

function macros(src: Source): Map<string, string> {
  if (!existsSync(join(src.includeDir, src.header))) {
    throw new Error(`${join(src.includeDir, src.header)} is missing: install the cross header package`);
  }
  const text = execFileSync('gcc', ['-E', '-dM', '-nostdinc', '-undef', `-I${src.includeDir}`, ...src.defines, '-'], {
    input: `#include <${src.header}>\n`, encoding: 'utf8',
  });
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const hit = /^#define (\w+) (.+)$/.exec(line);
    if (hit) m.set(hit[1], hit[2].trim());
  }
  return m;
}

/** Evaluates a macro body made of numbers, other macros, +, - and parentheses. */
function evaluate(expr: string, defs: Map<string, string>, depth = 0): number {
  if (depth > 20) throw new Error(`macro recursion in ${expr}`);
  const tokens = expr.match(/0x[0-9a-fA-F]+|\d+|\w+|[()+-]/g) ?? [];
  let pos = 0;
  const primary = (): number => {
    const t = tokens[pos++];
    if (t === '(') { const v = sum(); if (tokens[pos++] !== ')') throw new Error(`bad expression ${expr}`); return v; }
    if (t === '-') return -primary();
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) return Number(t);
    const body = defs.get(t);
    if (body === undefined) throw new Error(`unknown macro ${t} in ${expr}`);
    return evaluate(body, defs, depth + 1);
  };
  const sum = (): number => {
    let v = primary();
    while (tokens[pos] === '+' || tokens[pos] === '-') v = tokens[pos++] === '+' ? v + primary() : v - primary();
    return v;
  };
  const v = sum();
  if (pos !== tokens.length) throw new Error(`bad expression ${expr}`);
  return v;
}

function table(src: Source): Map<string, number> {
  const defs = macros(src);
  const out = new Map<string, number>();
  for (const [name, body] of defs) {
    const hit = /^__(?:ARM_)?NR_(\w+)$/.exec(name);
    if (!hit || NOT_SYSCALLS.has(hit[1])) continue;
    out.set(hit[1], evaluate(body, defs));
  }
  const known = new Set(out.values());
  const later: [number, string][] = [...LATER.map(([nr, name]): [number, string] => [nr + src.laterBase, name]), ...(src.laterOwn ?? [])];
  for (const [nr, name] of later) {
    if (out.has(name)) continue;
    if (known.has(nr)) throw new Error(`${src.name}: ${nr} is taken already`);
    out.set(name, nr);
  }
  return out;
}

mkdirSync(outDir, { recursive: true });
for (const src of SOURCES) {
  const t = table(src);
  const entries = [...t].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const body = entries.map(([n, v]) => `  ${/^[a-z_][a-z0-9_]*$/.test(n) ? n : JSON.stringify(n)}: ${v},`).join('\n');
  const file = `// Generated by scripts/gen-seccomp-tables.ts from ${src.includeDir}/${src.header}
// (+ syscalls added after Linux 6.1). Do not edit by hand.
let table: Readonly<Record<string, number>> | undefined;

/** Built on first use: the ten tables are a few ms of every start-up otherwise. */
export function syscalls(): Readonly<Record<string, number>> {
  return (table ??= {
${body}
  });
}
`;
  writeFileSync(join(outDir, `${src.name}.ts`), file);
  console.log(`${src.name}: ${t.size} syscalls, highest ${entries[entries.length - 1][1]}`);
}
