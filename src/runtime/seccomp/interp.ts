// A classic-BPF interpreter over seccomp_data, with the kernel's rules for seccomp filters:
// loads only as aligned 32-bit words inside seccomp_data, forward jumps only, and falling off the
// end is impossible (the last instruction must return). Used by the tests to check verdicts.
import { archByName } from './arch.ts';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MOD, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, SECCOMP_DATA_SIZE,
  bpfClass, bpfMiscOp, bpfMode, bpfOp, bpfRval, bpfSize, bpfSrc, decode,
} from './bpf.ts';

export interface SeccompData {
  /** Syscall number as the kernel sees it (x32 numbers include __X32_SYSCALL_BIT); -1 allowed. */
  nr: number;
  /** AUDIT_ARCH_* value, or an architecture name (SCMP_ARCH_X86_64, x86_64, arm64, …). */
  arch: number | string;
  args?: bigint[];
  ip?: bigint;
}

export class BpfRuntimeError extends Error {
  readonly pc: number;
  constructor(pc: number, message: string) {
    super(`bpf: instruction ${pc}: ${message}`);
    this.name = 'BpfRuntimeError';
    this.pc = pc;
  }
}

/** seccomp_data as the kernel lays it out for `arch`: native byte order of that ABI. */
export function seccompData(d: SeccompData): Buffer {
  let audit: number;
  if (typeof d.arch === 'number') audit = d.arch >>> 0;
  else {
    const a = archByName(d.arch);
    if (!a) throw new Error(`unknown architecture ${d.arch}`);
    audit = a.audit;
  }
  const le = (audit & 0x40000000) !== 0;
  const b = Buffer.alloc(SECCOMP_DATA_SIZE);
  const u32 = (v: number, o: number): void => { if (le) b.writeUInt32LE(v >>> 0, o); else b.writeUInt32BE(v >>> 0, o); };
  const u64 = (v: bigint, o: number): void => { const x = BigInt.asUintN(64, v); if (le) b.writeBigUInt64LE(x, o); else b.writeBigUInt64BE(x, o); };
  u32(d.nr, 0);
  u32(audit, 4);
  u64(d.ip ?? 0n, 8);
  (d.args ?? []).forEach((v, i) => { if (i < 6) u64(v, 16 + 8 * i); });
  return b;
}

/** Runs `filter` on `data` and returns the 32-bit seccomp return value. */
export function runFilter(filter: Buffer, data: SeccompData | Buffer): number {
  const prog = decode(filter);
  const mem = Buffer.isBuffer(data) ? data : seccompData(data);
  // Words are read in the byte order seccomp_data was written in (the ABI's).
  const le = Buffer.isBuffer(data) ? true : seccompDataIsLE(data);
  const load = (pc: number, k: number): number => {
    if (k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) throw new BpfRuntimeError(pc, `load from offset ${k} outside seccomp_data or unaligned`);
    return le ? mem.readUInt32LE(k) : mem.readUInt32BE(k);
  };
  let A = 0, X = 0;
  const M = new Uint32Array(BPF_MEMWORDS);
  for (let pc = 0, steps = 0; ; pc++, steps++) {
    if (pc >= prog.length) throw new BpfRuntimeError(pc, 'fell off the end of the program');
    if (steps > prog.length) throw new BpfRuntimeError(pc, 'loop');
    const { code, jt, jf, k } = prog[pc];
    switch (bpfClass(code)) {
      case BPF_LD: case BPF_LDX: {
        if (bpfSize(code) !== BPF_W) throw new BpfRuntimeError(pc, 'only word loads are allowed in seccomp');
        let v: number;
        switch (bpfMode(code)) {
          case BPF_ABS: if (bpfClass(code) !== BPF_LD) throw new BpfRuntimeError(pc, 'ldx abs'); v = load(pc, k); break;
          case BPF_IMM: v = k; break;
          case BPF_MEM: if (k >= BPF_MEMWORDS) throw new BpfRuntimeError(pc, `M[${k}]`); v = M[k]; break;
          case BPF_LEN: v = SECCOMP_DATA_SIZE; break;
          default: throw new BpfRuntimeError(pc, `load mode 0x${bpfMode(code).toString(16)} not allowed`);
        }
        if (bpfClass(code) === BPF_LD) A = v >>> 0; else X = v >>> 0;
        break;
      }
      case BPF_ST: case BPF_STX:
        if (k >= BPF_MEMWORDS) throw new BpfRuntimeError(pc, `M[${k}]`);
        M[k] = bpfClass(code) === BPF_ST ? A : X;
        break;
      case BPF_ALU: {
        const s = bpfSrc(code) === BPF_X ? X : k;
        switch (bpfOp(code)) {
          case BPF_ADD: A = (A + s) >>> 0; break;
          case BPF_SUB: A = (A - s) >>> 0; break;
          case BPF_MUL: A = Math.imul(A, s) >>> 0; break;
          case BPF_DIV: if (s === 0) return 0; A = Math.floor(A / s) >>> 0; break;
          case BPF_MOD: if (s === 0) return 0; A = (A % s) >>> 0; break;
          case BPF_OR: A = (A | s) >>> 0; break;
          case BPF_AND: A = (A & s) >>> 0; break;
          case BPF_XOR: A = (A ^ s) >>> 0; break;
          case BPF_LSH: A = s >= 32 ? 0 : (A << s) >>> 0; break;
          case BPF_RSH: A = s >= 32 ? 0 : A >>> s; break;
          case BPF_NEG: A = (-A) >>> 0; break;
          default: throw new BpfRuntimeError(pc, `alu op 0x${bpfOp(code).toString(16)}`);
        }
        break;
      }
      case BPF_JMP: {
        if (bpfOp(code) === BPF_JA) { pc += k; break; }
        const s = bpfSrc(code) === BPF_X ? X : k;
        let cond: boolean;
        switch (bpfOp(code)) {
          case BPF_JEQ: cond = A === s; break;
          case BPF_JGT: cond = A > s; break;
          case BPF_JGE: cond = A >= s; break;
          case BPF_JSET: cond = (A & s) !== 0; break;
          default: throw new BpfRuntimeError(pc, `jump op 0x${bpfOp(code).toString(16)}`);
        }
        pc += cond ? jt : jf;
        break;
      }
      case BPF_RET:
        if (bpfRval(code) === BPF_A) return A >>> 0;
        if (bpfRval(code) === 0) return k >>> 0;
        throw new BpfRuntimeError(pc, 'ret X is not allowed');
      case BPF_MISC:
        if (bpfMiscOp(code) === BPF_TAX) X = A;
        else if (bpfMiscOp(code) === BPF_TXA) A = X;
        else throw new BpfRuntimeError(pc, 'misc op');
        break;
    }
  }
}

function seccompDataIsLE(d: SeccompData): boolean {
  if (typeof d.arch === 'number') return (d.arch & 0x40000000) !== 0;
  return archByName(d.arch)?.littleEndian ?? true;
}
