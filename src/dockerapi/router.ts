// The routing table: docker's paths, with or without the /v1.NN prefix. A `{name*}` parameter
// takes slashes (image names such as localhost:5000/team/app:1), `{id}` one path segment.
import type { ApiContext } from './context.ts';
import { HttpError } from './errors.ts';

export const API_VERSION = '1.44';
export const MIN_API_VERSION = '1.24';

export type Handler = (ctx: ApiContext) => Promise<void>;

export interface Route { method: string; pattern: string; handler: Handler }

interface Compiled { method: string; re: RegExp; names: string[]; handler: Handler }

export interface Match { handler: Handler; params: Record<string, string>; version: string }

function compile(r: Route): Compiled {
  const names: string[] = [];
  const src = r.pattern.split('/').map((seg) => {
    const m = /^\{(\w+)(\*?)\}$/.exec(seg);
    if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    names.push(m[1]);
    return m[2] ? '(.+)' : '([^/]+)';
  }).join('/');
  return { method: r.method, re: new RegExp(`^${src}$`), names, handler: r.handler };
}

/** Compares dotted versions numerically ("1.9" < "1.24"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Splits "/v1.41/containers/json" into the version and the path; checks the range docker
 * accepts (moby's messages, which clients show as is). */
export function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const v = m[1];
  if (compareVersions(v, API_VERSION) > 0) throw new HttpError(400, `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
  if (compareVersions(v, MIN_API_VERSION) < 0) throw new HttpError(400, `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  return { version: v, path: m[2] };
}

export class Router {
  readonly #routes: Compiled[];

  constructor(routes: Route[]) {
    this.#routes = routes.map(compile);
  }

  /** The handler for a request; 404 for an unknown path, 405 for a known path and another
   * method (HEAD is served by GET's handler when it has none of its own). */
  match(method: string, rawPath: string): Match {
    const { version, path } = splitVersion(rawPath);
    let pathKnown = false;
    for (const want of method === 'HEAD' ? ['HEAD', 'GET'] : [method]) {
      for (const r of this.#routes) {
        const m = r.re.exec(path);
        if (!m) continue;
        pathKnown = true;
        if (r.method !== want) continue;
        const params: Record<string, string> = {};
        r.names.forEach((n, i) => {
          try { params[n] = decodeURIComponent(m[i + 1]); } catch { throw new HttpError(400, `invalid escape in path: ${m[i + 1]}`); }
        });
        return { handler: r.handler, params, version };
      }
    }
    if (pathKnown) throw new HttpError(405, `method ${method} not allowed for ${path}`);
    throw new HttpError(404, `page not found`);
  }
}
