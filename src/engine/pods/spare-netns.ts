// A network namespace made ahead for the next pod, kept by a long-lived engine (berthd): its
// creation (a berth-mount request: unshare and a bind mount, 2 ms on a quiet machine, 10+ under
// load) is then off RunPodSandbox's path, where it comes before both the CNI ADD and the infra
// process. One is kept; taking it makes the next one.
//
// After a pod on the CNI configuration (a CRI pod) the next spare is also attached ahead: the
// ADD of the configuration's leading plugins that need nothing of the pod (the interface's
// owner, bridge with host-local: a veth pair and an address, 11-26 ms quiet, up to 170 loaded,
// the longest step of a pod's start) runs into it now. Nothing of a pod reaches those plugins
// anyway: the CNI_CONTAINERID is the spare's own (kept with the pod's attachment for its DEL),
// the netns and interface name are the same for any pod, no CNI_ARGS are passed. Plugins from
// the first one that declares a capability (portmap: the pod's port mappings) on run for the
// pod (network.ts). A pod whose chain does not begin with what was done ahead (the configuration
// changed meanwhile) gets a netns of its own and the spare is released. An ADD ahead that fails
// is released and not tried again for the same configuration (plain spares from then on).
//
// The attachment is recorded on disk (<root>/pod-spare.json) until a pod takes it: a berthd that
// stopped without settling leaves it behind, and the next one releases it (its address lease,
// its veth) as it first looks; plain spares left behind are adopted (any beyond one go).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addNetworkList, createNetns, delNetworkList, isNetns, removeNetns, type CniResult, type Conflist } from '../../network/index.ts';
import { randomBytes } from '../../util/random.ts';
import { trace } from '../../util/trace.ts';
import { loadPodConflist } from './cni-config.ts';

const PREFIX = 'berth-spare-';

/** A CNI attachment made in a spare: the plugins run (`conflist`, the configuration's leading
 * ones) under `containerId`, with their result. */
export interface SpareAttachment { containerId: string; conflist: Conflist; result: CniResult; ifName: string }

export interface Spare { path: string; cni?: SpareAttachment }

export interface SpareOptions {
  netnsDir: string;
  /** Where the pods' CNI configuration is (the first conflist, as for pods: cni-config.ts). */
  cniConfDir: string;
  cniPath?: string[];
  /** The attachment's record until a pod takes it. */
  recordFile: string;
  ifName: string;
}

/** The plugins of `list` that can run before the pod is known: those before the first that
 * declares a capability (its runtimeConfig comes from the pod's request). */
export function aheadPart(list: Conflist): Conflist {
  const n = list.plugins.findIndex((p) => Object.values(p.capabilities ?? {}).some(Boolean));
  return { ...list, plugins: n < 0 ? list.plugins : list.plugins.slice(0, n) };
}

/** Whether `chain` (a pod's) begins with the plugins `ahead` ran, in the same network. */
export function chainBeginsWith(chain: Conflist, ahead: Conflist): boolean {
  if (chain.name !== ahead.name || chain.cniVersion !== ahead.cniVersion || ahead.plugins.length > chain.plugins.length) return false;
  return ahead.plugins.every((p, i) => JSON.stringify(p) === JSON.stringify(chain.plugins[i]));
}

export class SpareNetns {
  readonly #o: SpareOptions;
  #ready: Spare | undefined;
  #making: Promise<void> | undefined;
  #adopted = false;
  /** The configuration (JSON) whose ADD ahead failed: not tried again while it stays. */
  #failedFor = '';
  /** Releases in progress (settle waits for them). */
  readonly #releasing = new Set<Promise<void>>();

  constructor(o: SpareOptions) {
    this.#o = o;
  }

  /** The spare, now yours (undefined when none is ready: make your own). Its attachment, if
   * any, is the taker's to keep (with the pod's) or to release (release()). */
  take(): Spare | undefined {
    this.#adopt();
    const s = this.#ready;
    this.#ready = undefined;
    if (s?.cni) rmSync(this.#o.recordFile, { force: true });
    return s;
  }

  /** Makes the next spare in the background, unless one is there or on its way; `attach`: with
   * the CNI configuration's leading plugins run into it. */
  refill(opts: { attach?: boolean } = {}): void {
    this.#adopt();
    if (this.#ready || this.#making) return;
    this.#making = this.#make(!!opts.attach)
      .then((s) => { this.#ready = s; }, () => { /* none this time: pods make their own */ })
      .finally(() => { this.#making = undefined; });
  }

  /** A spare no pod will use goes: its netns first (nothing runs in it), then the plugins' DEL
   * (the owner then finds no netns and skips the interface: the kernel took the veth pair with
   * the netns). In the background; settle() waits for it. */
  release(s: Spare): void {
    const p = this.#release(s).finally(() => this.#releasing.delete(p));
    this.#releasing.add(p);
  }

  /** Removes the spare (one on its way included) and waits for releases: the engine is about to go. */
  async drop(): Promise<void> {
    await this.#making;
    const s = this.#ready;
    this.#ready = undefined;
    if (s) {
      rmSync(this.#o.recordFile, { force: true });
      this.release(s);
    }
    await Promise.all([...this.#releasing]);
  }

  async #make(attach: boolean): Promise<Spare> {
    const path = await createNetns(`${PREFIX}${randomBytes(8).toString('hex')}`, this.#o.netnsDir);
    if (!attach) return { path };
    let list: Conflist;
    try { list = aheadPart(loadPodConflist(this.#o.cniConfDir).conflist); } catch { return { path }; }
    const key = JSON.stringify(list);
    if (!list.plugins.length || key === this.#failedFor) return { path };
    const containerId = randomBytes(32).toString('hex');
    const rt = { containerId, netns: path, ifName: this.#o.ifName };
    try {
      const result = await addNetworkList(list, rt, { ...(this.#o.cniPath ? { cniPath: this.#o.cniPath } : {}), lowPriority: true });
      const s: Spare = { path, cni: { containerId, conflist: list, result, ifName: this.#o.ifName } };
      mkdirSync(dirname(this.#o.recordFile), { recursive: true });
      writeFileSync(this.#o.recordFile, JSON.stringify(s));
      trace('spare: network attached ahead');
      return s;
    } catch (e) {
      // A failed ADD is undone as any (its DEL), and the configuration not tried ahead again.
      this.#failedFor = key;
      trace(`spare: ADD ahead failed: ${(e as Error).message}`);
      await this.#release({ path, cni: { containerId, conflist: list, ifName: this.#o.ifName } });
      throw e;
    }
  }

  /** (An ADD that failed has no result: the DEL goes without one.) */
  async #release(s: { path: string; cni?: Omit<SpareAttachment, 'result'> & { result?: CniResult } }): Promise<void> {
    await removeNetns(s.path).catch(() => {});
    if (!s.cni) return;
    const { containerId, conflist, result, ifName } = s.cni;
    await delNetworkList(conflist, { containerId, netns: s.path, ifName }, result, { ...(this.#o.cniPath ? { cniPath: this.#o.cniPath } : {}), lowPriority: true });
  }

  /** What an earlier berthd left: its attached spare is released, its first plain spare
   * becomes ours, any other goes. */
  #adopt(): void {
    if (this.#adopted) return;
    this.#adopted = true;
    let recorded: Spare | undefined;
    try { recorded = JSON.parse(readFileSync(this.#o.recordFile, 'utf8')) as Spare; } catch { /* none */ }
    if (recorded?.cni) {
      rmSync(this.#o.recordFile, { force: true });
      this.release(recorded);
    }
    let left: string[] = [];
    try { left = readdirSync(this.#o.netnsDir).filter((n) => n.startsWith(PREFIX)).map((n) => join(this.#o.netnsDir, n)); } catch { /* no netns yet */ }
    for (const p of left) {
      if (p === recorded?.path) continue;
      if (!this.#ready && isNetns(p)) this.#ready = { path: p };
      else void removeNetns(p).catch(() => {});
    }
  }
}
