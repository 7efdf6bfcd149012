// RUN --network=default: one network namespace per build, on the engine's default bridge (as a
// container gets), made when the first such RUN starts and shared by the build's later RUN steps;
// released when the build ends. A lock held for its life lets a later build remove one whose
// build died. `none` gets an empty namespace of the step's own; `host` the host's. Rootless there
// is no bridge: the build's namespace gets slirp4netns instead, as a container's does
// (docs/rootless.md), with slirp4netns's DNS forwarder in resolv.conf.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { attach, createNetns, detach, removeNetns, resolvConf, startSlirp, stopSlirp, DEFAULT_NETWORK, SLIRP_DNS } from '../../network/index.ts';
import { acquireLock, tryAcquireLock, type Lock } from '../../util/lock.ts';
import type { EngineCore } from '../core.ts';
import { netOpts } from '../netglue.ts';

const PREFIX = 'berth-build-net-';

export interface BuildNetwork { netnsPath: string; resolvConf: string }

export class BuildNetworks {
  readonly #engine: EngineCore;
  readonly #lockDir: string;
  #current: Promise<{ id: string; net: BuildNetwork; lock: Lock }> | undefined;

  constructor(engine: EngineCore, lockDir: string) {
    this.#engine = engine;
    this.#lockDir = lockDir;
  }

  /** The build's network namespace on the default bridge (made on first use). */
  async get(): Promise<BuildNetwork> {
    this.#current ??= (async () => {
      const id = `${PREFIX}${process.pid}-${Date.now().toString(36)}`;
      mkdirSync(this.#lockDir, { recursive: true });
      const lock = await acquireLock(join(this.#lockDir, `${id}.lock`));
      try {
        const netnsPath = await createNetns(id, this.#engine.paths.netns);
        try {
          if (this.#engine.rootless()) {
            mkdirSync(join(this.#engine.paths.runRoot, 'slirp'), { recursive: true, mode: 0o700 });
            await startSlirp({ netnsPath, ...this.#slirpFiles(id), ports: [] });
            return { id, net: { netnsPath, resolvConf: resolvConf({ dns: [SLIRP_DNS] }) }, lock };
          }
          await attach({ network: DEFAULT_NETWORK, containerId: id, netnsPath, name: id, ifName: 'eth0' }, netOpts(this.#engine));
        } catch (e) {
          await removeNetns(netnsPath);
          throw e;
        }
        return { id, net: { netnsPath, resolvConf: resolvConf() }, lock };
      } catch (e) {
        lock.release();
        throw e;
      }
    })();
    return (await this.#current).net;
  }

  /** Detaches and removes the build's namespace, if one was made. */
  async release(): Promise<void> {
    const cur = this.#current;
    this.#current = undefined;
    if (!cur) return;
    let c;
    try { c = await cur; } catch { return; }
    await this.#remove(c.id);
    c.lock.release();
  }

  /** slirp4netns's files for a build namespace: a short API socket path (unix paths have 107
   * bytes at most), its pid and log beside the build's lock. */
  #slirpFiles(id: string): { apiSocket: string; pidFile: string; logPath: string } {
    const tail = id.slice(PREFIX.length);
    return { apiSocket: join(this.#engine.paths.runRoot, 'slirp', `b-${tail}.sock`), pidFile: join(this.#lockDir, `${id}.slirp.pid`), logPath: join(this.#lockDir, `${id}.slirp.log`) };
  }

  async #remove(id: string): Promise<void> {
    if (this.#engine.rootless()) {
      const f = this.#slirpFiles(id);
      stopSlirp(f.pidFile);
      for (const p of Object.values(f)) rmSync(p, { force: true });
      await removeNetns(join(this.#engine.paths.netns, id));
      return;
    }
    try { await detach({ network: DEFAULT_NETWORK, containerId: id, ifName: 'eth0', force: true }, netOpts(this.#engine)); } catch { /* already gone */ }
    await removeNetns(join(this.#engine.paths.netns, id));
  }

  /** Namespaces of builds that died (their lock free). */
  async cleanStale(): Promise<void> {
    let names: string[] = [];
    try { names = readdirSync(this.#lockDir).filter((n) => n.startsWith(PREFIX) && n.endsWith('.lock')); } catch { return; }
    for (const n of names) {
      const lock = tryAcquireLock(join(this.#lockDir, n));
      if (!lock) continue;
      try { await this.#remove(n.slice(0, -'.lock'.length)); } finally { lock.release(); }
    }
  }
}
