// Docker's default seccomp profile as data (facts from moby's profiles/seccomp/default.json,
// moby commit 00f3d189e420d485e42d15fe494f96d272284e0e), in our own shape, and the function the
// engine uses to turn it into a runtime-spec profile for one container: rules are kept or
// dropped by the container's bounding capabilities, the architecture and the kernel version,
// the way moby's setupSeccomp does.
import { archByName, hostArch } from './arch.ts';
import type { Seccomp, SeccompArg, SeccompSyscall } from '../../oci/spec.ts';

/** Allowed for every container. */
const ALWAYS_ALLOWED = `
accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64
fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs
fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd
getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32
getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32
getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init
inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents
io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit io_uring_enter io_uring_register
io_uring_setup ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown
lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr
lstat lstat64 madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock
mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd
msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat
openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll
ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64
pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg
recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir
rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr
sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send
sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32
setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32
setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt
set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown
sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64
statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time
timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64
times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat
utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
`;

/** A rule of the profile with its conditions of use. Architectures are Go's names (amd64,
 * arm64, …) as in moby; capabilities are CAP_* names. */
export interface DefaultRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: SeccompArg[];
  /** Kept only if: the arch is listed, every cap is held, the kernel is at least minKernel. */
  onlyIf?: { arches?: string[]; caps?: string[]; minKernel?: string };
  /** Dropped if: the arch is listed, or any cap is held. */
  unless?: { arches?: string[]; caps?: string[] };
}

const words = (s: string): string[] => s.trim().split(/\s+/);
const allow = (names: string, more: Omit<DefaultRule, 'names' | 'action'> = {}): DefaultRule => ({ names: words(names), action: 'SCMP_ACT_ALLOW', ...more });
const arg0 = (value: number, op: SeccompArg['op']): SeccompArg[] => [{ index: 0, value, op }];
/** CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const AF_VSOCK = 40;

export const DOCKER_DEFAULT_RULES: readonly DefaultRule[] = [
  allow(ALWAYS_ALLOWED),
  allow('process_vm_readv process_vm_writev ptrace', { onlyIf: { minKernel: '4.8' } }),
  allow('socket', { args: arg0(AF_VSOCK, 'SCMP_CMP_NE') }),
  // personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and 0xffffffff (query).
  ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((p) => allow('personality', { args: arg0(p, 'SCMP_CMP_EQ') })),
  allow('sync_file_range2 swapcontext', { onlyIf: { arches: ['ppc64le'] } }),
  allow('arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls', { onlyIf: { arches: ['arm', 'arm64'] } }),
  allow('arch_prctl', { onlyIf: { arches: ['amd64', 'x32'] } }),
  allow('modify_ldt', { onlyIf: { arches: ['amd64', 'x32', 'x86'] } }),
  allow('s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr', { onlyIf: { arches: ['s390', 's390x'] } }),
  allow('riscv_flush_icache', { onlyIf: { arches: ['riscv64'] } }),
  allow('open_by_handle_at', { onlyIf: { caps: ['CAP_DAC_READ_SEARCH'] } }),
  allow(`bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr
    move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog
    umount umount2 unshare`, { onlyIf: { caps: ['CAP_SYS_ADMIN'] } }),
  // Without CAP_SYS_ADMIN, clone may not create namespaces (on s390 the flags are the second argument).
  allow('clone', { args: arg0(CLONE_NAMESPACE_FLAGS, 'SCMP_CMP_MASKED_EQ'), unless: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] } }),
  allow('clone', { args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }], onlyIf: { arches: ['s390', 's390x'] }, unless: { caps: ['CAP_SYS_ADMIN'] } }),
  // clone3 passes its flags in memory that seccomp cannot inspect: make libc fall back to clone.
  { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, unless: { caps: ['CAP_SYS_ADMIN'] } },
  allow('reboot', { onlyIf: { caps: ['CAP_SYS_BOOT'] } }),
  allow('chroot', { onlyIf: { caps: ['CAP_SYS_CHROOT'] } }),
  allow('delete_module init_module finit_module', { onlyIf: { caps: ['CAP_SYS_MODULE'] } }),
  allow('acct', { onlyIf: { caps: ['CAP_SYS_PACCT'] } }),
  allow('kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace', { onlyIf: { caps: ['CAP_SYS_PTRACE'] } }),
  allow('iopl ioperm', { onlyIf: { caps: ['CAP_SYS_RAWIO'] } }),
  allow('settimeofday stime clock_settime clock_settime64', { onlyIf: { caps: ['CAP_SYS_TIME'] } }),
  allow('vhangup', { onlyIf: { caps: ['CAP_SYS_TTY_CONFIG'] } }),
  allow('get_mempolicy mbind set_mempolicy set_mempolicy_home_node', { onlyIf: { caps: ['CAP_SYS_NICE'] } }),
  allow('syslog', { onlyIf: { caps: ['CAP_SYSLOG'] } }),
  allow('bpf', { onlyIf: { caps: ['CAP_BPF'] } }),
  allow('perf_event_open', { onlyIf: { caps: ['CAP_PERFMON'] } }),
];

/** moby's archMap: the native architecture and the compat ones its kernel also runs. */
const ARCH_FAMILIES: Record<string, string[]> = {
  SCMP_ARCH_X86_64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  SCMP_ARCH_AARCH64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  SCMP_ARCH_S390X: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
  SCMP_ARCH_RISCV64: ['SCMP_ARCH_RISCV64'],
};

const GO_ARCH: Record<string, string> = {
  SCMP_ARCH_X86_64: 'amd64', SCMP_ARCH_X86: '386', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'arm64', SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_RISCV64: 'riscv64', SCMP_ARCH_PPC64LE: 'ppc64le', SCMP_ARCH_PPC64: 'ppc64', SCMP_ARCH_PPC: 'ppc',
  SCMP_ARCH_S390X: 's390x', SCMP_ARCH_S390: 's390',
};

function kernelAtLeast(have: string, want: string): boolean {
  const parse = (v: string): number[] => v.split(/[.-]/).slice(0, 2).map((x) => parseInt(x, 10) || 0);
  const [a, b] = parse(have), [c, d] = parse(want);
  return a !== c ? a > c : b >= d;
}

export interface DefaultProfileOptions {
  /** Native architecture (any name archByName knows); the host's by default. */
  arch?: string;
  /** The container's bounding capabilities (CAP_* names). */
  caps: readonly string[];
  /** Kernel release (uname -r); rules with a minKernel above it are dropped. Default: no check. */
  kernel?: string;
}

export function dockerDefaultProfile(opts: DefaultProfileOptions): Seccomp {
  const native = archByName(opts.arch ?? hostArch())?.name ?? hostArch();
  const goArch = GO_ARCH[native];
  const caps = new Set(opts.caps);
  const syscalls: SeccompSyscall[] = [];
  for (const r of DOCKER_DEFAULT_RULES) {
    const i = r.onlyIf, x = r.unless;
    if (i?.arches && !i.arches.includes(goArch)) continue;
    if (i?.caps && !i.caps.every((c) => caps.has(c))) continue;
    if (i?.minKernel && opts.kernel && !kernelAtLeast(opts.kernel, i.minKernel)) continue;
    if (x?.arches && x.arches.includes(goArch)) continue;
    if (x?.caps && x.caps.some((c) => caps.has(c))) continue;
    const s: SeccompSyscall = { names: [...r.names], action: r.action };
    if (r.errnoRet !== undefined) s.errnoRet = r.errnoRet;
    if (r.args) s.args = r.args.map((a) => ({ ...a }));
    syscalls.push(s);
  }
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ARCH_FAMILIES[native] ?? [native],
    syscalls,
  };
}
