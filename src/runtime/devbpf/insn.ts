// eBPF instructions as the kernel takes them: 8 bytes each, little-endian
// (u8 opcode, u8 dst:4|src:4, s16 offset, s32 immediate). Only what the device program needs.

export interface Insn { code: number; dst: number; src: number; off: number; imm: number }

export const OP = {
  LDX_W: 0x61,       // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
  MOV64_IMM: 0xb7,   // BPF_ALU64 | BPF_MOV | BPF_K
  MOV64_REG: 0xbf,   // BPF_ALU64 | BPF_MOV | BPF_X
  AND64_IMM: 0x57,   // BPF_ALU64 | BPF_AND | BPF_K
  RSH64_IMM: 0x77,   // BPF_ALU64 | BPF_RSH | BPF_K
  JA: 0x05,          // BPF_JMP | BPF_JA
  JEQ_IMM: 0x15,     // BPF_JMP | BPF_JEQ | BPF_K
  JNE_IMM: 0x55,     // BPF_JMP | BPF_JNE | BPF_K
  EXIT: 0x95,        // BPF_JMP | BPF_EXIT
} as const;

export function encode(prog: Insn[]): Buffer {
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((i, n) => {
    out.writeUInt8(i.code, n * 8);
    out.writeUInt8((i.src << 4) | i.dst, n * 8 + 1);
    out.writeInt16LE(i.off, n * 8 + 2);
    out.writeInt32LE(i.imm, n * 8 + 4);
  });
  return out;
}

export function decode(buf: Buffer): Insn[] {
  const out: Insn[] = [];
  for (let o = 0; o + 8 <= buf.length; o += 8) {
    const regs = buf.readUInt8(o + 1);
    out.push({ code: buf.readUInt8(o), dst: regs & 0xf, src: regs >> 4, off: buf.readInt16LE(o + 2), imm: buf.readInt32LE(o + 4) });
  }
  return out;
}
