// PullImage: pulls into the engine's store, with the request's credentials when it has them
// (username/password, or the base64 "auth" pair, or an identity token); returns the image ID.
import { pullEngineImage } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { AuthConfig, PullImageRequest } from './types.ts';

export function credentialsOf(a: AuthConfig | null): { username: string; password: string; identityToken?: string } | undefined {
  if (!a) return undefined;
  if (a.username || a.password) return { username: a.username, password: a.password };
  if (a.auth) {
    const text = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i < 0) throw invalidArgument('PullImage: auth.auth is not base64 of "user:password"');
    return { username: text.slice(0, i), password: text.slice(i + 1) };
  }
  if (a.identityToken) return { username: '', password: '', identityToken: a.identityToken };
  return undefined;
}

export async function pullImage(ctx: CriContext, req: PullImageRequest): Promise<{ imageRef: string }> {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('PullImage: image.image is required');
  const im = await pullEngineImage(ctx.engine, ref, credentialsOf(req.auth));
  return { imageRef: im.id };
}
