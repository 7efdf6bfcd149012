// Status: RuntimeReady (the engine answers) and NetworkReady (a CNI configuration for pods is
// installed: kubelet keeps nodes NotReady until it is, as with containerd and cri-o).
import type { CriContext } from './context.ts';
import type { StatusRequest, StatusResponse } from './types.ts';

export async function runtimeStatus(ctx: CriContext, req: StatusRequest): Promise<StatusResponse> {
  const net = ctx.engine.pods.networkStatus();
  const res: StatusResponse = {
    status: {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        net.ready
          ? { type: 'NetworkReady', status: true, reason: '', message: '' }
          : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: net.message },
      ],
    },
    info: {},
  };
  if (req.verbose) res.info = { config: JSON.stringify({ cniConfDir: net.confDir, network: net.name ?? null, streaming: ctx.streamingUrl?.() ?? null }) };
  return res;
}
