// After a build: its tags pushed (--push, --output type=registry) and the cache it used exported
// (--cache-to type=local|registry; type=inline is written with the image itself).
import type { BuildService, BuildState } from '../../engine/index.ts';
import type { BuildListener } from './progress.ts';
import { BuildFailure, type BuildRequest } from './request.ts';

export async function pushTags(svc: BuildService, req: BuildRequest, emit: BuildListener): Promise<void> {
  if (!req.push && !(req.output?.type === 'image' && req.output.push)) return;
  if (!req.tags.length) throw new BuildFailure('--push needs a name: tag the image with -t REGISTRY/REPOSITORY[:TAG]');
  for (const t of req.tags) {
    emit({ type: 'info', message: `pushing ${t}` });
    try {
      const r = await svc.push(t);
      emit({ type: 'info', message: `pushed ${r.reference}@${r.digest}` });
    } catch (e) { throw new BuildFailure(`pushing ${t}: ${(e as Error).message}`); }
  }
}

/** `images`: the built states (one per platform), for mode=min. */
export async function exportCache(svc: BuildService, req: BuildRequest, used: Map<string, BuildState>, images: BuildState[], emit: BuildListener): Promise<void> {
  const cacheTo = req.cacheTo;
  if (!cacheTo || cacheTo.type === 'inline') return;
  const where = cacheTo.type === 'local' ? cacheTo.dest : cacheTo.ref;
  try { await svc.cache.export(cacheTo, used, images); } catch (e) { throw new BuildFailure(`--cache-to ${where}: ${(e as Error).message}`); }
  emit({ type: 'info', message: `exported the build cache to ${where}` });
}
