// A pod's infra process: build/berth-pause alone in a read-only rootfs, created by the OCI
// runtime under conmon with the pod's new namespaces (IPC, UTS, mount; PID when shared) and its
// network namespace, so that they outlive every container of the pod. No pause image.
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSpec, type Spec } from '../../oci/index.ts';
import { nativeToolPath, NativeToolMissingError } from '../../util/native-tools.ts';
import { startConmon } from '../conmon.ts';
import type { OciRuntime } from '../ociruntime/index.ts';
import { isOwnRuntime, relayPath } from '../runtime.ts';
import { listenRelay, relayEnv } from '../../runtime/relay.ts';
import { SPEC_VERSION } from '../spec.ts';
import { StartError } from '../errors.ts';
import { processAlive } from '../../util/proc.ts';
import type { PodRecord } from './types.ts';
import { podNamespaces } from './namespaces.ts';

export const pausePath = (): string => nativeToolPath('berth-pause', 'BERTH_PAUSE');

export interface InfraPaths {
  /** Where relay sockets go (<runRoot>/relay). */
  relayDir: string;
  /** The runtime's typed interface (its binary is what conmon runs). */
  runtime: OciRuntime;
  runtimeRoot: string;
  exits: string;
  sockets: string;
  cgroupParent: string;
  /** Removes the parent if empty, unless the engine keeps it (EngineCore.releaseCgroupParent). */
  releaseCgroupParent: (parent: string) => void;
}

/** The infra process's OCI spec (pure). */
export function infraSpec(pod: PodRecord, rootfs: string, cgroupParent: string): Spec {
  const c = pod.config;
  const own = podNamespaces(c);
  const namespaces: NonNullable<Spec['linux']>['namespaces'] = [{ type: 'mount' }];
  if (own.ipc) namespaces.push({ type: 'ipc' });
  if (own.uts) namespaces.push({ type: 'uts' });
  if (own.pid) namespaces.push({ type: 'pid' });
  if (own.network) namespaces.push({ type: 'network', path: pod.state.netnsPath });
  return {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: false, user: { uid: 0, gid: 0 }, args: ['/pause'], env: ['PATH=/'], cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [] }, noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    ...(own.uts ? { hostname: c.hostname } : {}),
    // /proc for the runtime's sysctl writes (they go through /proc/sys in the new namespaces).
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] }],
    annotations: { 'io.berth.pod.name': c.name, 'io.berth.pod.infra': 'true' },
    linux: {
      namespaces,
      cgroupsPath: `/${cgroupParent}/berth-pod-${pod.id}`,
      ...(Object.keys(c.sysctls).length ? { sysctl: { ...c.sysctls } } : {}),
      maskedPaths: [], readonlyPaths: [],
    },
  };
}

/** Creates and starts the infra process; returns its pid and conmon's. */
export async function startInfra(pod: PodRecord, dir: string, p: InfraPaths): Promise<{ pid: number; conmonPid: number }> {
  const bundle = join(dir, 'infra');
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(join(rootfs, 'proc'), { recursive: true, mode: 0o755 });
  const pause = pausePath();
  if (!existsSync(pause)) throw new NativeToolMissingError('pod infra program', pause, 'BERTH_PAUSE');
  // A hard link where the tree and the state root share a file system (no 750 kB copy per pod).
  if (!existsSync(join(rootfs, 'pause'))) {
    try { linkSync(pause, join(rootfs, 'pause')); } catch { copyFileSync(pause, join(rootfs, 'pause')); }
  }
  const spec = infraSpec(pod, rootfs, p.cgroupParent);
  writeFileSync(join(bundle, 'config.json'), renderSpec(spec));
  // The runtime's leftovers of a previous start (a pod started again after a stop).
  if (p.runtime.mayHaveState(pod.id)) await p.runtime.delete(pod.id, { force: true }).catch(() => {});
  // With berth's own runtime the create runs in this process over berth-relay (as the engine's
  // containers do): no Node start for the runtime.
  const relay = isOwnRuntime(p.runtime.path)
    ? await listenRelay(join(p.relayDir, `${pod.id.slice(0, 16)}.sock`), { root: p.runtimeRoot, id: pod.id, awaitAhead: false })
    : undefined;
  let pid: number;
  try {
    const started = startConmon({
      id: pod.id, cuuid: pod.id.slice(0, 16), name: `${pod.config.name}-infra`, runtime: relay ? relayPath() : p.runtime.path, runtimeRoot: p.runtimeRoot,
      bundle, pidFile: join(bundle, 'pidfile'), conmonPidFile: join(bundle, 'conmon.pid'), logPath: join(bundle, 'infra.log'),
      runtimeLog: join(bundle, 'runtime.log'), exitDir: p.exits, socketDir: p.sockets, terminal: false, stdin: false,
      ...(relay ? { env: relayEnv(relay, p.runtime.path) } : {}),
    });
    // The plan and the cgroup (mkdirs in every hierarchy: ~5-10 ms) are made while conmon
    // starts and runs the relay, as for a container (start.ts).
    relay?.prepareAhead({ bundle, pidFile: join(bundle, 'pidfile'), spec });
    pid = await started;
  } catch (e) {
    const o = relay ? await Promise.race([relay.outcome, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000))]) : undefined;
    if (o && !o.ok) throw new StartError(`pod ${pod.config.name}: creating the infra process failed: ${o.error.message}`);
    throw e;
  } finally {
    relay?.close();
  }
  try {
    await p.runtime.start(pod.id);
  } catch (e) {
    await p.runtime.delete(pod.id, { force: true }).catch(() => {});
    throw new StartError(`pod ${pod.config.name}: starting the infra process failed: ${(e as Error).message}`);
  }
  const conmonPid = Number(readFileSync(join(bundle, 'conmon.pid'), 'utf8').trim()) || 0;
  return { pid, conmonPid };
}

/** Ends the infra process (TERM, then KILL) and removes the runtime's record of it. */
export async function stopInfra(pod: PodRecord, p: InfraPaths): Promise<void> {
  await p.runtime.kill(pod.id, 'SIGTERM').catch(() => {});
  await whileAlive(pod.state.infraPid, 2000);
  await p.runtime.delete(pod.id, { force: true }).catch(() => {});
  await whileAlive(pod.state.conmonPid, 5000);
  rmSync(join(p.exits, pod.id), { force: true });
  p.releaseCgroupParent(p.cgroupParent);
}

/** Waits (polling from 1 ms up: berth-pause and conmon end within a few) while `pid` lives. */
async function whileAlive(pid: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let delay = 1; Date.now() < end && processAlive(pid); delay = Math.min(delay * 2, 20)) await new Promise((r) => setTimeout(r, delay));
}

