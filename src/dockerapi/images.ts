// Images: create (pull, with docker's JSON progress stream).
import { resolveImage } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest, HttpError } from './errors.ts';
import { errorMessage, statusMessage } from './jsonmessage.ts';

/** POST /images/create?fromImage=NAME&tag=TAG: pulls; the answer is a 200 JSON stream whose
 * last message carries the error, if any (docker's protocol: the status is already sent). */
export async function createImage(ctx: ApiContext): Promise<void> {
  const from = ctx.query.get('fromImage');
  if (!from) {
    if (ctx.query.get('fromSrc')) throw new HttpError(501, 'import (fromSrc) is not supported by berth yet');
    throw badRequest('fromImage is required');
  }
  const tag = ctx.query.get('tag') ?? '';
  const ref = tag ? (tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`) : from.includes(':') || from.includes('@') ? from : `${from}:latest`;
  const platform = ctx.query.get('platform') || undefined;
  const res = ctx.stream('application/json');
  const name = tag || 'latest';
  res.write(statusMessage(`Pulling from ${from}`, name));
  try {
    const img = await resolveImage(ctx.engine.images(), ref, 'always', platform);
    res.write(statusMessage(`Digest: ${img.manifestDigest}`));
    res.write(statusMessage(`Status: Downloaded newer image for ${ref}`));
  } catch (e) {
    res.write(errorMessage((e as Error).message));
  }
  res.end();
}
