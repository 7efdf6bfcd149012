// A network namespace made ahead for the next pod, kept by a long-lived engine (berthd): the
// namespace's creation (a berth-mount request: unshare and a bind mount, 2 ms on a quiet machine,
// 10+ under load) is then off RunPodSandbox's path, where it comes before both the CNI ADD and
// the infra process. One is kept; taking it makes the next one. A berthd that stopped without
// settling leaves its spare behind: the next one adopts it (any more than one go).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, isNetns, removeNetns } from '../../network/index.ts';
import { randomBytes } from '../../util/random.ts';

const PREFIX = 'berth-spare-';

export class SpareNetns {
  readonly #dir: string;
  #ready: string | undefined;
  #making: Promise<void> | undefined;
  #adopted = false;

  constructor(netnsDir: string) {
    this.#dir = netnsDir;
  }

  /** The spare's path, now yours (undefined when none is ready: make your own). */
  take(): string | undefined {
    this.#adopt();
    const p = this.#ready;
    this.#ready = undefined;
    return p;
  }

  /** Makes the next spare in the background, unless one is there or on its way. */
  refill(): void {
    this.#adopt();
    if (this.#ready || this.#making) return;
    this.#making = createNetns(`${PREFIX}${randomBytes(8).toString('hex')}`, this.#dir)
      .then((p) => { this.#ready = p; }, () => { /* none this time: pods make their own */ })
      .finally(() => { this.#making = undefined; });
  }

  /** Removes the spare (one on its way included): the engine is about to go. */
  async drop(): Promise<void> {
    await this.#making;
    const p = this.#ready;
    this.#ready = undefined;
    if (p) await removeNetns(p).catch(() => {});
  }

  /** A spare an earlier berthd left: the first becomes ours, any other goes. */
  #adopt(): void {
    if (this.#adopted) return;
    this.#adopted = true;
    let left: string[] = [];
    try { left = readdirSync(this.#dir).filter((n) => n.startsWith(PREFIX)).map((n) => join(this.#dir, n)); } catch { /* no netns yet */ }
    for (const p of left) {
      if (!this.#ready && isNetns(p)) this.#ready = p;
      else void removeNetns(p).catch(() => {});
    }
  }
}
