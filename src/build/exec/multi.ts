// Several platforms in one build (--platform linux/amd64,linux/arm64): the Dockerfile is built
// once per platform, one after the other (each its own plan: TARGETPLATFORM differs), each image
// written unnamed; then an OCI index of them takes the tags, is pushed as a whole, and the cache
// records of every platform are exported together. Only the store (and --push) can receive an
// index: other --output types are refused.
import type { BuildService, BuildState, Platform } from '../../engine/index.ts';
import type { BuildListener } from './progress.ts';
import { exportCache, pushTags } from './publish.ts';
import { BuildFailure, type BuildRequest, type BuildResult } from './request.ts';

export interface PlatformPart { idBase: number; label: string }
export interface PartResult { used: Map<string, BuildState>; state: BuildState; platform: Platform; lastId: number }
type BuildOne = (svc: BuildService, req: BuildRequest, emit: BuildListener, part: PlatformPart) => Promise<BuildResult & { part?: PartResult }>;

export async function buildPlatforms(svc: BuildService, req: BuildRequest, specs: string[], emit: BuildListener, one: BuildOne): Promise<BuildResult> {
  if (req.output && req.output.type !== 'image') throw new BuildFailure(`--output type=${req.output.type} takes one platform; several make an index, kept in the store or pushed`);
  const seen = new Set<string>();
  for (const s of specs) {
    let p: Platform;
    try { p = svc.platform(s); } catch (e) { throw new BuildFailure((e as Error).message); }
    const k = `${p.os}/${p.architecture}/${p.variant ?? ''}`;
    if (seen.has(k)) throw new BuildFailure(`--platform ${req.platform}: ${s} is given twice`);
    seen.add(k);
  }
  const parts: (BuildResult & { part: PartResult })[] = [];
  let idBase = 0;
  for (const spec of specs) {
    const r = await one(svc, { ...req, platform: spec }, emit, { idBase, label: spec });
    if (!r.part) throw new Error('a platform build returned no part');
    idBase = r.part.lastId;
    parts.push(r as BuildResult & { part: PartResult });
  }
  const out = await svc.writeIndex(parts.map((r) => ({ manifestDigest: r.manifestDigest, platform: r.part.platform })), req.tags);
  await pushTags(svc, req, emit);
  const used = new Map(parts.flatMap((r) => [...r.part.used]));
  await exportCache(svc, req, used, parts.map((r) => r.part.state), emit);
  return { ...out, warnings: [...new Set(parts.flatMap((r) => r.warnings))] };
}
