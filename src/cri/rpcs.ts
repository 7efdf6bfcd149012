// The table of served calls: one file per RPC (as containerd's internal/cri/server is laid out).
// A call missing here answers UNIMPLEMENTED (grpc-js does that for unregistered methods).
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { CriContext } from './context.ts';
import { version } from './version.ts';
import { runtimeStatus } from './status.ts';
import { updateRuntimeConfig } from './runtime-config.ts';
import { runPodSandbox } from './sandbox-run.ts';
import { stopPodSandbox } from './sandbox-stop.ts';
import { removePodSandbox } from './sandbox-remove.ts';
import { podSandboxStatus } from './sandbox-status.ts';
import { listPodSandbox } from './sandbox-list.ts';
import { createContainer } from './container-create.ts';
import { startContainer } from './container-start.ts';
import { stopContainer } from './container-stop.ts';
import { removeContainer } from './container-remove.ts';
import { containerStatus } from './container-status.ts';
import { listContainers } from './container-list.ts';
import { execSync } from './exec-sync.ts';
import { reopenContainerLog } from './container-log-reopen.ts';
import { updateContainerResources } from './container-update.ts';
import { containerStats, listContainerStats } from './container-stats.ts';
import { listPodSandboxStats, podSandboxStats } from './sandbox-stats.ts';
import { exec } from './exec.ts';
import { attach } from './attach.ts';
import { portForward } from './port-forward.ts';
import { getContainerEvents } from './container-events.ts';
import { checkpoint } from './container-checkpoint.ts';
import { listImages } from './image-list.ts';
import { imageStatus } from './image-status.ts';
import { pullImage } from './image-pull.ts';
import { removeImage } from './image-remove.ts';
import { imageFsInfo } from './image-fs-info.ts';

// Requests arrive as proto-loader objects; each call declares the shape it reads (types.ts).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table holds calls of many request types
export type Rpc = (ctx: CriContext, req: any) => Promise<object>;
export type StreamingRpc = (ctx: CriContext, call: ServerWritableStream<object, object>) => void;

export const RUNTIME_RPCS: Record<string, Rpc> = {
  Version: version,
  Status: runtimeStatus,
  UpdateRuntimeConfig: updateRuntimeConfig,
  RunPodSandbox: runPodSandbox,
  StopPodSandbox: stopPodSandbox,
  RemovePodSandbox: removePodSandbox,
  PodSandboxStatus: podSandboxStatus,
  ListPodSandbox: listPodSandbox,
  CreateContainer: createContainer,
  StartContainer: startContainer,
  StopContainer: stopContainer,
  RemoveContainer: removeContainer,
  ContainerStatus: containerStatus,
  ListContainers: listContainers,
  ExecSync: execSync,
  Exec: exec,
  Attach: attach,
  PortForward: portForward,
  ReopenContainerLog: reopenContainerLog,
  UpdateContainerResources: updateContainerResources,
  ContainerStats: containerStats,
  ListContainerStats: listContainerStats,
  PodSandboxStats: podSandboxStats,
  ListPodSandboxStats: listPodSandboxStats,
  CheckpointContainer: checkpoint,
};

export const STREAMING_RPCS: Record<string, StreamingRpc> = {
  GetContainerEvents: getContainerEvents,
};

export const IMAGE_RPCS: Record<string, Rpc> = {
  ListImages: listImages,
  ImageStatus: imageStatus,
  PullImage: pullImage,
  RemoveImage: removeImage,
  ImageFsInfo: imageFsInfo,
};
