// An engine image as the CRI's Image message: tags and digests, size, the user it runs as
// (numeric uid or name).
import type { EngineImage } from '../engine/index.ts';
import type { Image } from './types.ts';

export function toImage(im: EngineImage): Image {
  const user = im.user.split(':')[0];
  const numeric = /^\d+$/.test(user);
  return {
    id: im.id, repoTags: im.tags, repoDigests: im.digests, size: String(im.size),
    uid: numeric ? { value: user } : null, username: numeric ? '' : user, spec: null, pinned: false,
  };
}
