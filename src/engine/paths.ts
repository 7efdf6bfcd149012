// Where the engine keeps things. Two roots, both parameters so tests use temp dirs:
//   root (default /var/lib/berth): persistent data, shared with src/image (images.db, blobs,
//     snapshots) and src/network (networks/); ours: containers.db, containers/<id>/ (bundle,
//     log, hosts files), volumes/<name>/_data.
//   runRoot (default /run/berth): runtime state: runtime/ (the OCI runtime's --root),
//     exits/<id> (conmon's exit files), locks/, netns/ (named network namespaces), attach
//     sockets (socket/<id>, short symlinks to the bundle dirs).
import { join } from 'node:path';

export interface EngineOptions {
  root?: string;
  runRoot?: string;
  /** Default OCI runtime: a name on PATH or a path (default berth-runtime). */
  runtime?: string;
  /** Parent cgroup of containers (default berth, or $BERTH_CGROUP_PARENT). */
  cgroupParent?: string;
  /** Where the CNI plugins are (default src/network's). */
  cniPath?: string[];
  /** Where pods find their CNI configuration (default /etc/cni/net.d, or $BERTH_CNI_CONF_DIR). */
  cniConfDir?: string;
}

export const DEFAULT_ROOT = '/var/lib/berth';
export const DEFAULT_RUN_ROOT = '/run/berth';

export interface EnginePaths {
  root: string;
  runRoot: string;
  db: string;
  containers: string;
  volumes: string;
  networks: string;
  runtimeRoot: string;
  exits: string;
  locks: string;
  netns: string;
  sockets: string;
  cgroupParent: string;
  /** Pods: pods.db beside containers.db; pods/<id>/ (hostname, hosts, resolv.conf, infra log). */
  pods: string;
  cniConfDir: string;
}

export function enginePaths(opts: EngineOptions = {}): EnginePaths {
  const root = opts.root ?? process.env.BERTH_ROOT ?? DEFAULT_ROOT;
  const runRoot = opts.runRoot ?? process.env.BERTH_RUN_ROOT ?? DEFAULT_RUN_ROOT;
  return {
    root, runRoot,
    db: join(root, 'containers.db'),
    containers: join(root, 'containers'),
    volumes: join(root, 'volumes'),
    networks: join(root, 'networks'),
    runtimeRoot: join(runRoot, 'runtime'),
    exits: join(runRoot, 'exits'),
    locks: join(runRoot, 'locks'),
    netns: join(runRoot, 'netns'),
    sockets: join(runRoot, 'socket'),
    cgroupParent: opts.cgroupParent ?? process.env.BERTH_CGROUP_PARENT ?? 'berth',
    pods: join(root, 'pods'),
    cniConfDir: opts.cniConfDir ?? process.env.BERTH_CNI_CONF_DIR ?? '/etc/cni/net.d',
  };
}

/** Per-container directory: the bundle (config.json, rootfs/), ctr.log, hosts, resolv.conf… */
export function containerDir(p: EnginePaths, id: string): string {
  return join(p.containers, id);
}
