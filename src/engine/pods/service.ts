// engine.pods: create, start, stop, remove, inspect and list pods. A pod's namespaces live
// while it runs (its infra process holds IPC/UTS/PID, or bind mounts pin IPC and UTS where no
// PID namespace is shared and the pod asked for no infra (pinned.ts); a pinned netns holds the
// network);
// containers created with `pod` join them (engine.create → PodJoin). State is on disk only.
import { randomBytes } from '../../util/random.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { renderHosts, resolvConf } from '../../network/index.ts';
import type { EngineCore } from '../core.ts';
import type { ContainerService } from '../containers/index.ts';
import { recordEvent } from '../events.ts';
import { findRuntime } from '../runtime.ts';
import { matchesFilters, type PodFilters } from './filters.ts';
import { podNetworkStatus, type PodNetworkStatus } from './cni-config.ts';
import { NoSuchPodError, PodNameConflictError, PodRequestError, PodStateError } from './errors.ts';
import { startInfra, stopInfra, type InfraPaths } from './infra.ts';
import { processAlive } from '../../util/proc.ts';
import { checkPodSysctls, pinPodNamespaces, pinsHeld, unpinPodNamespaces, usesInfra } from './pinned.ts';
import { attachPodNetwork, makePodNetns, tearDownPodNetwork, type PodNetOptions } from './network.ts';
import type { PodStore } from './store.ts';
import { podJoin, podStore } from './join.ts';
import { connectPodPort } from './port.ts';
import type { Duplex } from 'node:stream';
import type { PodCreateRequest, PodJoin, PodRecord } from './types.ts';
import { netOpts } from '../netglue.ts';
import { trace } from '../../util/trace.ts';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class PodService {
  readonly #core: EngineCore;
  readonly #containers: ContainerService;
  readonly store: PodStore;
  constructor(core: EngineCore, containers: ContainerService) {
    this.#core = core;
    this.#containers = containers;
    this.store = podStore(core.paths);
  }

  /** Whether CRI pods can be networked: a CNI configuration is installed. */
  networkStatus(): PodNetworkStatus {
    return podNetworkStatus(this.#core.paths.cniConfDir);
  }

  #infraPaths(pod: PodRecord): InfraPaths {
    const p = this.#core.paths;
    // The run root's directories are made lazily by the container store (core.ts); a pod can
    // be the first thing an engine starts.
    for (const d of [p.runtimeRoot, p.exits, p.sockets, p.locks]) mkdirSync(d, { recursive: true });
    return {
      runtime: this.#core.runtimeFor(pod.config.runtime ?? findRuntime(this.#core.opts.runtime ?? 'berth-runtime')),
      runtimeRoot: p.runtimeRoot, exits: p.exits, sockets: p.sockets, relayDir: join(p.runRoot, 'relay'), cgroupParent: pod.config.cgroupParent || p.cgroupParent,
      releaseCgroupParent: (parent) => this.#core.releaseCgroupParent(parent),
    };
  }

  /** Where pods without an infra process pin their IPC and UTS namespaces. */
  #pinDir(): string {
    return join(this.#core.paths.runRoot, 'podns');
  }

  /** Starts what holds the pod's namespaces: its infra process, or the pins (pid 0). */
  #holdNamespaces(pod: PodRecord): Promise<{ pid: number; conmonPid: number }> {
    if (usesInfra(pod.config)) return startInfra(pod, this.store.podDir(pod.id), this.#infraPaths(pod));
    return pinPodNamespaces(pod, this.#pinDir(), () => this.store.save(pod)).then(() => ({ pid: 0, conmonPid: 0 }));
  }

  /** Ends what holds the pod's namespaces (the infra process, or the pins). */
  async #releaseNamespaces(pod: PodRecord): Promise<void> {
    if (pod.state.infraPid || usesInfra(pod.config)) await stopInfra(pod, this.#infraPaths(pod));
    if (pod.state.pinned) {
      await unpinPodNamespaces(pod, this.#pinDir());
      const parent = pod.config.cgroupParent || this.#core.paths.cgroupParent;
      this.#core.releaseCgroupParent(parent);
    }
  }

  /** Whether what holds the running pod's namespaces is still there. */
  #held(pod: PodRecord): boolean {
    return pod.state.pinned ? pinsHeld(pod) : processAlive(pod.state.infraPid);
  }

  #netOpts(): PodNetOptions {
    return { netnsDir: this.#core.paths.netns, cniConfDir: this.#core.paths.cniConfDir, store: netOpts(this.#core) };
  }

  /** Creates the pod's record (not started: see start, or run = create + start). */
  create(req: PodCreateRequest): PodRecord {
    const id = randomBytes(32).toString('hex');
    const name = req.name ?? `pod-${id.slice(0, 12)}`;
    if (!NAME_RE.test(name)) throw new PodRequestError(`invalid pod name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const holder = this.store.list().find((p) => p.config.name === name);
    if (holder) throw new PodNameConflictError(name, holder.id);
    const network = req.network ?? 'bridge';
    for (const m of req.portMappings ?? []) {
      if (!(m.containerPort > 0 && m.containerPort < 65536) || m.hostPort < 0 || m.hostPort > 65535) {
        throw new PodRequestError(`invalid port mapping ${m.hostPort}:${m.containerPort}/${m.protocol}`);
      }
    }
    const rec: PodRecord = {
      id, created: new Date().toISOString(),
      config: {
        name, hostname: req.hostname || name, labels: { ...(req.labels ?? {}) }, annotations: { ...(req.annotations ?? {}) },
        network, sharePid: req.sharePid ?? false, hostPid: req.hostPid ?? false, hostIpc: req.hostIpc ?? false,
        dns: { servers: req.dns?.servers ?? [], searches: req.dns?.searches ?? [], options: req.dns?.options ?? [] },
        portMappings: network === 'host' ? [] : [...(req.portMappings ?? [])], sysctls: { ...(req.sysctls ?? {}) },
        cgroupParent: req.cgroupParent ?? '', logDirectory: req.logDirectory ?? '', metadata: { ...(req.metadata ?? {}) },
        ...(req.infra === false ? { infra: false as const } : {}),
      },
      state: { status: 'created', infraPid: 0, conmonPid: 0, netnsPath: '', ips: [], startedAt: '', finishedAt: '', error: '' },
    };
    // Without an infra process nothing else checks the sysctls before they are written.
    if (!usesInfra(rec.config)) checkPodSysctls(rec.config);
    this.store.save(rec);
    recordEvent(this.#core.paths, { id, name, action: 'pod-create', type: 'pod' });
    return rec;
  }

  /** The pod's namespaces and infra process; the etc files its containers bind in. */
  async start(ref: string): Promise<PodRecord> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    let releaseWarm = () => {};
    try {
      const pod = this.#refresh(this.store.get(first.id) ?? (() => { throw new NoSuchPodError(ref); })());
      if (pod.state.status === 'running') return pod;
      // The infra process's cgroup join then skips its RCU grace period (prepare.ts).
      releaseWarm = await this.#core.warmUp();
      try {
        // What an earlier stop left (a release that failed): released first, or the start fails
        // (a new attachment would leave the old lease and rules behind for good).
        await tearDownPodNetwork(pod, this.#netOpts());
        // Pins an engine killed during an earlier start or stop left recorded.
        if (pod.state.pinned) await unpinPodNamespaces(pod, this.#pinDir());
        await makePodNetns(pod, this.#netOpts(), this.#core.spareNetns);
        trace('pod start: netns made');
        this.store.save(pod);
        // The CNI plugins configure the netns while the runtime creates the infra process in it
        // (or the other namespaces are pinned).
        const attached = attachPodNetwork(pod, this.#netOpts());
        const infra = this.#holdNamespaces(pod);
        attached.then(() => trace('pod start: network attached'), () => {});
        infra.then(() => trace('pod start: infra started'), () => {});
        const [net, started] = await Promise.allSettled([attached, infra]);
        if (started.status === 'fulfilled') Object.assign(pod.state, { infraPid: started.value.pid, conmonPid: started.value.conmonPid });
        if (net.status === 'rejected') throw net.reason;
        if (started.status === 'rejected') throw started.reason;
        const { pid, conmonPid } = started.value;
        this.store.save(pod);
        this.#writeEtcFiles(pod);
        Object.assign(pod.state, { status: 'running', infraPid: pid, conmonPid, startedAt: new Date().toISOString(), finishedAt: '', error: '' });
        this.store.save(pod);
        recordEvent(this.#core.paths, { id: pod.id, name: pod.config.name, action: 'pod-start', type: 'pod' });
        return pod;
      } catch (e) {
        pod.state.error = (e as Error).message;
        await this.#releaseNamespaces(pod).catch(() => {});
        await tearDownPodNetwork(pod, this.#netOpts()).catch(() => {});
        pod.state.status = 'stopped';
        this.store.save(pod);
        throw e;
      }
    } finally {
      lock.release();
      releaseWarm();
      // The next pod's netns, made now that this start no longer competes with it for the CPU.
      if (this.#core.spareNetns) setImmediate(() => this.#core.spareNetns?.refill());
    }
  }

  /** create + start, removing the record when the start fails (the CRI's RunPodSandbox). */
  async run(req: PodCreateRequest): Promise<PodRecord> {
    const pod = this.create(req);
    try {
      return await this.start(pod.id);
    } catch (e) {
      await this.remove(pod.id, { force: true }).catch(() => {});
      throw e;
    }
  }

  /** Stops the pod's containers (timeout seconds each, all at once), then its infra process (or, once they are gone, its pins),
   * then releases its network. With timeout 0 (the CRI's StopPodSandbox) every process gets
   * SIGKILL at once, so nothing shuts down gracefully needing the others: the containers and
   * the infra process stop at once. Once none of them runs, the netns goes before the CNI DEL
   * (tearDownPodNetwork's idle: the slowest step, the veth's deletion, is the kernel's). In a
   * long-lived engine the stop returns once the pod is unreachable (no process, no netns, no
   * veth): its address's release (the interface owner's DEL) finishes after, still under the
   * pod's lock, so that a removal or a start of the pod waits for it, and settle() too, as does
   * the removal of a pod's pinned namespaces; each container's clean-up (the runtime's delete,
   * its monitor's end: cleanUpAfter) follows under the container's lock. A
   * failed release is logged (core.log) and stays in the pod's state (`cni`, with no netns):
   * the next stop is then a retry, which releases in the call and throws its failure (kubelet
   * sees it and retries), as does a removal's stop (`awaitRelease`): a pod is never removed
   * while its address is held. */
  async stop(ref: string, timeout?: number, opts: { awaitRelease?: boolean } = {}): Promise<PodRecord> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    let releasing: Promise<void> | undefined;
    // The containers' clean-up (the runtime's delete: synchronous cgroup and file removals on
    // this thread) waits until the pod is unreachable, the answer's part of the work.
    let unreachable = () => {};
    const cleanUpAfter = new Promise<void>((r) => { unreachable = r; });
    try {
      const pod = this.store.get(first.id) ?? (() => { throw new NoSuchPodError(ref); })();
      const holds = pod.state.status === 'running' || pod.state.infraPid || pod.state.netnsPath || pod.state.cni || pod.state.pinned;
      const retry = !!pod.state.cni && !pod.state.netnsPath;
      const deferRelease = !!this.#core.opts.longLived && !opts.awaitRelease && !retry;
      // (A created container made in the runtime ahead of its start has a process too.)
      const running = this.containers(first.id).filter((c) => c.state.status === 'running' || c.state.status === 'restarting' || this.#core.precreated.has(c.id));
      const stopping = Promise.allSettled(running.map((c) => this.#containers.stop(c.id, { ...(timeout === undefined ? {} : { timeout }), cleanUpAfter })));
      if (timeout !== 0) await stopping;
      if (holds) {
        // An infra process stops beside the containers: the network's teardown waits until no
        // process of the pod runs. Pins hold namespaces in which nothing runs once the containers
        // have exited (a container start racing this stop joins them or fails, as it would the
        // infra's): they go after the netns (the mount helper takes one batch at a time), and in
        // a long-lived engine after the answer, with the address's release.
        const releaseNamespaces = () => this.#releaseNamespaces(pod).then(() => trace('pod stop: infra stopped'));
        const infra = pod.state.pinned ? undefined : releaseNamespaces();
        const idle = Promise.all([stopping, infra ? infra.then(() => true, () => false) : true]).then(([stopped, infraStopped]) => {
          trace('pod stop: containers stopped');
          return infraStopped && !processAlive(pod.state.infraPid) && stopped.every((d) => d.status === 'fulfilled');
        });
        let torn: Awaited<ReturnType<typeof tearDownPodNetwork>>;
        try {
          torn = await tearDownPodNetwork(pod, this.#netOpts(), { idle, deferRelease });
        } catch (e) {
          // What is left of the attachment (`cni`) is saved for the next stop to retry.
          await (infra ?? stopping.then(releaseNamespaces)).catch(() => {});
          this.store.save(pod);
          throw e;
        }
        const unpin = infra ? undefined : stopping.then(releaseNamespaces);
        if (this.#core.opts.longLived) {
          // Its handlers at once: what follows the answer goes on under the lock whatever this
          // call meets. A failed release or unpin is logged and stays recorded in the pod's state
          // for the next stop or the removal to retry. The containers' clean-ups (cleanUpAfter)
          // empty the pod's cgroup parent: it is released once they are done.
          const log = (what: string) => (e: Error) => this.#core.log(`pod ${pod.config.name} (${pod.id}): the ${what} failed (the next stop or the removal retries it): ${e.message}`);
          const release = torn.release?.then(() => trace('pod stop: address released'), log('release of its address'));
          const unpinned = deferRelease ? unpin?.then(() => {}, log('removal of its pinned namespaces')) : undefined;
          const cleanedUp = stopping.then((rs) => Promise.all(rs.map((r) => (r.status === 'fulfilled' ? r.value.cleanedUp : undefined))));
          const parent = pod.config.cgroupParent || this.#core.paths.cgroupParent;
          releasing = Promise.all([release, unpinned, cleanedUp]).then(() => {
            this.store.save(pod);
            this.#core.releaseCgroupParent(parent);
          });
        }
        trace('pod stop: network torn down');
        unreachable();
        await infra;
        if (!deferRelease) await unpin;
        Object.assign(pod.state, { status: 'stopped', infraPid: 0, conmonPid: 0, finishedAt: new Date().toISOString() });
        this.store.save(pod);
        recordEvent(this.#core.paths, { id: pod.id, name: pod.config.name, action: 'pod-stop', type: 'pod' });
      }
      for (const d of await stopping) if (d.status === 'rejected') throw d.reason;
      return pod;
    } finally {
      unreachable();
      if (releasing) this.#core.inBackground(releasing.finally(() => lock.release()));
      else lock.release();
    }
  }

  /** Removes the pod and its containers; a running pod only with force (stopped first). Its
   * network is released first, in the call: a failed release fails the removal and keeps the
   * pod (with what its retry needs). */
  async remove(ref: string, opts: { force?: boolean } = {}): Promise<string> {
    const first = this.store.resolve(ref);
    const pod = this.#refresh(first);
    if (pod.state.status === 'running' && !opts.force) {
      throw new PodStateError(`pod ${pod.config.name} is running: stop it first or remove it with force`);
    }
    const removed = await Promise.allSettled(this.containers(pod.id).map((c) => this.#containers.remove(c.id, { force: true })));
    for (const r of removed) if (r.status === 'rejected') throw r.reason;
    trace('pod remove: containers removed');
    await this.stop(pod.id, 0, { awaitRelease: true });
    const lock = await this.store.lock(pod.id);
    trace('pod remove: locked');
    try {
      // Another stop may have come between (its release deferred, and failed).
      const cur = this.store.get(pod.id);
      if (!cur) throw new NoSuchPodError(ref);
      if (cur.state.cni) throw new PodStateError(`pod ${pod.config.name}: its network is still attached (the release of its address failed): not removed`);
      // The directory (infra bundle, etc files) goes aside first: store.delete then has only
      // the lock file left to remove.
      this.#core.trash.discard(this.store.podDir(pod.id));
      this.store.delete(pod.id);
      trace('pod remove: deleted');
      recordEvent(this.#core.paths, { id: pod.id, name: pod.config.name, action: 'pod-remove', type: 'pod' });
    } finally {
      lock.release();
    }
    return pod.id;
  }

  get(ref: string): PodRecord {
    return this.#refresh(this.store.resolve(ref));
  }

  list(filters: PodFilters = {}): PodRecord[] {
    return this.store.list().map((p) => this.#refresh(p)).filter((p) => matchesFilters(p, filters));
  }

  /** The pod's containers (engine records whose config names the pod). */
  containers(podId: string) {
    return this.#containers.list({ all: true }).filter((c) => c.config.pod?.podId === podId);
  }

  /** What a container of the pod joins; the pod must be running. */
  join(ref: string): PodJoin {
    return podJoin(this.#core.paths, ref);
  }

  /** A connection to `port` inside the pod (its 127.0.0.1 included): port-forward. */
  connect(ref: string, port: number): Duplex {
    return connectPodPort(this.get(ref), port);
  }

  /** The pod's network interfaces' counters (from its infra process's or a container's view of
   * /proc/net/dev; none while no process of the pod runs). */
  interfaces(ref: string): { name: string; rxBytes: number; rxErrors: number; txBytes: number; txErrors: number }[] {
    const pod = this.get(ref);
    if (pod.state.status !== 'running' || pod.config.network === 'host') return [];
    let text = '';
    // /proc/PID/net/dev is the netns of PID: the infra process's, else a running container's.
    const pids = [pod.state.infraPid, ...this.containers(pod.id).filter((c) => c.state.status === 'running').map((c) => c.state.pid)];
    for (const pid of pids.filter((p) => p > 0)) {
      try { text = readFileSync(`/proc/${pid}/net/dev`, 'utf8'); break; } catch { /* gone: the next */ }
    }
    if (!text) return [];
    return text.split('\n').slice(2).flatMap((l) => {
      const [name, rest] = l.split(':');
      if (!rest || name.trim() === 'lo') return [];
      const f = rest.trim().split(/\s+/).map(Number);
      return [{ name: name.trim(), rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] }];
    });
  }

  /** A running pod whose infra process (or pin) is gone (killed, host reboot) is stopped. */
  #refresh(pod: PodRecord): PodRecord {
    if (pod.state.status === 'running' && !this.#held(pod)) {
      pod.state.status = 'stopped';
      pod.state.finishedAt = new Date().toISOString();
      this.store.save(pod);
    }
    return pod;
  }

  #writeEtcFiles(pod: PodRecord): void {
    const dir = this.store.podDir(pod.id), c = pod.config;
    const hostNet = c.network === 'host';
    const hosts = hostNet ? readFileSync('/etc/hosts', 'utf8')
      : renderHosts({ hostname: c.hostname, self: pod.state.ips.slice(0, 1).map((ip) => ({ ip, names: [] })), peers: [] });
    writeFileSync(join(dir, 'hosts'), hosts);
    writeFileSync(join(dir, 'hostname'), `${hostNet ? osHostname() : c.hostname}\n`);
    writeFileSync(join(dir, 'resolv.conf'), resolvConf({ dns: c.dns.servers, search: c.dns.searches, options: c.dns.options }));
  }
}
