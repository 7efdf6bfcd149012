// engine.containers: the container service every front calls (CLI, Docker API, CRI). Requests
// and results are the plain types of requests.ts and types.ts; each method is one file's
// function of the engine core (create.ts, start.ts, stop-kill.ts ...).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { commitContainer, type CommitOptions } from './commit.ts';
import type { EngineCore } from '../core.ts';
import { execCapture, reopenLog, spawnAttach, spawnExec, type CapturedExec, type ExecChild } from './piped.ts';
import { execInContainer, type ExecRequest } from './exec.ts';
import type { Handoff } from '../handoff.ts';
import { readLogs, type LogEntry } from '../logs.ts';
import type { CreateOptions, CreateRequest, Filters, ListOptions, RemoveOptions, ResourceUpdate, StartHooks, StopOptions, StopResult, WaitCondition, WaitResult } from '../requests.ts';
import type { ContainerRecord, ContainerState, ListedContainer } from '../types.ts';
import { cleanup, finishForeground, openHandoff } from './cleanup.ts';
import { connect, disconnect, rename } from './connect.ts';
import { copyFrom, copyTo, exportContainer, type ExportStream } from './copy-export.ts';
import { archiveGet, archivePut, statPath, type ArchiveStream, type ExtractOptions, type PathStat } from './archive.ts';
import { containerChanges, type Change } from './changes.ts';
import type { Readable } from 'node:stream';
import { create } from './create.ts';
import { listContainers } from './list-filters.ts';
import { inspectContainer, type ContainerInspect } from './inspect.ts';
export type { ContainerInspect } from './inspect.ts';
import { pruneContainers, type PruneResult } from './prune.ts';
import { remove } from './remove.ts';
import { prelaunch, start } from './start.ts';
import { containerSizes, writableUsage, type ContainerSize, type LayerUsage } from './size.ts';
import { startAhead } from './start-ahead.ts';
import { sampleStats, type ContainerStats } from './stats.ts';
import { kill, stop } from './stop-kill.ts';
import { top, type TopResult } from './top.ts';
import { setPaused, update } from './update-pause.ts';
import { waitExit, waitFor } from './wait.ts';

export interface LogsOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  sinceNs?: bigint;
  untilNs?: bigint;
  /** Only what the container writes from now on (start -a, run): the log's current end. */
  fromNow?: boolean;
  signal?: AbortSignal;
  /** While following, the container's exit ends the stream only once this says it started. */
  started?: () => boolean;
}

/** Where berth-attach connects for a container (conmon's attach socket, and its control FIFO). */
export interface AttachPaths { socket: string; ctl: string }

export class ContainerService {
  readonly #core: EngineCore;
  constructor(core: EngineCore) { this.#core = core; }

  /** The container's record, up to date (docker inspect's data). */
  get(ref: string): ContainerRecord { return this.#core.get(ref); }
  /** The state alone, up to date, by full id; null once removed (for a front's polling loops). */
  state(id: string): ContainerState | null {
    const r = this.#core.store.getState(id);
    return r ? this.#core.refresh(r).state : null;
  }
  inspect(ref: string): ContainerInspect { return inspectContainer(this.#core, ref); }
  list(opts: ListOptions = {}): ListedContainer[] { return listContainers(this.#core, opts); }
  /** docker's SizeRw and SizeRootFs of each (ps -s, inspect --size), by id: measured (du), so
   * asked for apart from list and inspect. */
  sizes(recs: readonly ListedContainer[]): Promise<Map<string, ContainerSize>> { return containerSizes(this.#core, recs); }
  /** The writable layer's usage of each (the CRI's stats): blocks and inodes, measured at most
   * every 2 s per container. */
  writableUsage(ids: readonly string[]): Promise<Map<string, LayerUsage | null>> { return writableUsage(this.#core, ids); }

  /** `precreate`: the runtime's create done ahead of a start that follows at once (the CRI's). */
  create(req: CreateRequest, opts: CreateOptions = {}): Promise<ContainerRecord> { return create(this.#core, req, opts); }
  /** For `run`: starts the monitor of a just-created container before its start (start.ts). */
  prelaunch(rec: ContainerRecord, hooks: StartHooks = {}): Promise<boolean> { return prelaunch(this.#core, rec, hooks); }
  /** For a create whose start should follow at once (the Docker API's): the monitor starts now,
   * in the background, for start() to take over; dropped after expireMs without one, and at the
   * container's removal and the engine's settle (start-ahead.ts). */
  startAhead(rec: ContainerRecord, opts: { expireMs: number }): void { startAhead(this.#core, rec, opts); }
  start(ref: string, hooks: StartHooks = {}): Promise<ContainerRecord> { return start(this.#core, ref, hooks); }
  /** `stopped` is false when there was nothing to stop (the Docker API's 304). */
  stop(ref: string, opts: StopOptions = {}): Promise<StopResult> { return stop(this.#core, ref, opts); }
  async restart(ref: string, opts: StopOptions = {}): Promise<ContainerRecord> {
    await stop(this.#core, ref, opts);
    return start(this.#core, ref);
  }
  kill(ref: string, signal = 'SIGKILL'): Promise<ContainerRecord> { return kill(this.#core, ref, signal); }
  pause(ref: string): Promise<ContainerRecord> { return setPaused(this.#core, ref, true); }
  unpause(ref: string): Promise<ContainerRecord> { return setPaused(this.#core, ref, false); }
  update(ref: string, u: ResourceUpdate): Promise<ContainerRecord> { return update(this.#core, ref, u); }
  rename(ref: string, name: string): void { rename(this.#core, ref, name); }
  /** Returns the removed container's id. */
  remove(ref: string, opts: RemoveOptions = {}): Promise<string> { return remove(this.#core, ref, opts); }
  prune(filters: Filters = {}): Promise<PruneResult> { return pruneContainers(this.#core, filters); }

  /** `signal` ends the wait early (rejecting): a Docker API client that went away. */
  wait(ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> { return waitFor(this.#core, ref, condition, signal); }
  /** Until the container (by id) is not running, or the timeout: its record (null: removed). */
  waitExit(id: string, timeoutMs = Infinity): Promise<ContainerRecord | null> { return waitExit(this.#core, id, timeoutMs); }

  connect(ref: string, network: string, aliases: string[] = []): Promise<void> { return connect(this.#core, ref, network, aliases); }
  disconnect(ref: string, network: string): Promise<void> { return disconnect(this.#core, ref, network); }

  top(ref: string, psArgs: string[] = []): Promise<TopResult> { return top(this.#core, ref, psArgs); }
  /** One sample; the CPU percentage is cpuPercent(previous, this). */
  async stats(ref: string): Promise<ContainerStats> { return sampleStats(this.#core, this.#core.get(ref)); }
  exec(ref: string, req: ExecRequest): Promise<number> { return execInContainer(this.#core, ref, req); }
  /** An exec with piped stdio (a daemon's callers); the caller owns the child. */
  execPiped(ref: string, req: ExecRequest): ExecChild { return spawnExec(this.#core, ref, req); }
  /** An exec run to its end (killed, process in the container included, past timeoutMs). */
  execCapture(ref: string, req: ExecRequest, timeoutMs = 0): Promise<CapturedExec> { return execCapture(this.#core, ref, req, timeoutMs); }
  /** The container's own stdio through conmon's attach socket, piped. */
  attachPiped(ref: string, opts: { stdin: boolean; tty: boolean }): ExecChild { return spawnAttach(this.#core, ref, opts); }
  /** conmon reopens the log (after kubelet rotated it). */
  reopenLog(ref: string): Promise<void> { return reopenLog(this.#core, ref); }
  /** The container's log file (CRI format). */
  logPath(ref: string): string { return this.#core.logPath(this.#core.get(ref)); }
  commit(ref: string, opts: CommitOptions): Promise<string> { return commitContainer(this.#core, ref, opts); }
  export(ref: string, file?: string): ExportStream { return exportContainer(this.#core, ref, file); }
  copyFrom(ref: string, path: string, hostPath: string): void { copyFrom(this.#core, ref, path, hostPath); }
  copyTo(ref: string, hostPath: string, path: string): void { copyTo(this.#core, ref, hostPath, path); }
  /** docker diff: what the container changed (0 changed, 1 added, 2 deleted), by path. */
  changes(ref: string): Change[] { return containerChanges(this.#core, ref); }
  /** docker's archive endpoints: a path's stat, the path as a tar, a tar extracted into a directory. */
  statPath(ref: string, path: string): PathStat { return statPath(this.#core, ref, path).stat; }
  archive(ref: string, path: string): ArchiveStream { return archiveGet(this.#core, ref, path); }
  extract(ref: string, path: string, tar: Readable, opts: ExtractOptions = {}): Promise<void> { return archivePut(this.#core, ref, path, tar, opts); }

  attachPaths(ref: string): AttachPaths {
    const rec = this.#core.get(ref);
    return { socket: join(this.#core.paths.sockets, rec.id.slice(0, 16), 'attach'), ctl: join(this.#core.dir(rec.id), 'ctl') };
  }

  /** The container's output (conmon's log), optionally followed until it stops. */
  logs(ref: string, opts: LogsOptions = {}): AsyncGenerator<LogEntry> {
    const core = this.#core;
    const id = core.get(ref).id;
    const path = join(core.dir(id), 'ctr.log');
    let startOffset = 0;
    if (opts.fromNow) try { startOffset = statSync(path).size; } catch { /* first run: no log yet */ }
    const alive = () => {
      if (opts.started && !opts.started()) return true;
      const r = core.store.getState(id);
      return !!r && core.refresh(r).state.status === 'running';
    };
    return readLogs(path, {
      follow: opts.follow ?? false, alive, ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      ...(opts.sinceNs !== undefined ? { sinceNs: opts.sinceNs } : {}), ...(opts.untilNs !== undefined ? { untilNs: opts.untilNs } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      // A foreground run: new output and the exit show at once.
      ...(opts.fromNow ? { startOffset, pollMs: 50, watch: [core.paths.exits] } : {}),
    });
  }

  /** conmon's exit command: release an exited container (remove it for --rm, restart it). */
  cleanup(ref: string): Promise<void> { return cleanup(this.#core, ref); }
  /** A foreground run's own cleanup (handoff.ts): open before start, finish after the exit. */
  openHandoff(id: string): Promise<Handoff | undefined> { return openHandoff(this.#core, id); }
  finishForeground(id: string, handoff: Handoff, conmonPid: number): Promise<void> { return finishForeground(this.#core, id, handoff, conmonPid); }
}
