// The engine's query face: the reads `ps`, `inspect`, `images` and `image inspect` show, over the
// same store code as the full engine (store-core.ts, containers/list-filters.ts,
// containers/inspect.ts, image-queries.ts), without loading the runtime, the network, the
// builder or the pods. The CLI's query bundle (src/cli/berth-query-main.ts) runs on it alone; the
// full Engine has the same shape (QueryFace), so the commands are written once, against this.
//
//   const q = new QueryEngine({ root, runRoot }); q.containers.list({ all: true }); q.close();
import type { ImageInspect, ImageSummary } from '../image/index.ts';
import { inspectContainer, type ContainerInspect } from './containers/inspect.ts';
import { listContainers } from './containers/list-filters.ts';
import { inspectImageRef, listImageSummaries, type ImageListOptions } from './image-queries.ts';
import type { EngineOptions } from './paths.ts';
import type { ListOptions } from './requests.ts';
import { StoreCore } from './store-core.ts';
import type { VolumeRecord } from './store.ts';
import type { ListedContainer } from './types.ts';

/** What the read-only commands ask of an engine: the full Engine and QueryEngine both have it. */
export interface QueryFace {
  containers: { list(opts?: ListOptions): ListedContainer[]; inspect(ref: string): ContainerInspect };
  images: { list(opts?: ImageListOptions): Promise<ImageSummary[]>; inspect(ref: string): Promise<ImageInspect> };
  volumes: { find(name: string): VolumeRecord | null };
}

export class QueryEngine implements QueryFace {
  readonly #core: StoreCore;
  readonly containers: QueryFace['containers'];
  readonly images: QueryFace['images'];
  readonly volumes: QueryFace['volumes'];

  constructor(opts: EngineOptions = {}) {
    const core = this.#core = new StoreCore(opts);
    this.containers = { list: (o) => listContainers(core, o), inspect: (ref) => inspectContainer(core, ref) };
    this.images = { list: (o) => listImageSummaries(core.images(), o), inspect: (ref) => inspectImageRef(core.images(), ref) };
    this.volumes = { find: (name) => core.store.volume(name) };
  }

  close(): void { this.#core.close(); }
}

// What the query commands' fronts need besides: filters, ids and the errors they tell apart.
export { parseFilterList } from './filters.ts';
export { shortId } from '../image/types.ts';
export { EngineError, NoSuchContainerError } from './errors.ts';
export { enginePaths } from './paths.ts';
