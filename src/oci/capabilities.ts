// Linux capability names (as config.json spells them) and their bit numbers, from
// include/uapi/linux/capability.h. The kernel may know fewer (cap_last_cap); the planner masks.

const names = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

/** CAP_NAME → bit number. */
export const CAPABILITIES: ReadonlyMap<string, number> = new Map(names.map((n, i) => [`CAP_${n}`, i]));

/** The highest capability this table knows. */
export const LAST_KNOWN_CAP = names.length - 1;

/** Bit mask of the named capabilities, leaving out those above `lastCap` (unknown to the kernel,
 * as runc does: asking for them cannot be honoured and dropping them cannot widen anything). */
export function capMask(list: readonly string[] | undefined, lastCap: number): bigint {
  let m = 0n;
  for (const name of list ?? []) {
    const bit = CAPABILITIES.get(name);
    if (bit !== undefined && bit <= lastCap) m |= 1n << BigInt(bit);
  }
  return m;
}

/** Names of the capabilities in a mask, for rendering. */
export function capNames(mask: bigint): string[] {
  const out: string[] = [];
  for (const [name, bit] of CAPABILITIES) if (mask & (1n << BigInt(bit))) out.push(name);
  return out;
}
