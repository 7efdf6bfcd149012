// A small assembler: code is emitted with symbolic labels, then laid out. Classic BPF conditional
// jumps carry 8-bit offsets (at most 255 instructions ahead); when a target is further away the
// jump is pointed at a trampoline, an unconditional `ja` (32-bit offset) placed right after it.
// Adding trampolines only ever moves targets further away, so layout repeats until no jump needs
// a new one; the count per jump only grows, which guarantees the loop ends.
import { BPF_JA, BPF_JMP, type Insn, encode } from './bpf.ts';

export type Label = number;
/** Where a conditional jump goes: a label, or `null` for the next instruction. */
export type Target = Label | null;

type Item =
  | { kind: 'plain'; code: number; k: number }
  | { kind: 'cond'; code: number; k: number; jt: Target; jf: Target }
  | { kind: 'ja'; target: Label };

export class Program {
  private items: Item[] = [];
  private labels: (number | undefined)[] = [];

  label(): Label { this.labels.push(undefined); return this.labels.length - 1; }

  place(l: Label): void {
    if (this.labels[l] !== undefined) throw new Error(`label ${l} placed twice`);
    this.labels[l] = this.items.length;
  }

  stmt(code: number, k: number): void { this.items.push({ kind: 'plain', code, k: k >>> 0 }); }

  jump(code: number, k: number, jt: Target, jf: Target): void {
    this.items.push({ kind: 'cond', code, k: k >>> 0, jt, jf });
  }

  ja(target: Label): void { this.items.push({ kind: 'ja', target }); }

  get length(): number { return this.items.length; }

  assemble(): Insn[] {
    const n = this.items.length;
    const extra = new Array<number>(n).fill(0);
    const pos = new Array<number>(n + 1).fill(0);
    const addr = (l: Label): number => {
      const at = this.labels[l];
      if (at === undefined) throw new Error(`label ${l} never placed`);
      if (at >= n) throw new Error(`label ${l} points past the end of the program`);
      return pos[at];
    };
    // Distance from the instruction after `i` (trampolines included) to a target.
    const dist = (i: number, t: Target): number => (t === null ? extra[i] : addr(t) - (pos[i] + 1));
    for (;;) {
      for (let i = 0, p = 0; i <= n; i++) { pos[i] = p; if (i < n) p += 1 + extra[i]; }
      let changed = false;
      for (let i = 0; i < n; i++) {
        const it = this.items[i];
        if (it.kind !== 'cond') continue;
        const need = (it.jt !== null && dist(i, it.jt) > 255 ? 1 : 0) + (it.jf !== null && dist(i, it.jf) > 255 ? 1 : 0);
        if (need > extra[i]) { extra[i] = need; changed = true; }
      }
      if (!changed) break;
    }
    const out: Insn[] = [];
    for (let i = 0; i < n; i++) {
      const it = this.items[i];
      if (it.kind === 'plain') { out.push({ code: it.code, jt: 0, jf: 0, k: it.k }); continue; }
      if (it.kind === 'ja') {
        const d = addr(it.target) - (pos[i] + 1);
        if (d < 0) throw new Error('backward jump');
        out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: d });
        continue;
      }
      // Decide which branches go through a trampoline: the far ones, then (to use every slot
      // reserved in an earlier round) near ones too — a trampoline is always correct.
      const far = (t: Target): boolean => t !== null && dist(i, t) > 255;
      let viaT = far(it.jt), viaF = far(it.jf);
      let slots = extra[i];
      if (viaT) slots--; if (viaF) slots--;
      if (slots > 0 && !viaT) { viaT = true; slots--; }
      if (slots > 0 && !viaF) { viaF = true; slots--; }
      const tramps: Target[] = [];
      const off = (t: Target, via: boolean): number => {
        if (via) { tramps.push(t); return tramps.length - 1; }
        const d = dist(i, t);
        if (d < 0 || d > 255) throw new Error(`jump offset ${d} out of range`);
        return d;
      };
      const jt = off(it.jt, viaT);
      const jf = off(it.jf, viaF);
      out.push({ code: it.code, jt, jf, k: it.k });
      tramps.forEach((t, j) => {
        const here = pos[i] + 1 + j;
        // A `null` target is the instruction after the trampolines.
        const dest = t === null ? pos[i] + 1 + extra[i] : addr(t);
        out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: dest - (here + 1) });
      });
    }
    return out;
  }

  bytes(): Buffer { return encode(this.assemble()); }
}
