// Unpacking an image's overlay layers side by side and stacking them: an overlay layer's
// directory does not depend on the layers below, so each layer is unpacked (in its own worker
// thread) into a snapshot prepared without a parent as soon as its bytes are available, and
// committed under its chainID on top of its parent once that one is committed. A lock per
// chainID keeps two processes from unpacking the same layer.
import type { Readable } from 'node:stream';
import type { Lock } from '../../util/lock.ts';
import type { Descriptor, ImageConfig, Manifest } from '../types.ts';
import { syncFilesystem } from '../unpack/sysops.ts';
import { unpackLayerThreaded } from '../unpack/threaded.ts';
import { chainIDs } from './chain.ts';
import type { Snapshotter } from './snapshotter.ts';
import { extractKey, lockChain, removeStaleExtracts } from './stale.ts';

export class LayerCountMismatchError extends Error {
  readonly diffIDs: number;
  readonly layers: number;
  constructor(diffIDs: number, layers: number) {
    super(`image config lists ${diffIDs} diff_ids but the manifest has ${layers} layers`);
    this.name = 'LayerCountMismatchError';
    this.diffIDs = diffIDs;
    this.layers = layers;
  }
}

interface Deferred { promise: Promise<void>; resolve(): void; reject(e: unknown): void; settled: boolean }

function deferred(): Deferred {
  const d = { settled: false } as Deferred;
  d.promise = new Promise<void>((res, rej) => {
    d.resolve = () => { d.settled = true; res(); };
    d.reject = (e) => { d.settled = true; rej(e); };
  });
  d.promise.catch(() => undefined); // observed by whoever awaits it
  return d;
}

/** BERTH_SYNC_LAYERS=1: syncfs each unpacked layer before it is committed (default off, as
 * containerd and docker's overlay2 do: no fsync per file and none per layer; a crash can then
 * leave a committed layer whose newest files were not written back yet). */
export function syncLayersDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BERTH_SYNC_LAYERS === '1';
}

/** Stacks independently unpacked overlay layers in chain order. */
export class LayerStacker {
  readonly #sn: Snapshotter;
  readonly #allowDevices: boolean | undefined;
  readonly #sync: boolean;
  #layers: Descriptor[] = [];
  #diffIDs: string[] = [];
  #chains: string[] = [];
  #committed: Deferred[] = [];
  #tasks: Promise<void>[] = [];
  unpacked = 0;

  constructor(sn: Snapshotter, allowDevices: boolean | undefined, opts: { syncLayers?: boolean } = {}) {
    this.#sn = sn;
    this.#allowDevices = allowDevices;
    this.#sync = opts.syncLayers ?? syncLayersDefault();
  }

  get top(): string { return this.#chains[this.#chains.length - 1] ?? ''; }

  onConfig(manifest: Manifest, config: ImageConfig): void {
    const diffIDs = config.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== manifest.layers.length) throw new LayerCountMismatchError(diffIDs.length, manifest.layers.length);
    this.#layers = manifest.layers;
    this.#diffIDs = diffIDs;
    this.#chains = chainIDs(diffIDs);
    this.#committed = diffIDs.map(() => deferred());
  }

  /** pull's onLayer: unpacks the stream, then (in the background) commits once the parent is
   * committed. `verifyDigest` hashes the compressed bytes too (not needed for a download tee,
   * which ends only after the content store verified the blob). */
  async onLayer(desc: Descriptor, stream: Readable, verifyDigest = false): Promise<void> {
    const i = this.#layers.indexOf(desc);
    if (i < 0) { stream.resume(); return; }
    const chainID = this.#chains[i];
    const done = this.#committed[i];
    const sn = this.#sn;
    if (sn.stat(chainID)?.kind === 'committed') { stream.resume(); done.resolve(); return; }
    let lock: Lock | undefined;
    let key: string | undefined;
    try {
      lock = await lockChain(sn, chainID);
      if (sn.stat(chainID)?.kind === 'committed') { stream.resume(); lock.release(); done.resolve(); return; }
      removeStaleExtracts(sn, chainID);
      key = extractKey(chainID);
      sn.prepare(key, undefined, { labels: { 'berth.unpack': chainID } });
      await unpackLayerThreaded(stream, sn.fsPath(key), {
        mediaType: desc.mediaType, whiteouts: 'overlay', expectedDiffID: this.#diffIDs[i], allowDevices: this.#allowDevices, sizeHint: desc.size,
        ...(verifyDigest ? { expectedDigest: desc.digest } : {}),
      });
      if (this.#sync) syncFilesystem(sn.fsPath(key));
    } catch (e) {
      stream.destroy(e as Error);
      this.#drop(key, lock);
      done.reject(e);
      throw e;
    }
    this.unpacked++;
    const heldKey = key, heldLock = lock;
    this.#tasks.push((async () => {
      try {
        if (i > 0) await this.#committed[i - 1].promise;
        sn.commit(chainID, heldKey, { labels: { 'berth.diffID': this.#diffIDs[i] }, ...(i > 0 ? { parent: this.#chains[i - 1] } : {}) });
        heldLock.release();
        done.resolve();
      } catch (e) {
        this.#drop(heldKey, heldLock);
        done.reject(e);
      }
    })());
  }

  #drop(key: string | undefined, lock: Lock | undefined): void {
    if (key) { try { this.#sn.remove(key); } catch { /* an interrupted unpack; GC removes it */ } }
    lock?.release();
  }

  /** Waits for every commit; after a failed pull, abandons the layers still waiting for a parent. */
  async settle(failure?: unknown): Promise<void> {
    if (failure !== undefined) for (const d of this.#committed) if (!d.settled) d.reject(failure);
    await Promise.all(this.#tasks);
    if (failure === undefined) for (const d of this.#committed) await d.promise;
  }
}
