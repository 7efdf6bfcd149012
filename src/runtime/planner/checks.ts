// Requests the planner refuses because they cannot be honoured (on this host or by this runtime)
// or would be unsafe: sysctls outside the container's namespaces, confinement without the LSM,
// features berth-runtime does not implement. Silently ignoring any of these would run a
// container less confined than its config asked for.
import type { Namespace, Spec } from '../../oci/index.ts';
import type { HostFacts } from '../host.ts';
import type { PlanProblem } from './errors.ts';

const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax',
  'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

export function checkSysctls(sysctl: Record<string, string> | undefined, ns: Map<string, Namespace>, problems: PlanProblem[]): void {
  for (const key of Object.keys(sysctl ?? {})) {
    const at = `linux.sysctl[${JSON.stringify(key)}]`;
    // The helper writes /proc/sys/<key with . as />: a '/' or empty part could leave /proc/sys.
    if (key.includes('/') || key.split('.').some((p) => p === '')) {
      problems.push({ path: at, message: 'must be dot-separated names (no "/", no empty parts)' });
      continue;
    }
    if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
      if (!ns.has('ipc')) problems.push({ path: at, message: 'is not allowed in the host\'s IPC namespace (add an ipc namespace)' });
      continue;
    }
    if (key.startsWith('net.')) {
      if (!ns.has('network')) problems.push({ path: at, message: 'is not allowed in the host\'s network namespace (add a network namespace)' });
      continue;
    }
    if (key === 'kernel.domainname' && ns.has('uts')) continue;
    if (key === 'kernel.hostname' && ns.has('uts')) {
      problems.push({ path: at, message: 'is not allowed; use the hostname field' });
      continue;
    }
    problems.push({ path: at, message: 'is not in a separate kernel namespace' });
  }
}

export function checkUnsupported(spec: Spec, host: HostFacts, problems: PlanProblem[]): void {
  const p = spec.process;
  const l = spec.linux;
  if (p?.apparmorProfile) {
    problems.push({
      path: 'process.apparmorProfile',
      message: host.apparmor ? 'AppArmor profiles are not supported by berth-runtime' : 'AppArmor is not enabled on this host',
    });
  }
  for (const [path, label] of [['process.selinuxLabel', p?.selinuxLabel], ['linux.mountLabel', l?.mountLabel]] as const) {
    if (label) {
      problems.push({ path, message: host.selinux ? 'SELinux labels are not supported by berth-runtime' : 'SELinux is not enabled on this host' });
    }
  }
  if (l?.intelRdt) problems.push({ path: 'linux.intelRdt', message: 'Intel RDT is not supported by berth-runtime' });
  if (p?.execCPUAffinity) problems.push({ path: 'process.execCPUAffinity', message: 'exec CPU affinity is not supported by berth-runtime' });
  if (l?.personality?.flags?.length) problems.push({ path: 'linux.personality.flags', message: 'personality flags are not supported' });
  if (l?.seccomp && !host.seccomp) problems.push({ path: 'linux.seccomp', message: 'the kernel has no seccomp filter support' });
}
