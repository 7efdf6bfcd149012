// Translating config.json mount options into mount(2) flags, propagation changes and the
// filesystem-specific data string. Option names and their MS_* meanings follow mount(8) and runc.

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64,
  DIRSYNC: 128, NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192,
  REC: 16384, SILENT: 32768, UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20,
  RELATIME: 1 << 21, I_VERSION: 1 << 23, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25,
} as const;

/** option → [clear?, flag]: "clear" options (rw, suid, dev...) remove a flag set earlier. */
const FLAG_OPTIONS: Record<string, [boolean, number]> = {
  defaults: [false, 0],
  ro: [false, MS.RDONLY], rw: [true, MS.RDONLY],
  nosuid: [false, MS.NOSUID], suid: [true, MS.NOSUID],
  nodev: [false, MS.NODEV], dev: [true, MS.NODEV],
  noexec: [false, MS.NOEXEC], exec: [true, MS.NOEXEC],
  sync: [false, MS.SYNCHRONOUS], async: [true, MS.SYNCHRONOUS],
  dirsync: [false, MS.DIRSYNC],
  remount: [false, MS.REMOUNT],
  mand: [false, MS.MANDLOCK], nomand: [true, MS.MANDLOCK],
  noatime: [false, MS.NOATIME], atime: [true, MS.NOATIME],
  nodiratime: [false, MS.NODIRATIME], diratime: [true, MS.NODIRATIME],
  relatime: [false, MS.RELATIME], norelatime: [true, MS.RELATIME],
  strictatime: [false, MS.STRICTATIME], nostrictatime: [true, MS.STRICTATIME],
  lazytime: [false, MS.LAZYTIME], nolazytime: [true, MS.LAZYTIME],
  iversion: [false, MS.I_VERSION], noiversion: [true, MS.I_VERSION],
  silent: [false, MS.SILENT], loud: [true, MS.SILENT],
  nosymfollow: [false, MS.NOSYMFOLLOW], symfollow: [true, MS.NOSYMFOLLOW],
  bind: [false, MS.BIND], rbind: [false, MS.BIND | MS.REC],
};

const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/** Options other runtimes understand that this one does not implement: refusing them is better
 * than passing them to the kernel as filesystem data (or dropping a requested restriction). */
const UNSUPPORTED: Record<string, string> = {
  idmap: 'id-mapped mounts are not supported',
  ridmap: 'id-mapped mounts are not supported',
};
// Recursive mount attributes (mount_setattr): rro, rrw, rnosuid, rsuid, rnodev, rdev, rnoexec,
// rexec, rnodiratime, rdiratime, rrelatime, rnorelatime, rnoatime, ratime, rstrictatime,
// rnosymfollow, rsymfollow.
const RECURSIVE_ATTRS = new Set([
  'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime', 'rdiratime',
  'rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnosymfollow', 'rsymfollow',
]);

export interface ParsedOptions {
  /** MS_* flags, including MS_BIND/MS_REC for bind mounts. */
  flags: number;
  /** Propagation changes, applied after the mount, in order. */
  propagation: number[];
  /** Everything else, comma-joined for the filesystem. */
  data: string;
  /** Problems with individual options (already phrased for the user). */
  errors: string[];
  /** tmpcopyup (runc's extension): the tmpfs starts with the content of the directory it covers. */
  copyUp: boolean;
}

export function parseMountOptions(options: readonly string[] | undefined): ParsedOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  const errors: string[] = [];
  let copyUp = false;
  for (const opt of options ?? []) {
    if (opt === 'tmpcopyup') { copyUp = true; continue; }
    const f = FLAG_OPTIONS[opt];
    if (f) { flags = f[0] ? flags & ~f[1] : flags | f[1]; continue; }
    const p = PROPAGATION_OPTIONS[opt];
    if (p !== undefined) { propagation.push(p); continue; }
    if (UNSUPPORTED[opt]) { errors.push(`option "${opt}": ${UNSUPPORTED[opt]}`); continue; }
    if (RECURSIVE_ATTRS.has(opt)) { errors.push(`option "${opt}": recursive mount attributes are not supported`); continue; }
    if (opt === '') continue;
    data.push(opt);
  }
  return { flags, propagation, data: data.join(','), errors, copyUp };
}

export function propagationFlags(name: string): number | undefined {
  return PROPAGATION_OPTIONS[name];
}

/** Flags for rendering: names of the MS_* bits set. */
export function flagNames(flags: number): string {
  const out: string[] = [];
  for (const [name, bit] of Object.entries(MS)) if (flags & bit) out.push(name);
  return out.length ? out.join('|') : '0';
}
