// A CRI client made from berth's own .proto with grpc-js (no crictl needed): each RPC as a
// promise. The channel's default authority for a unix socket is "localhost".
import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { criServices } from '../../src/cri/proto.ts';

export type Call = (req?: object) => Promise<Record<string, unknown>>;
export interface CriClient { runtime: Record<string, Call>; images: Record<string, Call>; close(): void }

function promised(client: Client): Record<string, Call> {
  return new Proxy({}, {
    get: (_t, name: string) => (req: object = {}) => new Promise((resolve, reject) => {
      const fn = (client as unknown as Record<string, (r: object, cb: (e: ServiceError | null, v: Record<string, unknown>) => void) => void>)[name];
      if (typeof fn !== 'function') { reject(new Error(`no such RPC ${name}`)); return; }
      fn.call(client, req, (e, v) => (e ? reject(e) : resolve(v)));
    }),
  });
}

export function criClient(socket: string): CriClient {
  const { RuntimeService, ImageService } = criServices();
  const rt = new RuntimeService.Client(`unix://${socket}`, credentials.createInsecure());
  const im = new ImageService.Client(`unix://${socket}`, credentials.createInsecure());
  return { runtime: promised(rt), images: promised(im), close: () => { rt.close(); im.close(); } };
}
