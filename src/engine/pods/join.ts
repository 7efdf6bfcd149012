// What a container of a pod joins, read from the pod's record: for the container services
// (create checks the pod, start builds the spec from it) without the pod service itself.
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { EnginePaths } from '../paths.ts';
import { PodStateError } from './errors.ts';
import { processAlive } from '../../util/proc.ts';
import { pinsHeld } from './pinned.ts';
import { PodStore } from './store.ts';
import type { PodJoin, PodRecord } from './types.ts';
import { podNamespaces } from './namespaces.ts';

export function podStore(paths: EnginePaths): PodStore {
  return new PodStore(paths.pods, paths.locks);
}

/** The pod by id, unique id prefix or name. */
export function findPod(paths: EnginePaths, ref: string): PodRecord {
  return podStore(paths).resolve(ref);
}

/** The namespaces, files and cgroup parent a container of the running pod `ref` joins. */
export function podJoin(paths: EnginePaths, ref: string): PodJoin {
  const store = podStore(paths);
  const pod = store.resolve(ref);
  const pinned = pod.state.pinned;
  if (pod.state.status !== 'running' || !(pinned ? pinsHeld(pod) : processAlive(pod.state.infraPid))) throw new PodStateError(`pod ${pod.config.name} is not running`);
  // The infra process's namespaces, or the pins of a pod without one (no shared PID namespace).
  const ns = (t: 'ipc' | 'uts' | 'pid') => pinned ? (t === 'pid' ? '' : pinned[t] ?? '') : `/proc/${pod.state.infraPid}/ns/${t}`;
  const dir = store.podDir(pod.id);
  const c = pod.config;
  const own = podNamespaces(c);
  return {
    podId: pod.id, podName: c.name, netnsPath: pod.state.netnsPath, hostNetwork: !own.network,
    ipc: own.ipc ? ns('ipc') : '', uts: own.uts ? ns('uts') : '',
    pid: own.pid ? ns('pid') : '', hostPid: c.hostPid, hostname: own.uts ? c.hostname : osHostname(),
    hostsPath: join(dir, 'hosts'), hostnamePath: join(dir, 'hostname'), resolvConfPath: join(dir, 'resolv.conf'),
    cgroupParent: c.cgroupParent || paths.cgroupParent,
  };
}
