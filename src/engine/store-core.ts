// The part of the engine that reads: the two roots, the container store, the image store
// (opened once per engine), the per-container paths, and the one rule that brings a running
// record up to date with conmon's exit file. The full engine's core (core.ts) extends it; the
// query face (query.ts) uses it alone, so that a `ps` or an `inspect` loads nothing of the
// runtime, the network or the builder.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openImageStore, type ImageStore } from '../image/store/open.ts';
import { ProcessProbe } from '../util/proc.ts';
import { recordEvent } from './events.ts';
import { containerDir, enginePaths, type EngineOptions, type EnginePaths } from './paths.ts';
import { EngineStore, type ContainerStateRecord } from './store.ts';
import type { ContainerRecord } from './types.ts';

const NONE: ReadonlySet<number> = new Set();

export class StoreCore {
  readonly paths: EnginePaths;
  #images: ImageStore | undefined;
  #store: EngineStore | undefined;
  /** The running containers' processes, kept open across listings (berthd lists again and
   * again; a CLI process closes them with the engine). */
  readonly #procs = new ProcessProbe();

  constructor(opts: EngineOptions = {}) {
    this.paths = enginePaths(opts);
  }

  /** The container and volume records (containers.db), opened on first use with the
   * directories containers need: an image command makes neither unless it asks which
   * containers use an image. */
  get store(): EngineStore {
    if (!this.#store) {
      for (const d of [this.paths.containers, this.paths.volumes, this.paths.exits, this.paths.locks, this.paths.sockets, this.paths.runtimeRoot]) {
        mkdirSync(d, { recursive: true });
      }
      this.#store = new EngineStore(this.paths);
    }
    return this.#store;
  }

  /** Closes the databases. */
  close(): void {
    this.#store?.close();
    this.#store = undefined;
    this.#images?.close();
    this.#images = undefined;
    this.#procs.close();
  }

  /** The image store, opened once for this engine (three SQLite opens per `run` otherwise). */
  images(): ImageStore {
    return (this.#images ??= openImageStore(this.paths.root));
  }

  dir(id: string): string {
    return containerDir(this.paths, id);
  }

  /** The container's log (CRI format): kubelet's path for a CRI container, else <dir>/ctr.log. */
  logPath(rec: ContainerRecord): string {
    return rec.config.logPath || join(this.dir(rec.id), 'ctr.log');
  }

  exitFile(id: string): string {
    return join(this.paths.exits, id);
  }

  /** docker's lookup (full id, name, unique id prefix), brought up to date. */
  get(ref: string): ContainerRecord {
    return this.refresh(this.store.resolve(ref));
  }

  /** refresh() for many records (ps, prune): one listing of the exits dir instead of a failed
   * open per running container; a record with no exit file there is refreshed only when its
   * processes are gone (an exit file written meanwhile is then read by refresh itself). */
  refreshAll<R extends ContainerStateRecord>(recs: R[]): R[] {
    if (!recs.some((r) => r.state.status === 'running')) {
      this.#procs.keepOnly(NONE); // nothing runs: no fd is worth holding
      return recs;
    }
    let exited: Set<string>;
    try { exited = new Set(readdirSync(this.paths.exits)); } catch {
      this.#procs.keepOnly(NONE);
      return recs.map((r) => this.refresh(r));
    }
    const asked = new Set<number>();
    const out = recs.map((r) => {
      if (r.state.status !== 'running') return r;
      if (!exited.has(r.id) && this.#alive(r, asked)) return r;
      return this.refresh(r);
    });
    // Every running record was in `recs`: the fds of any other pid are of exited containers.
    this.#procs.keepOnly(asked);
    return out;
  }

  /** The container's init runs, or else its monitor (which then writes the exit file soon).
   * Only a listing (`asked`: the pids it looked at) keeps the fds open for the next one; a
   * single lookup reads and closes, so nothing outlives the containers listings see. */
  #alive(r: ContainerStateRecord, asked?: Set<number>): boolean {
    const keep = asked !== undefined;
    asked?.add(r.state.pid);
    if (this.#procs.alive(r.state.pid, keep)) return true;
    asked?.add(r.state.conmonPid);
    return this.#procs.alive(r.state.conmonPid, keep);
  }

  /** Brings a running record up to date with conmon's exit file (or a vanished monitor). */
  refresh<R extends ContainerStateRecord>(rec: R): R {
    if (rec.state.status !== 'running') return rec;
    const ef = this.exitFile(rec.id);
    let code: number | null = null, when = '';
    try {
      const text = readFileSync(ef, 'utf8').trim();
      if (text !== '') { code = Number(text); when = statSync(ef).mtime.toISOString(); }
    } catch { /* not exited (or no file yet) */ }
    if (code === null) {
      if (this.#alive(rec)) return rec;
      // Both gone without an exit file (monitor killed): it ran, and nothing says how it ended.
      try { if (readFileSync(ef, 'utf8').trim() !== '') return this.refresh(rec); } catch { /* none */ }
      code = 137; when = new Date().toISOString();
    }
    // conmon writes -1 when it could not tell; docker reports 128+signal, which conmon already does.
    this.#procs.forget(rec.state.pid);
    this.#procs.forget(rec.state.conmonPid);
    rec.state.status = 'exited';
    rec.state.paused = false;
    rec.state.exitCode = code < 0 ? 255 : code;
    rec.state.finishedAt = when;
    rec.state.pid = 0;
    rec.state.oomKilled = existsSync(join(this.dir(rec.id), 'oom'));
    this.store.saveState(rec.id, rec.state);
    recordEvent(this.paths, { id: rec.id, name: rec.name, action: 'die', exitCode: rec.state.exitCode });
    return rec;
  }
}
