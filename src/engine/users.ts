// docker's -u for the engine: the one resolution is src/oci/user.ts; here its failure becomes the
// engine's typed error (exit code 126, as docker's "unable to find user").
import { EngineError } from './errors.ts';
import { resolveUser as resolveOciUser, UserLookupError as OciUserLookupError, type ResolvedUser } from '../oci/user.ts';

export type { ResolvedUser } from '../oci/user.ts';
export { parsePasswd, parseGroup } from '../oci/user.ts';

export class UserLookupError extends EngineError {
  override name = 'UserLookupError';
  constructor(message: string) {
    super(message);
    this.exitCode = 126;
  }
}

/** src/oci's resolveUser with the engine's typed error. */
export function lookupUser(spec: string, passwdText: string, groupText: string): ResolvedUser {
  try {
    return resolveOciUser(spec, passwdText, groupText);
  } catch (e) {
    if (e instanceof OciUserLookupError) throw new UserLookupError(e.message);
    throw e;
  }
}
