// Security settings a host may lack: AppArmor and SELinux are refused clearly when asked for and
// absent (never silently dropped), except the runtime-default AppArmor profile, which means
// "whatever the runtime does by default" and so nothing on a host without AppArmor.
import { existsSync } from 'node:fs';
import { failedPrecondition, invalidArgument } from './errors.ts';
import type { LinuxContainerSecurityContext, LinuxSandboxSecurityContext, SELinuxOption, SecurityProfile } from './types.ts';

const hasAppArmor = () => existsSync('/sys/kernel/security/apparmor');
const hasSELinux = () => existsSync('/sys/fs/selinux/enforce');

function checkAppArmor(p: SecurityProfile | null, legacy: string): void {
  const wants = p ? p.profileType === 'Localhost' : legacy !== '' && legacy !== 'runtime/default' && legacy !== 'unconfined';
  if (wants && !hasAppArmor()) throw failedPrecondition(`AppArmor profile "${p?.localhostRef || legacy}" requested, but AppArmor is not enabled on this host`);
}

function checkSELinux(o: SELinuxOption | null): void {
  if (o && (o.user || o.role || o.type || o.level) && !hasSELinux()) {
    throw failedPrecondition('SELinux options requested, but SELinux is not enabled on this host');
  }
}

export function checkSandboxSecurity(sc: LinuxSandboxSecurityContext | null): void {
  if (!sc) return;
  checkSELinux(sc.selinuxOptions);
  checkAppArmor(sc.apparmor, '');
}

export function checkContainerSecurity(sc: LinuxContainerSecurityContext | null): void {
  if (!sc) return;
  checkSELinux(sc.selinuxOptions);
  checkAppArmor(sc.apparmor, sc.apparmorProfile);
}

/** The engine's seccomp setting for a CRI profile ('' or absent: unconfined, as kubelet means it). */
export function seccompFor(p: SecurityProfile | null, legacy: string): string {
  if (p) {
    if (p.profileType === 'RuntimeDefault') return 'default';
    if (p.profileType === 'Localhost') return p.localhostRef;
    return 'unconfined';
  }
  if (legacy === 'runtime/default' || legacy === 'docker/default') return 'default';
  if (legacy.startsWith('localhost/')) return legacy.slice('localhost/'.length);
  if (legacy === '' || legacy === 'unconfined') return 'unconfined';
  throw invalidArgument(`seccomp profile "${legacy}": expected runtime/default, unconfined or localhost/<path>`);
}
