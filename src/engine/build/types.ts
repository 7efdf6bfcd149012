// The build service's data: a build state is the layers of a root filesystem.
import type { ImageConfig } from '../../image/types.ts';
import { EngineError } from '../errors.ts';

export interface LayerRef { digest: string; size: number; mediaType: string; diffId: string }
/** `created`: when the step that made the top layer first ran (kept with the cache record, so
 * that a fully cached rebuild gives the same image). */
export interface BuildState { layers: LayerRef[]; created?: string }

export interface BaseImage { state: BuildState; config: ImageConfig; id: string; manifestDigest: string }

export class BuildError extends EngineError {
  override name = 'BuildError';
}
