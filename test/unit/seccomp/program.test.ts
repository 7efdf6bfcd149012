import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Program } from '../../../src/runtime/seccomp/program.ts';
import { encode, BPF_JMP, BPF_JA, BPF_JEQ, BPF_K, BPF_LD, BPF_W, BPF_ABS, BPF_RET } from '../../../src/runtime/seccomp/bpf.ts';
import { runFilter, checkFilter, disassemble } from '../../../src/runtime/seccomp/index.ts';

const LD = BPF_LD | BPF_W | BPF_ABS, JEQ = BPF_JMP | BPF_JEQ | BPF_K, RET = BPF_RET | BPF_K;

// nr == 7 → ret 0x7fff0000, nr == 9 → ret 0x50009, else 0x50001; both targets sit `gap` returns away.
function far(gap: number): Buffer {
  const p = new Program();
  const seven = p.label(), nine = p.label();
  p.stmt(LD, 0);
  p.jump(JEQ, 7, seven, null);
  p.jump(JEQ, 9, nine, null);
  for (let i = 0; i < gap; i++) p.stmt(RET, 0x50001);
  p.place(seven);
  p.stmt(RET, 0x7fff0000);
  for (let i = 0; i < gap; i++) p.stmt(RET, 0x50002);
  p.place(nine);
  p.stmt(RET, 0x50009);
  return encode(p.assemble());
}

test('near jumps need no trampoline', () => {
  const f = far(10);
  assert.equal(f.length / 8, 3 + 10 + 1 + 10 + 1);
  assert.deepEqual(checkFilter(f), []);
  assert.equal(runFilter(f, { nr: 7, arch: 'x86_64' }), 0x7fff0000);
});

test('far conditional jumps go through ja trampolines', () => {
  for (const gap of [254, 255, 256, 300, 1000]) {
    const f = far(gap);
    assert.deepEqual(checkFilter(f), [], `gap ${gap}`);
    assert.equal(runFilter(f, { nr: 7, arch: 'x86_64' }), 0x7fff0000, `gap ${gap}`);
    assert.equal(runFilter(f, { nr: 9, arch: 'x86_64' }), 0x50009, `gap ${gap}`);
    assert.equal(runFilter(f, { nr: 8, arch: 'x86_64' }), 0x50001, `gap ${gap}`);
    const hasJa = disassemble(f).includes(': ja ');
    assert.equal(hasJa, gap >= 254, `gap ${gap}: trampolines only when needed`);
  }
});

test('both branches far', () => {
  const p = new Program();
  const a = p.label(), b = p.label();
  p.stmt(LD, 0);
  p.jump(JEQ, 1, a, b);
  p.stmt(RET, 0); // unreachable filler
  for (let i = 0; i < 400; i++) p.stmt(RET, 0x50003);
  p.place(a); p.stmt(RET, 0x7fff0000);
  for (let i = 0; i < 400; i++) p.stmt(RET, 0x50004);
  p.place(b); p.stmt(RET, 0x50005);
  const f = encode(p.assemble());
  assert.deepEqual(checkFilter(f), []);
  assert.equal(runFilter(f, { nr: 1, arch: 'x86_64' }), 0x7fff0000);
  assert.equal(runFilter(f, { nr: 2, arch: 'x86_64' }), 0x50005);
  assert.equal(f.readUInt16LE(16), BPF_JMP | BPF_JA);
  assert.equal(f.readUInt16LE(24), BPF_JMP | BPF_JA);
});

test('checkFilter rejects what the kernel rejects', () => {
  const bad = (insns: { code: number; jt: number; jf: number; k: number }[]): string[] => checkFilter(encode(insns));
  assert.match(bad([{ code: LD, jt: 0, jf: 0, k: 64 }, { code: RET, jt: 0, jf: 0, k: 0 }])[0], /outside seccomp_data/);
  assert.match(bad([{ code: LD, jt: 0, jf: 0, k: 2 }, { code: RET, jt: 0, jf: 0, k: 0 }])[0], /unaligned/);
  assert.match(bad([{ code: JEQ, jt: 5, jf: 0, k: 0 }, { code: RET, jt: 0, jf: 0, k: 0 }])[0], /leaves the program/);
  assert.match(bad([{ code: LD, jt: 0, jf: 0, k: 0 }]).join(), /last instruction/);
  assert.match(bad([{ code: BPF_LD | 0x10 | BPF_ABS, jt: 0, jf: 0, k: 0 }, { code: RET, jt: 0, jf: 0, k: 0 }])[0], /non-word/);
});
