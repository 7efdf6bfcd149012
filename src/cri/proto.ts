// The CRI v1 services as grpc-js definitions, loaded at run time from our .proto (api/).
// Fields come out camelCased, 64-bit integers as decimal strings (nanosecond timestamps do not
// fit a double), enums as their names, and unset fields with their defaults.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** api/runtime-v1.proto beside the source; scripts/build.sh copies it beside the bundles as
 * dist/lib/cri-runtime-v1.proto. */
const CANDIDATES = [new URL('./api/runtime-v1.proto', import.meta.url), new URL('./cri-runtime-v1.proto', import.meta.url)].map((u) => fileURLToPath(u));
export const PROTO_FILE = CANDIDATES.find((f) => existsSync(f)) ?? CANDIDATES[0];

/** A service's definition (for a server) and its generated client class. */
export interface CriService { definition: ServiceDefinition; Client: ServiceClientConstructor }
export interface CriServices { RuntimeService: CriService; ImageService: CriService }

let loaded: CriServices | undefined;
export function criServices(): CriServices {
  if (loaded) return loaded;
  if (!existsSync(PROTO_FILE)) throw new Error(`CRI: none of ${CANDIDATES.join(', ')} exists (scripts/build.sh copies the .proto beside the bundles)`);
  const def = loadSync(PROTO_FILE, { keepCase: false, longs: String, enums: String, defaults: true, arrays: true, objects: true });
  const pkg = (loadPackageDefinition(def).runtime as GrpcObject).v1 as GrpcObject;
  const svc = (name: string): CriService => {
    const Client = pkg[name] as ServiceClientConstructor;
    return { definition: Client.service, Client };
  };
  return (loaded = { RuntimeService: svc('RuntimeService'), ImageService: svc('ImageService') });
}
