// Human-readable listing of a filter, for debugging (`berth-runtime` may print it on request).
import { actionName } from './actions.ts';
import { ARCHES } from './arch.ts';
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_IMM, BPF_JA, BPF_JMP, BPF_LD, BPF_LDX, BPF_LEN, BPF_MEM, BPF_MISC, BPF_RET,
  BPF_ST, BPF_STX, BPF_TAX, BPF_X, bpfClass, bpfMiscOp, bpfMode, bpfOp, bpfRval, bpfSrc, decode,
} from './bpf.ts';

const ALU_NAMES: Record<number, string> = { 0x00: 'add', 0x10: 'sub', 0x20: 'mul', 0x30: 'div', 0x40: 'or', 0x50: 'and', 0x60: 'lsh', 0x70: 'rsh', 0x80: 'neg', 0x90: 'mod', 0xa0: 'xor' };
const JMP_NAMES: Record<number, string> = { 0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset' };

function field(k: number): string {
  if (k === 0) return 'nr';
  if (k === 4) return 'arch';
  if (k === 8) return 'ip[0]';
  if (k === 12) return 'ip[1]';
  if (k >= 16 && k < 64) return `args[${(k - 16) >> 3}].${(k & 4) ? 'w1' : 'w0'}`;
  return `?${k}`;
}

const archNames = new Map<number, string>();
for (const a of Object.values(ARCHES)) if (!archNames.has(a.audit)) archNames.set(a.audit, a.name.replace('SCMP_ARCH_', ''));

const hex = (k: number): string => `0x${(k >>> 0).toString(16)}`;

export function disassemble(filter: Buffer): string {
  const prog = decode(filter);
  const w = String(prog.length).length;
  const at = (n: number): string => String(n).padStart(w, '0');
  // What the accumulator was last loaded with, in listing order: good enough to label arch checks.
  let acc = '';
  return prog.map(({ code, jt, jf, k }, pc) => {
    let s: string;
    switch (bpfClass(code)) {
      case BPF_LD: case BPF_LDX: {
        const r = bpfClass(code) === BPF_LD ? 'ld' : 'ldx';
        const m = bpfMode(code);
        if (r === 'ld') acc = m === BPF_ABS ? field(k) : '';
        s = m === BPF_ABS ? `${r} [${k}]`.padEnd(20) + `; ${field(k)}`
          : m === BPF_IMM ? `${r} #${hex(k)}` : m === BPF_MEM ? `${r} M[${k}]` : m === BPF_LEN ? `${r} #len` : `${r} ?${hex(code)}`;
        break;
      }
      case BPF_ST: s = `st M[${k}]`; break;
      case BPF_STX: s = `stx M[${k}]`; break;
      case BPF_ALU: acc = ''; s = `${ALU_NAMES[bpfOp(code)] ?? '?alu'} ${bpfSrc(code) === BPF_X ? 'x' : `#${hex(k)}`}`; break;
      case BPF_JMP:
        if (bpfOp(code) === BPF_JA) s = `ja ${at(pc + 1 + k)}`;
        else {
          const arch = archNames.get(k >>> 0);
          s = `${JMP_NAMES[bpfOp(code)] ?? '?jmp'} ${bpfSrc(code) === BPF_X ? 'x' : `#${hex(k)}`}`.padEnd(20)
            + ` jt ${at(pc + 1 + jt)} jf ${at(pc + 1 + jf)}` + (arch && acc === 'arch' && bpfOp(code) === 0x10 ? `  ; ${arch}` : '');
        }
        break;
      case BPF_RET: s = bpfRval(code) === BPF_A ? 'ret a' : `ret ${actionName(k)}`; break;
      case BPF_MISC: s = bpfMiscOp(code) === BPF_TAX ? 'tax' : 'txa'; break;
      default: s = `?? ${hex(code)}`;
    }
    return `${at(pc)}: ${s}`;
  }).join('\n') + '\n';
}
