// The fixture the CRI tests that need no CNI share: an engine in a temporary root (with the
// built-in busybox image unless told otherwise), berthd's CRI server on a socket there, and
// berth's own gRPC client. Its clean-up (pods removed, client, server, engine, root) runs through
// defer(), so a failing step fails the test and every step still runs.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage, Engine } from '../../../src/engine/index.ts';
import { CriServer } from '../../../src/cri/index.ts';
import { criClient } from '../../helpers/cri-client.ts';
import { defer } from '../../helpers/cleanup.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { defaultRuntime } from '../engine/harness.ts';

export interface CriFixture {
  tmp: string;
  engine: Engine;
  server: CriServer;
  socket: string;
  client: ReturnType<typeof criClient>;
}

interface Hooks { after(fn: () => void | Promise<void>): void }

/** `name` names the temporary root and the cgroup parent; `cniConfDir` defaults to an empty
 * one (pods on the node's network need none); `cniPath`: where the CNI plugins are looked for
 * (default the engine's); `busybox: false` leaves the image store empty; `longLived`: the
 * engine is berthd's kind (a spare netns, background work), settled before it closes; `log`
 * gets the engine's and the server's log lines. */
export async function criFixture(t: Hooks, name: string, opts: {
  cniConfDir?: (tmp: string) => string; cniPath?: (tmp: string) => string[]; busybox?: boolean; longLived?: boolean; log?: (line: string) => void;
} = {}): Promise<CriFixture> {
  const tmp = makeTemp(`berth-test-cri-${name}-`);
  defer(t, () => removeTemp(tmp));
  const cgroupParent = `berth-test-cri${name}-${process.pid}`;
  // Checked last: the last container or pod to go takes the engine's cgroup parent with it.
  defer(t, () => {
    const left = readdirSync('/sys/fs/cgroup').filter((c) => existsSync(join('/sys/fs/cgroup', c, cgroupParent)));
    assert.deepEqual(left, [], `cgroup parent ${cgroupParent} left in these hierarchies`);
  });
  const engine = new Engine({
    root: join(tmp, 'root'), runRoot: join(tmp, 'run'), runtime: defaultRuntime(),
    cgroupParent, cniConfDir: opts.cniConfDir?.(tmp) ?? join(tmp, 'none'), ...(opts.longLived ? { longLived: true } : {}),
    ...(opts.cniPath ? { cniPath: opts.cniPath(tmp) } : {}), ...(opts.log ? { log: opts.log } : {}),
  });
  defer(t, () => engine.close());
  if (opts.longLived) defer(t, () => engine.settle());
  if (opts.busybox ?? true) await buildBusyboxImage(join(tmp, 'root'));
  const socket = join(tmp, 'cri.sock');
  const server = new CriServer({ engine, version: 't', log: opts.log ?? (() => {}) }, socket);
  await server.listen();
  defer(t, () => server.close());
  const client = criClient(socket);
  defer(t, () => client.close());
  defer(t, async () => {
    for (const p of engine.pods.list()) await engine.pods.remove(p.id, { force: true });
  });
  return { tmp, engine, server, socket, client };
}
