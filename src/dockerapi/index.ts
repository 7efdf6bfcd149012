// berth's Docker Engine API (v1.44, down to 1.24): a front over the engine, served by berthd.
import type { Engine } from '../engine/index.ts';
import { ROUTES } from './routes.ts';
import { DockerApiServer } from './server.ts';

export { DockerApiServer, parseTcpAddr, groupId, systemdSocket } from './server.ts';
export type { TlsFiles } from './server.ts';
export { API_VERSION, MIN_API_VERSION } from './router.ts';

export function dockerApiServer(opts: { engine: Engine; version: string; attachHelper: string; group?: string; log?: (l: string) => void }): DockerApiServer {
  return new DockerApiServer({ ...opts, routes: ROUTES });
}
