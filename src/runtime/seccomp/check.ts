// Structural checks a filter must pass before the kernel will take it (the rules of
// sk_chk_filter + seccomp_check_filter), plus that every path ends in a return.
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MAXINSNS, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD,
  BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_XOR,
  SECCOMP_DATA_SIZE, bpfClass, bpfMiscOp, bpfMode, bpfOp, bpfRval, bpfSize, decode,
} from './bpf.ts';

/** Problems found, one message per problem; empty when the filter is well formed. */
export function checkFilter(filter: Buffer): string[] {
  const errs: string[] = [];
  if (filter.length === 0 || filter.length % 8 !== 0) return [`length ${filter.length} is not a positive multiple of 8`];
  const prog = decode(filter);
  if (prog.length > BPF_MAXINSNS) errs.push(`${prog.length} instructions (max ${BPF_MAXINSNS})`);
  const ALU = new Set([BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_NEG]);
  prog.forEach(({ code, jt, jf, k }, pc) => {
    const bad = (m: string): void => { errs.push(`${pc}: ${m} (code 0x${code.toString(16)})`); };
    switch (bpfClass(code)) {
      case BPF_LD: case BPF_LDX:
        if (bpfSize(code) !== BPF_W) bad('non-word load');
        else if (bpfMode(code) === BPF_ABS) {
          if (bpfClass(code) !== BPF_LD) bad('ldx abs');
          else if (k % 4 !== 0 || k >= SECCOMP_DATA_SIZE) bad(`load offset ${k} outside seccomp_data or unaligned`);
        } else if (bpfMode(code) === BPF_MEM) { if (k >= BPF_MEMWORDS) bad(`M[${k}]`); }
        else if (bpfMode(code) !== BPF_IMM && bpfMode(code) !== BPF_LEN) bad('load mode not allowed in seccomp');
        break;
      case BPF_ST: case BPF_STX: if (k >= BPF_MEMWORDS) bad(`M[${k}]`); break;
      case BPF_ALU:
        if (!ALU.has(bpfOp(code))) bad('unknown alu op');
        else if ((bpfOp(code) === BPF_DIV || bpfOp(code) === BPF_MOD) && (code & 0x08) === BPF_K && k === 0) bad('division by zero');
        break;
      case BPF_JMP:
        if (bpfOp(code) === BPF_JA) { if (pc + 1 + k >= prog.length) bad(`ja ${k} leaves the program`); }
        else if (![BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].includes(bpfOp(code))) bad('unknown jump');
        else if (pc + 1 + jt >= prog.length || pc + 1 + jf >= prog.length) bad(`jump ${jt}/${jf} leaves the program`);
        break;
      case BPF_RET: if (bpfRval(code) !== BPF_K && bpfRval(code) !== BPF_A) bad('ret X'); break;
      case BPF_MISC: if (bpfMiscOp(code) !== BPF_TAX && bpfMiscOp(code) !== BPF_TXA) bad('misc op'); break;
    }
  });
  if (prog.length && bpfClass(prog[prog.length - 1].code) !== BPF_RET) errs.push('the last instruction is not a return');
  return errs;
}
