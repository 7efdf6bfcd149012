// The next pod's infra monitor, started ahead by a long-lived engine (berthd) with our own
// runtime: conmon and the relay for a pod id chosen now, the relayed create waiting for the
// plan. On RunPodSandbox's path conmon's start and the relay's (spawn, conmon's set-up, the
// relay's connection back: 8-10 ms quiet, 30-80 loaded, the longest step left once the network
// is attached ahead) are then done: the pod takes the id, writes its infra spec and hands the
// plan over (infra.ts startInfra), and the create runs at once. Nothing of a pod's request is in
// the monitor: its arguments are the id's paths (the infra bundle in the pod's directory, which
// holds nothing else until the pod is created there) and the engine's directories.
//
// One is kept; taking it makes the next one after the pod's start. A monitor not taken (the
// engine settles) is aborted: its create fails, conmon exits, the directory goes. A berthd that
// dies leaves none running: the relay's connection closes with it, the create fails and conmon
// exits; the directory it leaves holds no pod record (never listed) and is removed by the next
// berthd as it first looks (the record file names it).
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from '../../util/random.ts';
import { trace } from '../../util/trace.ts';
import type { InfraMonitor } from './infra.ts';
import { waitGone } from '../containers/wait.ts';

export class SpareInfra {
  readonly #podDir: (id: string) => string;
  readonly #recordFile: string;
  #ready: InfraMonitor | undefined;
  #making: Promise<void> | undefined;
  #adopted = false;
  readonly #ending = new Set<Promise<void>>();

  constructor(podDir: (id: string) => string, recordFile: string) {
    this.#podDir = podDir;
    this.#recordFile = recordFile;
  }

  /** The monitor, now yours (its pod id is the one to create the pod with); undefined when
   * none is ready. */
  take(): InfraMonitor | undefined {
    this.#adopt();
    const m = this.#ready;
    this.#ready = undefined;
    if (m) rmSync(this.#recordFile, { force: true });
    return m;
  }

  /** Starts the next monitor in the background (`launch`: infra.ts launchInfraMonitor for an id
   * and its pod directory), unless one is there or on its way. */
  refill(launch: (id: string, dir: string) => Promise<InfraMonitor>): void {
    this.#adopt();
    if (this.#ready || this.#making) return;
    const id = randomBytes(32).toString('hex');
    this.#making = (async () => {
      mkdirSync(dirname(this.#recordFile), { recursive: true });
      writeFileSync(this.#recordFile, id);
      const m = await launch(id, this.#podDir(id));
      // Gone already (conmon could not start): nothing to keep.
      m.started.then(() => {}, () => { if (this.#ready === m) { this.#ready = undefined; void this.#end(m); } });
      this.#ready = m;
      trace('spare: infra monitor started ahead');
    })().catch(() => {
      rmSync(this.#podDir(id), { recursive: true, force: true });
      rmSync(this.#recordFile, { force: true });
    }).finally(() => { this.#making = undefined; });
  }

  /** A monitor taken but not used for a pod (none was created under its id) goes, in the
   * background; drop() waits for it. */
  discard(m: InfraMonitor): void {
    const p = this.#end(m).finally(() => this.#ending.delete(p));
    this.#ending.add(p);
  }

  /** The monitor not taken goes (the engine is about to go). */
  async drop(): Promise<void> {
    await this.#making;
    const m = this.take();
    if (m) await this.#end(m);
    await Promise.all([...this.#ending]);
  }

  /** Ends a monitor no pod will use: its create is aborted, conmon exits, the directory goes. */
  async #end(m: InfraMonitor): Promise<void> {
    m.relay?.abort(new Error('no pod took this infra monitor'));
    await m.started.catch(() => {});
    m.relay?.close();
    let conmonPid = 0;
    try { conmonPid = Number(readFileSync(join(this.#podDir(m.id), 'infra', 'conmon.pid'), 'utf8').trim()) || 0; } catch { /* never ran */ }
    await waitGone(conmonPid);
    rmSync(this.#podDir(m.id), { recursive: true, force: true });
  }

  /** The directory of a monitor an earlier berthd left (its conmon ended with that berthd's
   * relay connection) goes. */
  #adopt(): void {
    if (this.#adopted) return;
    this.#adopted = true;
    let left = '';
    try { left = readFileSync(this.#recordFile, 'utf8').trim(); } catch { return; }
    rmSync(this.#recordFile, { force: true });
    if (/^[0-9a-f]{64}$/.test(left)) rmSync(this.#podDir(left), { recursive: true, force: true });
  }
}
