// The table of served calls: one file per RPC (as containerd's internal/cri/server is laid out).
// A call missing here answers UNIMPLEMENTED (grpc-js does that for unregistered methods).
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { CriContext } from './context.ts';
import { version } from './version.ts';
import { runtimeStatus } from './status.ts';
import { updateRuntimeConfig } from './runtime-config.ts';

// Requests arrive as proto-loader objects; each call narrows them with its own types (types.ts).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Rpc = (ctx: CriContext, req: any) => Promise<object>;
export type StreamingRpc = (ctx: CriContext, call: ServerWritableStream<object, object>) => void;

export const RUNTIME_RPCS: Record<string, Rpc> = {
  Version: version,
  Status: runtimeStatus,
  UpdateRuntimeConfig: updateRuntimeConfig,
};

export const STREAMING_RPCS: Record<string, StreamingRpc> = {};

export const IMAGE_RPCS: Record<string, Rpc> = {};
