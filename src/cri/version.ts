// Version: which CRI this runtime speaks, and who it is.
import type { CriContext } from './context.ts';
import type { VersionRequest, VersionResponse } from './types.ts';

/** The kubelet runtime API version this server implements (the CRI's own Version string). */
export const KUBE_RUNTIME_API_VERSION = '0.1.0';

export async function version(ctx: CriContext, _req: VersionRequest): Promise<VersionResponse> {
  return { version: KUBE_RUNTIME_API_VERSION, runtimeName: 'berth', runtimeVersion: ctx.version, runtimeApiVersion: 'v1' };
}
