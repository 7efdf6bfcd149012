// Rootless user networks (docs/rootless.md), as podman 4's rootless-netns: a user has no bridge,
// veth or iptables rule in the host's network namespace, but is root of network namespaces made
// in their own user namespace. So one network namespace per user plays the host's part: the
// bridges of the user's networks, the host ends of the veths, the masquerade and isolation rules
// and portmap's DNAT all live there (the CNI plugins and iptables run in it through nsenter,
// from the user's namespace, where the engine is root). slirp4netns, attached to it, is its way
// out (tap0 10.0.2.100, gateway 10.0.2.2, DNS 10.0.2.3) and its way in: a published port is a
// slirp4netns host forward from the host's port to 10.0.2.100:hostPort, which portmap's DNAT in
// the namespace sends on to the container.
// The namespace is pinned by a bind mount in the user's mount namespace (held by the
// berth-userns holder process) and kept alive by slirp4netns, a long-lived process of ours. It is
// made at the first attach to a user network and removed, slirp4netns with it, after the last
// detach: nothing of it stays while no container is on a user network. Both happen under the
// network state root's lock (attach.ts), so they never race each other.
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, isNetns, removeNetns } from './netns.ts';
import { slirpAlive, startSlirp, stopSlirp } from './slirp.ts';

/** The files of a user's rootless netns, under `dir` (RUN_ROOT/rootless-netns). */
export function rootlessNetnsFiles(dir: string) {
  return {
    netns: join(dir, 'netns', 'berth-rootless'),
    apiSocket: join(dir, 'slirp.sock'),
    pidFile: join(dir, 'slirp4netns.pid'),
    logPath: join(dir, 'slirp4netns.log'),
    rulesLock: join(dir, 'rules.lock'),
  };
}


/** The user's rootless netns with its slirp4netns, made if missing; returns its path, and
 * whether slirp4netns was started again for a netns that was there (it had died: its host
 * forwards went with it, and the caller adds them again). A netns whose containers still use it
 * is never replaced: that would cut them off. The caller holds the lock. */
export async function ensureRootlessNetns(dir: string): Promise<{ netns: string; restarted: boolean }> {
  const f = rootlessNetnsFiles(dir);
  const slirp = { netnsPath: f.netns, apiSocket: f.apiSocket, pidFile: f.pidFile, logPath: f.logPath, ports: [] };
  if (isNetns(f.netns)) {
    if (slirpAlive(f.pidFile)) return { netns: f.netns, restarted: false };
    stopSlirp(f.pidFile);
    await startSlirp(slirp);
    return { netns: f.netns, restarted: true };
  }
  await removeRootlessNetns(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await createNetns('berth-rootless', join(dir, 'netns'));
  try {
    await startSlirp(slirp);
  } catch (e) {
    await removeRootlessNetns(dir);
    throw e;
  }
  return { netns: f.netns, restarted: false };
}

/** Ends slirp4netns and unpins the namespace (its bridges, veths and rules go with it). */
export async function removeRootlessNetns(dir: string): Promise<void> {
  const f = rootlessNetnsFiles(dir);
  stopSlirp(f.pidFile);
  await removeNetns(f.netns);
  rmSync(f.apiSocket, { force: true });
  rmSync(f.logPath, { force: true });
  rmSync(f.rulesLock, { force: true });
  for (const d of [join(dir, 'netns'), dir]) {
    try { rmdirSync(d); } catch { /* gone, or not empty (still mounted): left as it is */ }
  }
}

/** The rootless netns if it is there now (for a network's removal: nothing to undo otherwise). */
export function currentRootlessNetns(dir: string): string | undefined {
  const f = rootlessNetnsFiles(dir);
  return isNetns(f.netns) ? f.netns : undefined;
}
