// `features`: what this runtime supports, as the runtime spec's features.md document. Only what
// berth really does is listed (no AppArmor, SELinux, Intel RDT, systemd cgroups).
import { existsSync, readFileSync } from 'node:fs';
import { CAPABILITIES } from '../../oci/index.ts';
import { ARCHES } from '../seccomp/index.ts';
import { OCI_VERSION } from '../state.ts';

const MOUNT_OPTIONS = [
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud',
  'mand', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime',
  'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'rbind', 'relatime', 'remount', 'ro', 'rprivate', 'rshared',
  'rslave', 'runbindable', 'rw', 'shared', 'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync',
  'tmpcopyup', 'unbindable',
];

const SECCOMP_ACTIONS = [
  'SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP',
];
const SECCOMP_OPERATORS = ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'];
const SECCOMP_FLAGS = ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'];

export interface FeaturesOptions {
  ociVersionMax: string;
  /** Architectures the seccomp compiler has tables for (SCMP_ARCH_*). */
  seccompArchs: string[];
  seccompEnabled: boolean;
}

export function features(o: FeaturesOptions): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: o.ociVersionMax,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES.keys()],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: {
        enabled: o.seccompEnabled,
        actions: SECCOMP_ACTIONS,
        operators: SECCOMP_OPERATORS,
        archs: o.seccompArchs,
        knownFlags: [...SECCOMP_FLAGS, 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
        supportedFlags: SECCOMP_FLAGS,
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: {
      'org.opencontainers.runtime-spec.features.version': o.ociVersionMax,
    },
  };
}

/** The features document for this host: seccomp is reported only where the kernel has it. */
export function hostFeatures(): Record<string, unknown> {
  let seccomp = false;
  try { seccomp = /^Seccomp:/m.test(readFileSync('/proc/self/status', 'utf8')) && existsSync('/proc/sys/kernel/seccomp'); } catch { /* no seccomp */ }
  return features({ ociVersionMax: OCI_VERSION, seccompArchs: Object.keys(ARCHES).sort(), seccompEnabled: seccomp });
}
