// An interpreter for the eBPF subset deviceProgram emits, so that the generated programs can be
// checked against the rules without loading them (unit tests, `--dry-run` style inspection).
import { OP, type Insn } from './insn.ts';

export interface DeviceRequest { type: 'b' | 'c'; major: number; minor: number; access: string }

export class BpfInterpError extends Error {
  override name = 'BpfInterpError';
  constructor(pc: number, message: string) {
    super(`pc ${pc}: ${message}`);
  }
}

const MASK = (1n << 64n) - 1n;

/** Runs `prog` on a bpf_cgroup_dev_ctx; returns r0 (1 allow, 0 deny). */
export function runDeviceProgram(prog: Insn[], req: DeviceRequest): number {
  let access = 0;
  for (const c of req.access) access |= c === 'm' ? 1 : c === 'r' ? 2 : c === 'w' ? 4 : 0;
  const ctx = [((access << 16) | (req.type === 'b' ? 1 : 2)) >>> 0, req.major >>> 0, req.minor >>> 0];
  const r = new Array<bigint>(11).fill(0n);
  const imm = (i: Insn) => BigInt.asUintN(64, BigInt(i.imm));   // sign-extended, as the kernel does
  for (let pc = 0, steps = 0; pc < prog.length; pc++) {
    if (++steps > 100000) throw new BpfInterpError(pc, 'runaway program');
    const i = prog[pc];
    switch (i.code) {
      case OP.LDX_W:
        if (i.src !== 1 || i.off % 4 || i.off < 0 || i.off > 8) throw new BpfInterpError(pc, `load outside the context (r${i.src}+${i.off})`);
        r[i.dst] = BigInt(ctx[i.off / 4]);
        break;
      case OP.MOV64_IMM: r[i.dst] = imm(i); break;
      case OP.MOV64_REG: r[i.dst] = r[i.src]; break;
      case OP.AND64_IMM: r[i.dst] &= imm(i); break;
      case OP.RSH64_IMM: r[i.dst] = (r[i.dst] >> BigInt(i.imm & 63)) & MASK; break;
      case OP.JA: pc += i.off; break;
      case OP.JEQ_IMM: if (r[i.dst] === imm(i)) pc += i.off; break;
      case OP.JNE_IMM: if (r[i.dst] !== imm(i)) pc += i.off; break;
      case OP.EXIT: return Number(r[0]);
      default: throw new BpfInterpError(pc, `opcode 0x${i.code.toString(16)} not supported`);
    }
    if (pc + 1 < 0 || pc + 1 > prog.length) throw new BpfInterpError(pc, 'jump out of the program');
  }
  throw new BpfInterpError(prog.length, 'fell off the end without exit');
}
