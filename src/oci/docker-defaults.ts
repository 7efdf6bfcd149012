// docker's default security settings for a container's config.json, in one place: the engine's
// buildSpec and the image layer's specFromImage both start from these. Facts from moby's
// oci/defaults.go as of Docker 28 (28.0.2 added /proc/interrupts and the per-CPU
// thermal_throttle directories: moby#49560, "mask Linux thermal interrupt info").
import { readdirSync } from 'node:fs';

/** docker's default capability set (moby oci.DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Paths docker masks on every host (a file under /dev/null, a directory under an empty tmpfs). */
export const DOCKER_MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths docker makes read-only. */
export const DOCKER_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

let thermal: string[] | undefined;

/** /sys/devices/system/cpu/cpuN/thermal_throttle for each CPU of this host that has one (read
 * once: what the host's sysfs shows, as docker globs it when it builds the default spec). */
export function thermalThrottlePaths(sysCpu = '/sys/devices/system/cpu'): string[] {
  if (sysCpu === '/sys/devices/system/cpu' && thermal) return thermal;
  const out: string[] = [];
  try {
    for (const cpu of readdirSync(sysCpu)) {
      if (!/^cpu\d+$/.test(cpu)) continue;
      try { if (readdirSync(`${sysCpu}/${cpu}`).includes('thermal_throttle')) out.push(`${sysCpu}/${cpu}/thermal_throttle`); } catch { /* offline CPU */ }
    }
  } catch { /* no sysfs */ }
  out.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (sysCpu === '/sys/devices/system/cpu') thermal = out;
  return out;
}

/** The masked paths of a default (unprivileged) container on this host. */
export function dockerMaskedPaths(): string[] {
  return [...DOCKER_MASKED_PATHS, ...thermalThrottlePaths()];
}
