// The plan: everything the native helper (native/berth-init.c) will do to turn a bundle into a
// running container, as plain data. The planner (planner.ts) computes it from config.json and
// the host; the helper executes the steps in order and reports back over one channel.
// docs/plan-format.md is the reference for every step; keep the two in step.

/** Namespace names as the helper knows them. */
export type NsName = 'user' | 'mount' | 'pid' | 'network' | 'uts' | 'ipc' | 'cgroup' | 'time';

/** A helper step. Steps before `clone` run in the helper itself (stage 0); all others run in the
 * container's init process, in order. Paths marked "in root" are resolved inside the current
 * root (set by `bind-rootfs`, then "/" after `pivot-root`) and can never escape it. */
export type Step =
  // ── stage 0: the helper process, before the container init exists ──
  | { op: 'setns'; path: string; ns: NsName }
  | { op: 'unshare-time' }
  | { op: 'timens-offset'; clock: 'monotonic' | 'boottime'; secs: bigint; nanosecs: bigint }
  | { op: 'console-dial'; socket: string }
  | { op: 'exec-fifo-early'; path: string }
  | { op: 'clone'; namespaces: NsName[] }
  // ── the container init (after `clone`; it first waits for "go" from the runtime) ──
  | { op: 'unshare'; namespaces: NsName[] }
  | { op: 'become-root' }
  /** A new session keyring named `name` (runc: `_ses.<id>`), so nothing of the runtime's leaks in. */
  | { op: 'session-keyring'; name: string }
  | { op: 'sethostname'; name: string }
  | { op: 'setdomainname'; name: string }
  | { op: 'root-propagation'; flags: number }
  | { op: 'rootfs-parent-private'; path: string }
  | { op: 'bind-rootfs'; path: string }
  | { op: 'mount'; source: string; target: string; fstype: string; flags: number; data: string; create: 'dir' | 'file' | 'none';
      /** tmpcopyup: copy what the mount hides into it (a tmpfs over an image directory). */
      copyUp?: boolean }
  | { op: 'remount'; target: string; flags: number }
  | { op: 'propagate'; target: string; flags: number }
  | { op: 'mkdir'; target: string; mode: number }
  | { op: 'mknod'; target: string; type: 'c' | 'b' | 'p'; major: number; minor: number; mode: number; uid: number; gid: number }
  | { op: 'bind-dev'; source: string; target: string }
  | { op: 'symlink'; linkTarget: string; target: string }
  | { op: 'sync'; name: string }
  | { op: 'hook'; path: string; args: string[]; env: string[]; timeout: number }
  | { op: 'console-connect'; socket: string }
  | { op: 'exec-fifo'; path: string }
  | { op: 'pivot-root' }
  | { op: 'chroot-move' }
  | { op: 'chroot'; path: string }
  | { op: 'mask'; target: string }
  | { op: 'readonly'; target: string }
  | { op: 'sysctl'; key: string; value: string }
  | { op: 'console-setup'; rows: number; cols: number }
  | { op: 'console-pty'; rows: number; cols: number }
  | { op: 'setsid' }
  | { op: 'rlimit'; resource: number; soft: bigint; hard: bigint }
  | { op: 'oom-score-adj'; value: number }
  | { op: 'personality'; domain: number }
  | { op: 'ioprio'; klass: number; level: number }
  | { op: 'scheduler'; policy: number; flags: bigint; nice: number; priority: number; runtime: bigint; deadline: bigint; period: bigint }
  | { op: 'no-new-privs' }
  | { op: 'caps-bounding'; mask: bigint }
  | { op: 'keep-caps' }
  | { op: 'setgroups'; gids: number[] }
  | { op: 'setresgid'; gid: number }
  | { op: 'setresuid'; uid: number }
  | { op: 'caps'; effective: bigint; permitted: bigint; inheritable: bigint }
  | { op: 'caps-ambient'; mask: bigint }
  | { op: 'umask'; mask: number }
  | { op: 'chdir'; path: string }
  | { op: 'close-fds'; keepBelow: number }
  | { op: 'report'; name: string }
  /** Resolve the program as exec will (PATH search in `searchPath`), fail now if it is missing or
   * not executable; the final exec then runs what was found. */
  | { op: 'find-exec'; path: string; searchPath: string }
  | { op: 'wait-start' }
  | { op: 'seccomp'; flags: number; filter: Buffer }
  | { op: 'exec'; path: string; args: string[]; env: string[] };

/** An id mapping line as /proc/PID/uid_map takes it. */
export interface IdMap { containerID: number; hostID: number; size: number }

/** The cgroup side of the plan, applied by the runtime (not the helper). */
export interface CgroupPlan {
  version: 1 | 2;
  /** Absolute directories to create, one per v1 controller hierarchy (or one for v2). */
  dirs: string[];
  /** Files to write once the directories exist, in order. Absolute paths. */
  writes: { path: string; value: string; optional?: boolean }[];
  /** Where the init's pid is written (cgroup.procs of each directory). */
  procs: string[];
  /** v2 only: the device rules ("a", "c 1:3 rwm", in v1 order, starting with a deny-all) that
   * become an eBPF program attached to the directory before the init joins it. On v1 the same
   * rules are devices.allow/deny writes. */
  devices?: { allow: boolean; rule: string }[];
}

export interface HookSpec { path: string; args?: string[]; env?: string[]; timeout?: number }

/** The whole plan for `create`. */
export interface RuntimePlan {
  id: string;
  bundle: string;
  /** Steps for the helper, in order. */
  steps: Step[];
  /** Written to /proc/PID/{uid,gid}_map by the runtime while the init waits for "go". */
  uidMappings: IdMap[];
  gidMappings: IdMap[];
  /** 'deny' is written to /proc/PID/setgroups before gid_map when set. */
  setgroups?: 'allow' | 'deny';
  /** How the maps are written: directly (root, or a rootless map of the caller's own ids), or by
   * newuidmap/newgidmap (rootless with subordinate id ranges from /etc/subuid, /etc/subgid). */
  idMapper?: 'write' | 'newidmap';
  cgroup: CgroupPlan | null;
  /** Hooks the runtime itself runs (in the runtime namespace). */
  hooks: { prestart: HookSpec[]; createRuntime: HookSpec[]; poststart: HookSpec[]; poststop: HookSpec[] };
  /** Number of extra fds (3..3+n-1) handed to the container, from --preserve-fds. */
  preserveFds: number;
}

const nsOrder: NsName[] = ['user', 'mount', 'pid', 'network', 'uts', 'ipc', 'cgroup', 'time'];

/** Encodes one step as the helper's record: the op name followed by its fields as strings. */
export function stepFields(s: Step): (string | Buffer)[] {
  const n = (x: number | bigint) => x.toString(10);
  const hex = (x: bigint) => x.toString(16);
  switch (s.op) {
    case 'setns': return [s.op, s.path, s.ns];
    case 'unshare-time': return [s.op];
    case 'timens-offset': return [s.op, s.clock, n(s.secs), n(s.nanosecs)];
    case 'clone': case 'unshare':
      return [s.op, nsOrder.filter((x) => s.namespaces.includes(x)).join(' ')];
    case 'become-root': case 'pivot-root': case 'chroot-move': case 'setsid':
    case 'no-new-privs': case 'keep-caps': case 'wait-start':
      return [s.op];
    case 'sethostname': case 'setdomainname': return [s.op, s.name];
    case 'root-propagation': return [s.op, n(s.flags)];
    case 'bind-rootfs': case 'rootfs-parent-private': return [s.op, s.path];
    case 'mount': return [s.op, s.source, s.target, s.fstype, n(s.flags), s.data, s.create, ...(s.copyUp ? ['copyup'] : [])];
    case 'remount': case 'propagate': return [s.op, s.target, n(s.flags)];
    case 'mkdir': return [s.op, s.target, n(s.mode)];
    case 'mknod': return [s.op, s.target, s.type, n(s.major), n(s.minor), n(s.mode), n(s.uid), n(s.gid)];
    case 'bind-dev': return [s.op, s.source, s.target];
    case 'symlink': return [s.op, s.linkTarget, s.target];
    case 'sync': case 'report': case 'session-keyring': return [s.op, s.name];
    case 'find-exec': return [s.op, s.path, s.searchPath];
    case 'hook': return [s.op, s.path, n(s.timeout), n(s.args.length), ...s.args, ...s.env];
    case 'console-connect': case 'console-dial': return [s.op, s.socket];
    case 'exec-fifo': case 'exec-fifo-early': case 'chroot': return [s.op, s.path];
    case 'mask': case 'readonly': return [s.op, s.target];
    case 'sysctl': return [s.op, s.key, s.value];
    case 'console-setup': case 'console-pty': return [s.op, n(s.rows), n(s.cols)];
    case 'rlimit': return [s.op, n(s.resource), n(s.soft), n(s.hard)];
    case 'oom-score-adj': return [s.op, n(s.value)];
    case 'personality': return [s.op, n(s.domain)];
    case 'ioprio': return [s.op, n(s.klass), n(s.level)];
    case 'scheduler': return [s.op, n(s.policy), n(s.flags), n(s.nice), n(s.priority), n(s.runtime), n(s.deadline), n(s.period)];
    case 'caps-bounding': case 'caps-ambient': return [s.op, hex(s.mask)];
    case 'setgroups': return [s.op, ...s.gids.map(n)];
    case 'setresgid': return [s.op, n(s.gid)];
    case 'setresuid': return [s.op, n(s.uid)];
    case 'caps': return [s.op, hex(s.effective), hex(s.permitted), hex(s.inheritable)];
    case 'umask': return [s.op, n(s.mask)];
    case 'chdir': return [s.op, s.path];
    case 'close-fds': return [s.op, n(s.keepBelow)];
    case 'seccomp': return [s.op, n(s.flags), s.filter];
    case 'exec': return [s.op, s.path, n(s.args.length), ...s.args, ...s.env];
  }
}

/** One record on the wire: u32le field count, then per field u32le length and the bytes. */
export function encodeRecord(fields: (string | Buffer)[]): Buffer {
  return encodeRecords([fields]);
}

/** The plan as the helper reads it: a header record ["plan", "1", N] and N step records. */
export function encodeSteps(steps: Step[]): Buffer {
  const records: (string | Buffer)[][] = [['plan', '1', String(steps.length)]];
  for (const s of steps) records.push(stepFields(s));
  return encodeRecords(records);
}

/** Records back to back in one buffer, sized first: a plan is ~80 records of ~4 fields, and a
 * buffer per field and per record (then a concat) was a measurable part of `create`. */
function encodeRecords(records: (string | Buffer)[][]): Buffer {
  let size = 0;
  for (const r of records) {
    size += 4;
    for (const f of r) size += 4 + (typeof f === 'string' ? Buffer.byteLength(f, 'utf8') : f.length);
  }
  const out = Buffer.allocUnsafe(size); // every byte is written below
  let o = 0;
  for (const r of records) {
    out.writeUInt32LE(r.length, o);
    o += 4;
    for (const f of r) {
      const len = typeof f === 'string' ? out.write(f, o + 4, 'utf8') : f.copy(out, o + 4);
      out.writeUInt32LE(len, o);
      o += 4 + len;
    }
  }
  return out;
}

/** Incremental decoder for records arriving on the channel from the helper. */
export class RecordReader {
  #buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): string[][] {
    this.feed(chunk);
    const out: string[][] = [];
    for (;;) {
      const rec = this.take();
      if (!rec) return out;
      out.push(rec);
    }
  }
  /** Appends bytes without decoding (then take() one record at a time). */
  feed(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
  }
  /** The bytes after the last record taken. */
  rest(): Buffer {
    return this.#buf;
  }
  /** The next complete record, or null. */
  take(): string[] | null {
    const b = this.#buf;
    if (b.length < 4) return null;
    const count = b.readUInt32LE(0);
    let o = 4;
    const fields: string[] = [];
    for (let i = 0; i < count; i++) {
      if (b.length < o + 4) return null;
      const len = b.readUInt32LE(o);
      if (b.length < o + 4 + len) return null;
      fields.push(b.toString('utf8', o + 4, o + 4 + len));
      o += 4 + len;
    }
    this.#buf = b.subarray(o);
    return fields;
  }
}
