// A pod without an infra process (as CRI-O's drop_infra_ctr with pinns): its IPC and UTS
// namespaces are held by bind mounts, as its network namespace already is, with its hostname and
// sysctls set once (berth-mount's `podns`: one fork of the served helper, ~1 ms). No conmon, no
// runtime create, no cgroup of its own: RunPodSandbox is then the CNI ADD. A pod needs a process
// only to be PID 1 of a PID namespace its containers share (CRI's PID NamespaceMode POD,
// `berth pod create --share pid`), and `berth pod create` keeps podman's infra process anyway.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Namespace } from '../../oci/index.ts';
import { checkSysctls } from '../../runtime/planner/checks.ts';
import { MountOpError, runMountOpsAsync, unbindNamespaceFiles } from '../../util/native-mount.ts';
import { isMountPoint } from '../../util/proc.ts';
import { PodRequestError } from './errors.ts';
import type { PodConfig, PodRecord } from './types.ts';
import { podNamespaces } from './namespaces.ts';

/** Whether the pod's namespaces are held by an infra process (else pinned: see above). */
export function usesInfra(c: PodConfig): boolean {
  return c.infra !== false || podNamespaces(c).pid;
}

/** The namespaces a pod of this config makes for itself and pins, as the runtime's checks take them. */
function ownNamespaces(c: PodConfig): Map<string, Namespace> {
  const own = podNamespaces(c);
  const ns = new Map<string, Namespace>();
  if (own.ipc) ns.set('ipc', { type: 'ipc' });
  if (own.uts) ns.set('uts', { type: 'uts' });
  if (own.network) ns.set('network', { type: 'network' });
  return ns;
}

/** Refuses, before anything is made, sysctls that are not in the pod's own namespaces (what the
 * runtime checks for an infra process's spec). */
export function checkPodSysctls(c: PodConfig): void {
  const problems: { path: string; message: string }[] = [];
  checkSysctls(c.sysctls, ownNamespaces(c), problems);
  // What berth-mount's podns takes: "key=value" lines.
  for (const [k, v] of Object.entries(c.sysctls)) {
    if (k.includes('=') || /[\n\0]/.test(k + v)) problems.push({ path: `linux.sysctl[${JSON.stringify(k)}]`, message: 'may not hold "=" in its name, nor a newline or NUL' });
  }
  if (problems.length) throw new PodRequestError(problems.map((p) => `sysctl ${p.path.replace(/^linux\.sysctl\[(.*)\]$/, '$1')} ${p.message}`).join('; '));
}

/** Pins the pod's IPC and UTS namespaces under `dir` and applies its hostname and sysctls (the
 * network namespace must be made first). The pins are recorded in the pod's state and saved
 * (`save`) before they are made: an engine killed meanwhile leaves a record that the next stop
 * or start cleans up (their paths follow from the pod's id). A failure leaves nothing. */
export async function pinPodNamespaces(pod: PodRecord, dir: string, save: () => void): Promise<void> {
  const c = pod.config;
  const ns = ownNamespaces(c);
  const ipc = ns.has('ipc') ? join(dir, `${pod.id.slice(0, 32)}-ipc`) : undefined;
  const uts = ns.has('uts') ? join(dir, `${pod.id.slice(0, 32)}-uts`) : undefined;
  pod.state.bootId = bootId();
  if (!ipc && !uts) {
    // The host's IPC and network (so UTS) namespaces: nothing of its own to hold, no sysctl
    // allowed (checkPodSysctls).
    pod.state.pinned = {};
    return;
  }
  pod.state.pinned = { ...(ipc ? { ipc } : {}), ...(uts ? { uts } : {}) };
  save();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  try {
    await runMountOpsAsync([
      { op: 'shared', dir },
      { op: 'podns', ipc, uts, hostname: c.hostname, netns: pod.state.netnsPath || undefined, sysctls: c.sysctls },
    ]);
  } catch (e) {
    // podns failing (op 1) or the directory's mount (op 0) made no pin; the directory's self
    // bind mount goes if nothing else is there. Any other failure (the helper gone mid-way) may
    // have left pins: they stay recorded for the caller's clean-up (the unpin tolerates none).
    if (e instanceof MountOpError && e.index >= 0) {
      delete pod.state.pinned;
      await runMountOpsAsync([{ op: 'umount-if-empty', dir }]).catch(() => {});
    }
    throw e;
  }
}

/** Releases the pins (lazily where a container still holds a namespace): the namespaces end
 * with their last process. Already gone is fine. */
export async function unpinPodNamespaces(pod: PodRecord, dir: string): Promise<void> {
  await unbindNamespaceFiles(Object.values(pod.state.pinned ?? {}), dir);
  delete pod.state.pinned;
}

/** Whether a pinned pod's namespaces are still there (this boot, its pins mounted). */
export function pinsHeld(pod: PodRecord): boolean {
  if (!pod.state.pinned || pod.state.bootId !== bootId()) return false;
  return Object.values(pod.state.pinned).every((p) => isMountPoint(p));
}

let boot: string | undefined;
function bootId(): string {
  try { boot ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { boot = ''; }
  return boot;
}
