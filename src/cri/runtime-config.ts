// UpdateRuntimeConfig: kubelet passes the node's pod CIDR. berth's pods take their addresses from
// the CNI configuration in /etc/cni/net.d, so the CIDR is only recorded in the log.
import type { CriContext } from './context.ts';
import type { UpdateRuntimeConfigRequest } from './types.ts';

export async function updateRuntimeConfig(ctx: CriContext, req: UpdateRuntimeConfigRequest): Promise<object> {
  const cidr = req.runtimeConfig?.networkConfig?.podCidr;
  if (cidr) ctx.log(`UpdateRuntimeConfig: pod CIDR ${cidr} (addresses come from the CNI configuration)`);
  return {};
}
