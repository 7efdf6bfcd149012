// The Kubernetes CRI front: runtime.v1 RuntimeService and ImageService over gRPC, translating
// CRI messages into the engine's API and back. Imports only the engine's public face.
export { CriServer, CriSocketInUseError, DEFAULT_CRI_SOCKET } from './server.ts';
export type { CriContext } from './context.ts';
export { criServices, PROTO_FILE } from './proto.ts';
export { CriError, grpcCode } from './errors.ts';
