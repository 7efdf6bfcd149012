// `tag SOURCE TARGET`: a new name for a stored image (the source may be a name or an ID).
import { parseReference } from '../reference.ts';
import type { ImageRecord } from '../store/metadata.ts';
import type { ImageStore } from '../store/open.ts';
import { InvalidImageArgumentError } from './errors.ts';
import { normalizeName } from './names.ts';
import { setName } from './records.ts';
import { findImage } from './resolve.ts';

export function tagImage(store: ImageStore, source: string, target: string): ImageRecord {
  const found = findImage(store, source);
  const r = parseReference(target);
  if (r.digest) throw new InvalidImageArgumentError('target', `refusing to create a tag with a digest reference: ${target}`);
  const from = found.record ?? found.image.primary;
  return setName(store, normalizeName(target), {
    target: from.target, manifestDigest: from.manifestDigest, configDigest: from.configDigest, platform: from.platform,
  });
}
