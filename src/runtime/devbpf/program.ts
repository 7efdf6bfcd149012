// linux.resources.devices → a BPF_PROG_TYPE_CGROUP_DEVICE program for cgroup v2, from the same
// ordered rules the v1 devices files get (cgroups/devices.ts: "a", "c 1:3 rwm", "b *:* m").
//
// Semantics (the v1 controller's, as runc emulates them): a new cgroup allows everything; rules
// apply in order and a later rule overrides an earlier one, access letter by letter. So for each
// access bit the request asks for, the *last* rule that matches the device and has that bit
// decides; a request is allowed only if every bit it asks for is. The program checks the bits
// one after the other, each against the rules from last to first.
//
// The context is struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } with
// access_type = (access << 16) | type; type BPF_DEVCG_DEV_BLOCK 1, BPF_DEVCG_DEV_CHAR 2; access
// BPF_DEVCG_ACC_MKNOD 1, READ 2, WRITE 4. The program returns 1 to allow, 0 to deny.
import { encode, OP, type Insn } from './insn.ts';

export class DeviceRuleError extends Error {
  override name = 'DeviceRuleError';
  readonly rule: string;
  constructor(rule: string, message: string) {
    super(`device rule ${JSON.stringify(rule)}: ${message}`);
    this.rule = rule;
  }
}

/** A device rule as the v1 files take it: `a`, or `TYPE MAJOR:MINOR ACCESS` with `*` wildcards. */
export interface DeviceRuleText { allow: boolean; rule: string }

export interface ParsedRule { allow: boolean; type: 'a' | 'b' | 'c'; major?: number; minor?: number; access: number }

export const DEV = { BLOCK: 1, CHAR: 2 } as const;
export const ACC = { MKNOD: 1, READ: 2, WRITE: 4 } as const;

function accessBits(s: string, rule: string): number {
  let bits = 0;
  for (const c of s) {
    if (c === 'm') bits |= ACC.MKNOD;
    else if (c === 'r') bits |= ACC.READ;
    else if (c === 'w') bits |= ACC.WRITE;
    else throw new DeviceRuleError(rule, `unknown access letter ${JSON.stringify(c)}`);
  }
  return bits;
}

function devNum(s: string, rule: string): number | undefined {
  if (s === '*') return undefined;
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new DeviceRuleError(rule, `bad device number ${JSON.stringify(s)}`);
  return Number(s);
}

export function parseRule(r: DeviceRuleText): ParsedRule {
  const f = r.rule.trim().split(/\s+/);
  if (f[0] === 'a') {
    if (f.length > 1 && !(f[1] === '*:*' && (f[2] ?? 'rwm') === 'rwm')) throw new DeviceRuleError(r.rule, '"a" takes no device or access');
    return { allow: r.allow, type: 'a', access: ACC.MKNOD | ACC.READ | ACC.WRITE };
  }
  if ((f[0] !== 'b' && f[0] !== 'c') || f.length !== 3) throw new DeviceRuleError(r.rule, 'expected "a" or "TYPE MAJOR:MINOR ACCESS"');
  const mm = f[1].split(':');
  if (mm.length !== 2) throw new DeviceRuleError(r.rule, 'expected MAJOR:MINOR');
  return { allow: r.allow, type: f[0], major: devNum(mm[0], r.rule), minor: devNum(mm[1], r.rule), access: accessBits(f[2], r.rule) };
}

// Registers: r1 ctx, r2 access bits, r3 type, r4 major, r5 minor, r6 scratch.
type Item = Insn | { label: string } | { jump: Insn; to: string };

/** The program for `rules` (in v1 order), as instructions. */
export function deviceProgram(rules: DeviceRuleText[]): Insn[] {
  const parsed = rules.map(parseRule);
  const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
  const items: Item[] = [
    I(OP.LDX_W, 2, 1, 0),
    I(OP.MOV64_REG, 3, 2),
    I(OP.AND64_IMM, 3, 0, 0, 0xffff),
    I(OP.RSH64_IMM, 2, 0, 0, 16),
    I(OP.LDX_W, 4, 1, 4),
    I(OP.LDX_W, 5, 1, 8),
  ];
  const deny = 'deny';
  let n = 0;
  for (const bit of [ACC.MKNOD, ACC.READ, ACC.WRITE]) {
    const nextBit = `bit${bit}`;
    // Not asked for: nothing to decide.
    items.push(I(OP.MOV64_REG, 6, 2), I(OP.AND64_IMM, 6, 0, 0, bit), { jump: I(OP.JEQ_IMM, 6, 0, 0, 0), to: nextBit });
    for (let i = parsed.length - 1; i >= 0; i--) {
      const r = parsed[i];
      if (!(r.access & bit)) continue;
      const nextRule = `r${n++}`;
      if (r.type !== 'a') items.push({ jump: I(OP.JNE_IMM, 3, 0, 0, r.type === 'b' ? DEV.BLOCK : DEV.CHAR), to: nextRule });
      if (r.major !== undefined) items.push({ jump: I(OP.JNE_IMM, 4, 0, 0, r.major | 0), to: nextRule });
      if (r.minor !== undefined) items.push({ jump: I(OP.JNE_IMM, 5, 0, 0, r.minor | 0), to: nextRule });
      items.push({ jump: I(OP.JA), to: r.allow ? nextBit : deny });
      items.push({ label: nextRule });
      // A rule matching every device decides for everything before it: stop here.
      if (r.type === 'a') break;
    }
    // No rule has a say: the v1 default, allow.
    items.push({ label: nextBit });
  }
  items.push(I(OP.MOV64_IMM, 0, 0, 0, 1), I(OP.EXIT));
  // The verifier refuses unreachable code: the deny exit only when some rule jumps to it.
  if (items.some((it) => 'to' in it && it.to === deny)) items.push({ label: deny }, I(OP.MOV64_IMM, 0, 0, 0, 0), I(OP.EXIT));

  const at = new Map<string, number>();
  let pc = 0;
  for (const it of items) {
    if ('label' in it) at.set(it.label, pc);
    else pc++;
  }
  const out: Insn[] = [];
  for (const it of items) {
    if ('label' in it) continue;
    if ('jump' in it) out.push({ ...it.jump, off: at.get(it.to)! - (out.length + 1) });
    else out.push(it);
  }
  if (out.some((i) => i.off > 0x7fff)) throw new DeviceRuleError('', `too many rules (${rules.length}) for one program`);
  return out;
}

/** The program as bytes for BPF_PROG_LOAD. */
export function deviceProgramBytes(rules: DeviceRuleText[]): Buffer {
  return encode(deviceProgram(rules));
}
