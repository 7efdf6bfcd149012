// Parsing and validating config.json. Every problem is collected (field path + reason) into one
// SpecError. Unknown fields are ignored, as runc ignores them; what runc or the spec reject, or
// what could only fail later in a confusing way, is rejected here.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CAPABILITIES } from './capabilities.ts';
import { BundleError, SpecError } from './errors.ts';
import type { SpecProblem } from './errors.ts';
import { RLIMITS } from './rlimits.ts';
import type { Spec } from './spec.ts';

const U32_MAX = 0xffff_ffff;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const;
export const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable'] as const;
const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
];
const SECCOMP_OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
const IOPRIO_CLASSES = ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'];
const SCHED_POLICIES = ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE'];

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse keeping integers above 2^53 exact (as bigint) and dropping `null` members, which
 * Go-based tools emit for "absent" and runc reads as absent. */
function parseJson(text: string): Json {
  return JSON.parse(text, function (this: unknown, _key: string, value: Json, ctx?: { source?: string }) {
    if (value === null && !Array.isArray(this)) return undefined;
    if (typeof value === 'number' && !Number.isSafeInteger(value) && ctx?.source && /^-?\d+$/.test(ctx.source)) {
      return BigInt(ctx.source);
    }
    return value;
  });
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1, start = 0;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; start = i + 1; }
  return { line, column: pos - start + 1 };
}

function jsonProblem(text: string, e: SyntaxError): SpecProblem {
  const m = /at position (\d+)/.exec(e.message);
  // V8 appends its own "(line L column C)"; drop it, we report the position ourselves.
  const reason = e.message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
  if (!m) {
    // "Unexpected end of JSON input" carries no position: it is at the end.
    return { path: '', message: `invalid JSON: ${reason}`, ...lineColumn(text, text.length) };
  }
  return { path: '', message: `invalid JSON: ${reason}`, ...lineColumn(text, Number(m[1])) };
}

/** Collects problems while walking the document. Each checker returns the value when it is of
 * the right shape (so that nested checks can go on) and records a problem otherwise. */
class Checker {
  problems: SpecProblem[] = [];
  add(path: string, message: string): void { this.problems.push({ path, message }); }

  obj(v: Json, path: string): Obj | undefined {
    if (v === undefined) return undefined;
    if (!isObj(v)) { this.add(path, 'must be an object'); return undefined; }
    return v;
  }
  str(v: Json, path: string, required = false): string | undefined {
    if (v === undefined) { if (required) this.add(path, 'is required'); return undefined; }
    if (typeof v !== 'string') { this.add(path, 'must be a string'); return undefined; }
    return v;
  }
  bool(v: Json, path: string): void {
    if (v !== undefined && typeof v !== 'boolean') this.add(path, 'must be true or false');
  }
  absPath(v: Json, path: string, required = false): string | undefined {
    const s = this.str(v, path, required);
    if (s !== undefined && !s.startsWith('/')) { this.add(path, `must be an absolute path, got "${s}"`); return undefined; }
    return s;
  }
  oneOf(v: Json, path: string, allowed: readonly string[], what: string, required = false): void {
    const s = this.str(v, path, required);
    if (s !== undefined && !allowed.includes(s)) this.add(path, `unknown ${what} "${s}" (expected one of ${allowed.join(', ')})`);
  }
  /** An integer in [min, max]; bigint accepted (parseJson produces it above 2^53). */
  int(v: Json, path: string, min: bigint, max: bigint, required = false): bigint | undefined {
    if (v === undefined) { if (required) this.add(path, 'is required'); return undefined; }
    let b: bigint | undefined;
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
    if (b === undefined) {
      this.add(path, typeof v === 'number' ? `must be an integer, got ${v}` : `must be an integer, got ${describe(v)}`);
      return undefined;
    }
    if (b < min || b > max) {
      this.add(path, min === 0n && b < 0n ? `must not be negative, got ${b}` : `must be between ${min} and ${max}, got ${b}`);
      return undefined;
    }
    return b;
  }
  u32(v: Json, path: string, required = false) { return this.int(v, path, 0n, BigInt(U32_MAX), required); }
  u64(v: Json, path: string, required = false) { return this.int(v, path, 0n, U64_MAX, required); }
  i64(v: Json, path: string, required = false) { return this.int(v, path, I64_MIN, I64_MAX, required); }

  arr(v: Json, path: string, required = false): Json[] | undefined {
    if (v === undefined) { if (required) this.add(path, 'is required'); return undefined; }
    if (!Array.isArray(v)) { this.add(path, 'must be an array'); return undefined; }
    return v;
  }
  strings(v: Json, path: string, opts: { nonEmpty?: boolean; required?: boolean } = {}): string[] | undefined {
    const want = opts.nonEmpty ? 'must be a non-empty array of strings' : 'must be an array of strings';
    if (v === undefined) { if (opts.required) this.add(path, want); return undefined; }
    if (!Array.isArray(v) || (opts.nonEmpty && v.length === 0)) { this.add(path, want); return undefined; }
    const bad = v.findIndex((x) => typeof x !== 'string');
    if (bad >= 0) { this.add(`${path}[${bad}]`, 'must be a string'); return undefined; }
    return v as string[];
  }
  strMap(v: Json, path: string): void {
    const o = this.obj(v, path);
    if (!o) return;
    for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') this.add(`${path}[${JSON.stringify(k)}]`, 'must be a string');
  }
}

function describe(v: Json): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v === 'object' ? 'an object' : String(v);
}

function checkProcess(c: Checker, p: Obj): void {
  c.bool(p.terminal, 'process.terminal');
  const cs = c.obj(p.consoleSize, 'process.consoleSize');
  if (cs) { c.u32(cs.height, 'process.consoleSize.height', true); c.u32(cs.width, 'process.consoleSize.width', true); }
  const user = c.obj(p.user, 'process.user');
  if (p.user === undefined) c.add('process.user', 'is required');
  if (user) {
    c.u32(user.uid, 'process.user.uid', true);
    c.u32(user.gid, 'process.user.gid', true);
    c.u32(user.umask, 'process.user.umask');
    if (typeof user.umask === 'number' && user.umask > 0o777) c.add('process.user.umask', `must be at most 0777 (511), got ${user.umask}`);
    const gids = c.arr(user.additionalGids, 'process.user.additionalGids');
    gids?.forEach((g, i) => c.u32(g, `process.user.additionalGids[${i}]`, true));
    c.str(user.username, 'process.user.username');
  }
  c.strings(p.args, 'process.args', { nonEmpty: true, required: true });
  const env = c.strings(p.env, 'process.env');
  env?.forEach((e, i) => { if (!e.includes('=')) c.add(`process.env[${i}]`, `must have the form NAME=value, got "${e}"`); });
  c.absPath(p.cwd, 'process.cwd', true);
  const caps = c.obj(p.capabilities, 'process.capabilities');
  if (caps) {
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient']) {
      const list = c.strings(caps[set], `process.capabilities.${set}`);
      list?.forEach((name, i) => {
        if (!CAPABILITIES.has(name)) c.add(`process.capabilities.${set}[${i}]`, `unknown capability "${name}"`);
      });
    }
  }
  const rl = c.arr(p.rlimits, 'process.rlimits');
  const seenRl = new Set<string>();
  rl?.forEach((r, i) => {
    const at = `process.rlimits[${i}]`;
    const o = c.obj(r, at);
    if (!o) return;
    const type = c.str(o.type, `${at}.type`, true);
    if (type !== undefined) {
      if (!RLIMITS.has(type)) c.add(`${at}.type`, `unknown rlimit type "${type}"`);
      else if (seenRl.has(type)) c.add(`${at}.type`, `duplicate rlimit type "${type}"`);
      seenRl.add(type);
    }
    const soft = c.u64(o.soft, `${at}.soft`, true);
    const hard = c.u64(o.hard, `${at}.hard`, true);
    if (soft !== undefined && hard !== undefined && soft > hard) c.add(at, `soft limit ${soft} is above hard limit ${hard}`);
  });
  c.bool(p.noNewPrivileges, 'process.noNewPrivileges');
  c.str(p.apparmorProfile, 'process.apparmorProfile');
  c.str(p.selinuxLabel, 'process.selinuxLabel');
  c.int(p.oomScoreAdj, 'process.oomScoreAdj', -1000n, 1000n);
  const io = c.obj(p.ioPriority, 'process.ioPriority');
  if (io) {
    c.oneOf(io.class, 'process.ioPriority.class', IOPRIO_CLASSES, 'I/O priority class', true);
    c.int(io.priority, 'process.ioPriority.priority', 0n, 7n, true);
  }
  const sch = c.obj(p.scheduler, 'process.scheduler');
  if (sch) {
    c.oneOf(sch.policy, 'process.scheduler.policy', SCHED_POLICIES, 'scheduler policy', true);
    c.int(sch.nice, 'process.scheduler.nice', -20n, 19n);
    c.int(sch.priority, 'process.scheduler.priority', 0n, 99n);
    c.strings(sch.flags, 'process.scheduler.flags');
    for (const f of ['runtime', 'deadline', 'period']) c.u64(sch[f], `process.scheduler.${f}`);
  }
  const aff = c.obj(p.execCPUAffinity, 'process.execCPUAffinity');
  if (aff) { c.str(aff.initial, 'process.execCPUAffinity.initial'); c.str(aff.final, 'process.execCPUAffinity.final'); }
}

function checkIdMaps(c: Checker, v: Json, path: string): void {
  c.arr(v, path)?.forEach((m, i) => {
    const o = c.obj(m, `${path}[${i}]`);
    if (!o) return;
    c.u32(o.containerID, `${path}[${i}].containerID`, true);
    c.u32(o.hostID, `${path}[${i}].hostID`, true);
    const size = c.u32(o.size, `${path}[${i}].size`, true);
    if (size === 0n) c.add(`${path}[${i}].size`, 'must be at least 1');
  });
}

function checkMounts(c: Checker, v: Json): void {
  c.arr(v, 'mounts')?.forEach((m, i) => {
    const at = `mounts[${i}]`;
    const o = c.obj(m, at);
    if (!o) return;
    c.absPath(o.destination, `${at}.destination`, true);
    c.str(o.type, `${at}.type`);
    c.str(o.source, `${at}.source`);
    c.strings(o.options, `${at}.options`);
    checkIdMaps(c, o.uidMappings, `${at}.uidMappings`);
    checkIdMaps(c, o.gidMappings, `${at}.gidMappings`);
  });
}

function checkHooks(c: Checker, v: Json): void {
  const hooks = c.obj(v, 'hooks');
  if (!hooks) return;
  for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
    c.arr(hooks[kind], `hooks.${kind}`)?.forEach((h, i) => {
      const at = `hooks.${kind}[${i}]`;
      const o = c.obj(h, at);
      if (!o) return;
      c.absPath(o.path, `${at}.path`, true);
      c.strings(o.args, `${at}.args`);
      c.strings(o.env, `${at}.env`);
      if (o.timeout !== undefined) {
        const t = c.int(o.timeout, `${at}.timeout`, -(1n << 31n), (1n << 31n) - 1n);
        if (t !== undefined && t <= 0n) c.add(`${at}.timeout`, `must be greater than zero, got ${t}`);
      }
    });
  }
}

function checkNamespaces(c: Checker, v: Json): void {
  const seen = new Map<string, number>();
  c.arr(v, 'linux.namespaces')?.forEach((n, i) => {
    const at = `linux.namespaces[${i}]`;
    const o = c.obj(n, at);
    if (!o) return;
    const type = c.str(o.type, `${at}.type`, true);
    if (type !== undefined) {
      if (!(NAMESPACE_TYPES as readonly string[]).includes(type)) c.add(`${at}.type`, `unknown namespace "${type}"`);
      else if (seen.has(type)) c.add(`${at}.type`, `duplicate namespace "${type}" (also linux.namespaces[${seen.get(type)}])`);
      else seen.set(type, i);
    }
    c.absPath(o.path, `${at}.path`);
  });
}

function checkDevices(c: Checker, v: Json): void {
  c.arr(v, 'linux.devices')?.forEach((d, i) => {
    const at = `linux.devices[${i}]`;
    const o = c.obj(d, at);
    if (!o) return;
    const type = c.str(o.type, `${at}.type`, true);
    if (type !== undefined && !['c', 'b', 'u', 'p'].includes(type)) c.add(`${at}.type`, `unknown device type "${type}" (expected c, b, u or p)`);
    const path = c.absPath(o.path, `${at}.path`, true);
    if (path !== undefined && !path.startsWith('/dev/')) c.add(`${at}.path`, `must be under /dev, got "${path}"`);
    const needNumbers = type !== undefined && type !== 'p';
    c.i64(o.major, `${at}.major`, needNumbers);
    c.i64(o.minor, `${at}.minor`, needNumbers);
    c.u32(o.fileMode, `${at}.fileMode`);
    c.u32(o.uid, `${at}.uid`);
    c.u32(o.gid, `${at}.gid`);
  });
}

function checkResources(c: Checker, v: Json): void {
  const r = c.obj(v, 'linux.resources');
  if (!r) return;
  const at = 'linux.resources';
  c.arr(r.devices, `${at}.devices`)?.forEach((d, i) => {
    const o = c.obj(d, `${at}.devices[${i}]`);
    if (!o) return;
    if (typeof o.allow !== 'boolean') c.add(`${at}.devices[${i}].allow`, 'is required and must be true or false');
    if (o.type !== undefined) c.oneOf(o.type, `${at}.devices[${i}].type`, ['a', 'c', 'b'], 'device type');
    c.i64(o.major, `${at}.devices[${i}].major`);
    c.i64(o.minor, `${at}.devices[${i}].minor`);
    const access = c.str(o.access, `${at}.devices[${i}].access`);
    if (access !== undefined && !/^[rwm]*$/.test(access)) c.add(`${at}.devices[${i}].access`, `must be made of r, w and m, got "${access}"`);
  });
  const mem = c.obj(r.memory, `${at}.memory`);
  if (mem) {
    for (const f of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP']) c.i64(mem[f], `${at}.memory.${f}`);
    c.int(mem.swappiness, `${at}.memory.swappiness`, 0n, 100n);
    for (const f of ['disableOOMKiller', 'useHierarchy', 'checkBeforeUpdate']) c.bool(mem[f], `${at}.memory.${f}`);
  }
  const cpu = c.obj(r.cpu, `${at}.cpu`);
  if (cpu) {
    for (const f of ['shares', 'burst', 'period', 'realtimePeriod']) c.u64(cpu[f], `${at}.cpu.${f}`);
    for (const f of ['quota', 'realtimeRuntime', 'idle']) c.i64(cpu[f], `${at}.cpu.${f}`);
    c.str(cpu.cpus, `${at}.cpu.cpus`);
    c.str(cpu.mems, `${at}.cpu.mems`);
  }
  const pids = c.obj(r.pids, `${at}.pids`);
  if (pids) c.i64(pids.limit, `${at}.pids.limit`, true);
  const bio = c.obj(r.blockIO, `${at}.blockIO`);
  if (bio) {
    c.int(bio.weight, `${at}.blockIO.weight`, 0n, 65535n);
    c.int(bio.leafWeight, `${at}.blockIO.leafWeight`, 0n, 65535n);
    for (const f of ['weightDevice', 'throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice']) {
      c.arr(bio[f], `${at}.blockIO.${f}`)?.forEach((d, i) => {
        const o = c.obj(d, `${at}.blockIO.${f}[${i}]`);
        if (!o) return;
        c.i64(o.major, `${at}.blockIO.${f}[${i}].major`, true);
        c.i64(o.minor, `${at}.blockIO.${f}[${i}].minor`, true);
        if (f === 'weightDevice') {
          c.int(o.weight, `${at}.blockIO.${f}[${i}].weight`, 0n, 65535n);
          c.int(o.leafWeight, `${at}.blockIO.${f}[${i}].leafWeight`, 0n, 65535n);
        } else c.u64(o.rate, `${at}.blockIO.${f}[${i}].rate`, true);
      });
    }
  }
  c.arr(r.hugepageLimits, `${at}.hugepageLimits`)?.forEach((h, i) => {
    const o = c.obj(h, `${at}.hugepageLimits[${i}]`);
    if (!o) return;
    c.str(o.pageSize, `${at}.hugepageLimits[${i}].pageSize`, true);
    c.u64(o.limit, `${at}.hugepageLimits[${i}].limit`, true);
  });
  const net = c.obj(r.network, `${at}.network`);
  if (net) {
    c.u32(net.classID, `${at}.network.classID`);
    c.arr(net.priorities, `${at}.network.priorities`)?.forEach((p, i) => {
      const o = c.obj(p, `${at}.network.priorities[${i}]`);
      if (!o) return;
      c.str(o.name, `${at}.network.priorities[${i}].name`, true);
      c.u32(o.priority, `${at}.network.priorities[${i}].priority`, true);
    });
  }
  const rdma = c.obj(r.rdma, `${at}.rdma`);
  if (rdma) {
    for (const [dev, lim] of Object.entries(rdma)) {
      const o = c.obj(lim, `${at}.rdma[${JSON.stringify(dev)}]`);
      if (!o) continue;
      c.u32(o.hcaHandles, `${at}.rdma[${JSON.stringify(dev)}].hcaHandles`);
      c.u32(o.hcaObjects, `${at}.rdma[${JSON.stringify(dev)}].hcaObjects`);
    }
  }
  c.strMap(r.unified, `${at}.unified`);
}

function checkSeccomp(c: Checker, v: Json): void {
  const s = c.obj(v, 'linux.seccomp');
  if (!s) return;
  const at = 'linux.seccomp';
  c.oneOf(s.defaultAction, `${at}.defaultAction`, SECCOMP_ACTIONS, 'seccomp action', true);
  c.u32(s.defaultErrnoRet, `${at}.defaultErrnoRet`);
  c.strings(s.architectures, `${at}.architectures`);
  c.strings(s.flags, `${at}.flags`);
  c.absPath(s.listenerPath, `${at}.listenerPath`);
  c.str(s.listenerMetadata, `${at}.listenerMetadata`);
  c.arr(s.syscalls, `${at}.syscalls`)?.forEach((sc, i) => {
    const o = c.obj(sc, `${at}.syscalls[${i}]`);
    if (!o) return;
    c.strings(o.names, `${at}.syscalls[${i}].names`, { nonEmpty: true, required: true });
    c.oneOf(o.action, `${at}.syscalls[${i}].action`, SECCOMP_ACTIONS, 'seccomp action', true);
    c.u32(o.errnoRet, `${at}.syscalls[${i}].errnoRet`);
    c.arr(o.args, `${at}.syscalls[${i}].args`)?.forEach((a, j) => {
      const ap = `${at}.syscalls[${i}].args[${j}]`;
      const ao = c.obj(a, ap);
      if (!ao) return;
      c.int(ao.index, `${ap}.index`, 0n, 5n, true);
      c.u64(ao.value, `${ap}.value`, true);
      c.u64(ao.valueTwo, `${ap}.valueTwo`);
      c.oneOf(ao.op, `${ap}.op`, SECCOMP_OPS, 'seccomp operator', true);
    });
  });
}

function checkLinux(c: Checker, l: Obj): void {
  checkNamespaces(c, l.namespaces);
  checkIdMaps(c, l.uidMappings, 'linux.uidMappings');
  checkIdMaps(c, l.gidMappings, 'linux.gidMappings');
  const to = c.obj(l.timeOffsets, 'linux.timeOffsets');
  if (to) {
    for (const [clock, off] of Object.entries(to)) {
      const at = `linux.timeOffsets.${clock}`;
      if (clock !== 'monotonic' && clock !== 'boottime') { c.add(at, `unknown clock "${clock}" (expected monotonic or boottime)`); continue; }
      const o = c.obj(off, at);
      if (!o) continue;
      c.i64(o.secs, `${at}.secs`);
      c.int(o.nanosecs, `${at}.nanosecs`, 0n, 999_999_999n);
    }
  }
  checkDevices(c, l.devices);
  c.str(l.cgroupsPath, 'linux.cgroupsPath');
  checkResources(c, l.resources);
  if (l.rootfsPropagation !== undefined) c.oneOf(l.rootfsPropagation, 'linux.rootfsPropagation', PROPAGATIONS, 'propagation');
  checkSeccomp(c, l.seccomp);
  c.strMap(l.sysctl, 'linux.sysctl');
  for (const f of ['maskedPaths', 'readonlyPaths']) {
    c.strings(l[f], `linux.${f}`)?.forEach((p, i) => { if (!p.startsWith('/')) c.add(`linux.${f}[${i}]`, `must be an absolute path, got "${p}"`); });
  }
  c.str(l.mountLabel, 'linux.mountLabel');
  c.obj(l.intelRdt, 'linux.intelRdt');
  const pers = c.obj(l.personality, 'linux.personality');
  if (pers) {
    c.oneOf(pers.domain, 'linux.personality.domain', ['LINUX', 'LINUX32'], 'personality domain', true);
    c.strings(pers.flags, 'linux.personality.flags');
  }
}

/** Parses and validates config.json text. `file` names it in messages. Throws SpecError listing
 * every problem. The result keeps unknown fields untouched. */
export function parseSpec(text: string, file = 'config.json'): Spec {
  let doc: Json;
  try {
    doc = parseJson(text);
  } catch (e) {
    if (e instanceof SyntaxError) throw new SpecError(file, [jsonProblem(text, e)]);
    throw e;
  }
  const c = new Checker();
  if (!isObj(doc)) throw new SpecError(file, [{ path: '', message: `must be a JSON object, got ${describe(doc)}` }]);
  const v = c.str(doc.ociVersion, 'ociVersion', true);
  if (v !== undefined && !/^1\.\d+\.\d+/.test(v)) c.add('ociVersion', `unsupported version "${v}" (expected 1.x.y)`);
  const linux = c.obj(doc.linux, 'linux');
  const proc = c.obj(doc.process, 'process');
  if (doc.process === undefined) c.add('process', 'is required');
  if (proc) checkProcess(c, proc);
  const root = c.obj(doc.root, 'root');
  if (doc.root === undefined) c.add('root', 'is required');
  if (root) {
    const p = c.str(root.path, 'root.path', true);
    if (p === '') c.add('root.path', 'must not be empty');
    c.bool(root.readonly, 'root.readonly');
  }
  c.str(doc.hostname, 'hostname');
  c.str(doc.domainname, 'domainname');
  checkMounts(c, doc.mounts);
  checkHooks(c, doc.hooks);
  c.strMap(doc.annotations, 'annotations');
  if (linux) checkLinux(c, linux);
  if (c.problems.length) throw new SpecError(file, c.problems);
  return doc as unknown as Spec;
}

export interface Bundle {
  /** Absolute bundle directory. */
  bundle: string;
  spec: Spec;
  /** Absolute root filesystem directory (root.path resolved against the bundle). */
  rootfs: string;
}

/** Reads `<bundle>/config.json`, validates it and checks that the root filesystem exists. */
export function loadBundle(bundleDir: string): Bundle {
  const bundle = resolve(bundleDir);
  const file = join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no config.json' : `cannot read config.json (${code ?? String(e)})`;
    throw new BundleError(bundle, file, why, { cause: e });
  }
  const spec = parseSpec(text, file);
  const rootPath = spec.root!.path;
  const rootfs = isAbsolute(rootPath) ? resolve(rootPath) : resolve(bundle, rootPath);
  let isDir = false;
  try { isDir = statSync(rootfs).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new SpecError(file, [{ path: 'root.path', message: `${rootfs} does not exist or is not a directory` }]);
  return { bundle, spec, rootfs };
}
