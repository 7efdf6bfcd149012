// A pod's network: its own network namespace, attached either through the CNI configuration
// directory's conflist (CRI pods, as kubelet deployments install it: libcni's way, with the
// result cached in the pod's state for the DEL) or to a berth network (`berth pod create`).
// Port mappings go to the portmap plugin's portMappings capability in both cases.
import {
  addNetworkList, attach, attachmentChain, createNetns, delNetworkList, detach, masquerades, removeNetns, sweepMasquerade, DEFAULT_NETWORK,
  type StoreOptions,
} from '../../network/index.ts';
import { existsSync } from 'node:fs';
import { loadPodConflist } from './cni-config.ts';
import type { SpareNetns } from './spare-netns.ts';
import type { PodRecord } from './types.ts';

export interface PodNetOptions {
  netnsDir: string;
  cniConfDir: string;
  store: StoreOptions;
}

const IF_NAME = 'eth0';

/** The pod's network namespace (none for a pod on the host's network): the spare, if one is
 * ready (the caller has the next one made once the pod started), else a new one. */
export async function makePodNetns(pod: PodRecord, o: PodNetOptions, spare?: SpareNetns): Promise<void> {
  if (pod.config.network === 'host') return;
  const ready = spare?.take();
  pod.state.netnsPath = ready ?? await createNetns(`berth-pod-${pod.id.slice(0, 32)}`, o.netnsDir);
}

/** Attaches the pod's netns (made by makePodNetns): CNI ADD, or a berth network. Independent of
 * the infra process's creation, which only joins the netns: the two run at once. */
export async function attachPodNetwork(pod: PodRecord, o: PodNetOptions): Promise<void> {
  const c = pod.config;
  if (c.network === 'host' || c.network === 'none') return;
  if (c.network === 'cni') {
    const portMappings = c.portMappings.filter((m) => m.hostPort > 0).map((m) => ({
      hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol, ...(m.hostIp ? { hostIP: m.hostIp } : {}),
    }));
    // Without port mappings, portmap is left out of the pod's chain (its ADD and DEL), as for
    // berth's networks: the chain kept in the pod's state is the one the DEL runs.
    const conflist = attachmentChain(loadPodConflist(o.cniConfDir).conflist, portMappings);
    const rt = { containerId: pod.id, netns: pod.state.netnsPath, ifName: IF_NAME, ...(portMappings.length ? { capabilityArgs: { portMappings } } : {}) };
    const result = await addNetworkList(conflist, rt, o.store.cniPath ? { cniPath: o.store.cniPath } : {});
    pod.state.cni = { conflist, result, ifName: IF_NAME, ...(portMappings.length ? { capabilityArgs: { portMappings } } : {}) };
    pod.state.ips = (result.ips ?? []).map((ip) => ip.address.split('/')[0]);
    return;
  }
  const network = c.network === 'bridge' ? DEFAULT_NETWORK : c.network;
  const res = await attach({
    network, containerId: pod.id, netnsPath: pod.state.netnsPath, name: c.name, ifName: IF_NAME,
    portMappings: c.portMappings.filter((m) => m.protocol !== 'sctp').map((m) => ({
      hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol as 'tcp' | 'udp', hostIP: m.hostIp,
    })),
  }, o.store);
  pod.state.berthNetwork = network;
  pod.state.ips = res.ips.map((ip) => ip.split('/')[0]);
}

/** Undoes attachPodNetwork; every step runs even when one fails (the first failure is thrown;
 * the CNI attachment, `cni`, is kept after a failed DEL for the next teardown to retry).
 * `idle` (resolves true once nothing of the pod runs any more): the chained CNI plugins' DEL
 * (portmap...) runs at once, in the list's reverse order as ever; then, if idle, the netns goes
 * before the first plugin's DEL (the interface's owner): the kernel destroys the pod's end of
 * the veth pair with the netns, on its own, and the plugin finds no netns and skips the
 * interface (a DEL must tolerate that): 10-15 ms against 30-70 for the plugin's own veth
 * deletion here. While a process of the pod might live, the netns stays until the DEL took the
 * interface down (another pod may get its address next).
 *
 * `deferRelease`: once the netns is gone that way (and the chained DELs went well), what is
 * left, the owner's DEL (the address lease: host-local's file; bridge's masquerade rules), is
 * not awaited: it comes back as `release`, which resolves once done; the pod's state keeps its
 * attachment (`cni`) until then, and after a failure, for the next stop to retry and report. */
export async function tearDownPodNetwork(pod: PodRecord, o: PodNetOptions, opts: { idle?: Promise<boolean>; deferRelease?: boolean } = {}): Promise<{ release?: Promise<void> }> {
  const errors: Error[] = [];
  const s = pod.state;
  const netns = s.netnsPath;
  const dropNetns = async () => {
    if (!s.netnsPath) return;
    try { await removeNetns(s.netnsPath); } catch (e) { errors.push(e as Error); }
    s.netnsPath = '';
  };
  if (s.cni) {
    // The same runtime configuration as the ADD (portmap finds its rules by the port mappings).
    const attached = s.cni;
    const rt = { containerId: pod.id, netns, ifName: attached.ifName, ...(attached.capabilityArgs ? { capabilityArgs: attached.capabilityArgs } : {}) };
    const cni = o.store.cniPath ? { cniPath: o.store.cniPath } : {};
    const { conflist, result } = attached;
    const [owner, ...chained] = conflist.plugins;
    errors.push(...await delNetworkList({ ...conflist, plugins: chained }, rt, result, cni));
    // (berth's own networks' detach works inside the netns: only without one.)
    if (opts.idle && !s.berthNetwork && await opts.idle) await dropNetns();
    const ownerDel = async (): Promise<Error[]> => {
      if (!owner) return [];
      const failed = await delNetworkList({ ...conflist, plugins: [owner] }, rt, result, cni);
      // A bridge with ipMasq (kubelet deployments' usual conflist) finds the addresses to
      // unmasquerade on the interface inside the netns: without one, its rules are left to us.
      if (!failed.length && masquerades(conflist) && (!s.netnsPath || !existsSync(s.netnsPath))) {
        try { await sweepMasquerade(conflist.name, pod.id); } catch (e) { failed.push(e as Error); }
      }
      return failed;
    };
    if (opts.deferRelease && !s.netnsPath && !s.berthNetwork && !errors.length) {
      const release = ownerDel().then((failed) => {
        if (failed.length) throw failed[0];
        if (s.cni === attached) { delete s.cni; s.ips = []; }
      });
      return { release };
    }
    errors.push(...await ownerDel());
    // Kept after a failure: the next teardown runs the DELs again (a DEL is idempotent).
    if (!errors.length) delete s.cni;
  }
  if (s.berthNetwork) {
    try { await detach({ network: s.berthNetwork, containerId: pod.id, ifName: IF_NAME, force: true }, o.store); } catch (e) { errors.push(e as Error); }
    delete s.berthNetwork;
  }
  await dropNetns();
  s.ips = [];
  if (errors.length) throw errors[0];
  return {};
}
