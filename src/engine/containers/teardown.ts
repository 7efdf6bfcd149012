// Releasing what a container holds: after its exit (teardown: network, netns, the runtime's
// record) and at its removal (destroy: also the rootfs, the snapshot, the directory, the record).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineCore } from '../core.ts';
import { EngineError } from '../errors.ts';
import { recordEvent } from '../events.ts';
import { detachNetworks, refreshPeerHosts, stopPastaOf, stopSlirpOf, usesSlirp } from '../netglue.ts';
import { isMounted, removeSnapshot, unmountRootfs } from '../rootfs.ts';
import type { ContainerRecord } from '../types.ts';
import { removeVolume } from '../volumes.ts';
import { trace } from '../../util/trace.ts';
import { dropPrecreated } from './precreate.ts';
import { dropAhead } from './start-ahead.ts';
import { waitGone } from './wait.ts';

/** Network, netns and the runtime's record go; the rootfs stays mounted until rm. */
export async function teardown(core: EngineCore, rec: ContainerRecord, andThen?: () => Promise<void>): Promise<void> {
  const hadNet = Object.keys(rec.state.networks).filter((n) => n !== 'slirp4netns' && n !== 'pasta');
  // The network side (CNI DEL, a berth-mount exec for the netns) goes on while the runtime's
  // record goes; `andThen` (destroy's unmount) once the runtime has made sure no process is left.
  const net = (async () => {
    if (usesSlirp(core, rec) || rec.state.networks.slirp4netns) stopSlirpOf(core, rec);
    if (rec.config.networkMode === 'pasta' || rec.state.networks.pasta) stopPastaOf(core, rec);
    await detachNetworks(core, rec);
    trace('teardown: networks detached');
    if (rec.state.netnsPath) {
      const { removeNetns } = await import('../../network/index.ts');
      await removeNetns(rec.state.netnsPath);
      rec.state.netnsPath = '';
      trace('teardown: netns removed');
    }
  })();
  net.catch(() => { /* awaited below */ });
  try {
    // Before a first start, and in destroy after the exit command's teardown, there is none.
    const runtime = core.runtimeFor(rec.config.runtime);
    if (runtime.mayHaveState(rec.id)) {
      await core.deleteRuntimeState(rec.id, rec.config.runtime);
      trace('teardown: runtime state deleted');
    }
    await andThen?.();
  } finally {
    await net;
  }
  rec.state.ports = [];
  // Left only by a CLI killed while the container started (relay.ts removes its own).
  rmSync(join(core.paths.runRoot, 'relay', `${rec.id.slice(0, 16)}.sock`), { force: true });
  core.store.saveState(rec.id, rec.state);
  if (hadNet.length) refreshPeerHosts(core, hadNet, rec.id);
}

/** A monitor another process launched ahead of a start (berthd's start-ahead, for a `docker
 * create`) waits in conmon for that start; this process's removal (`berth rm`, `container
 * prune`) ends it, as that process's own drop would: SIGKILL (no exit command to run), then
 * gone. Left alone it ran its exit command whenever that process dropped it, which could
 * outlive berthd. Under the container's lock a created container has no start in progress. */
async function endForeignMonitor(core: EngineCore, rec: ContainerRecord): Promise<void> {
  if (rec.state.status !== 'created') return;
  let pid = 0;
  try { pid = Number(readFileSync(join(core.dir(rec.id), 'conmon.pid'), 'utf8').trim()) || 0; } catch { return; }
  // Its own conmon (the full id is on conmon's command line), not a process that took the pid.
  try { if (!pid || !readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(rec.id)) return; } catch { return; }
  try { process.kill(pid, 'SIGKILL'); } catch { return; }
  await waitGone(pid);
}

/** Removes everything of a container (caller holds its lock or created it). */
export async function destroy(core: EngineCore, rec: ContainerRecord, opts: { volumes: boolean }): Promise<void> {
  // A start begun ahead, a monitor prelaunched, or a container created in the runtime, for a
  // start that will not come now (each gone, its conmon with it, before the rest goes).
  await dropAhead(core, rec.id);
  await core.dropPrelaunch(rec.id, new EngineError('the container was removed before its start'));
  await dropPrecreated(core, rec.id, true);
  await endForeignMonitor(core, rec);
  // A container whose process has exited (or never ran) has nothing left in its rootfs: the
  // (lazy) unmount need not wait for the runtime's delete, and runs beside it.
  const idle = rec.state.status === 'exited' || rec.state.status === 'created';
  rec.state.status = 'removing';
  const dir = core.dir(rec.id), rootfs = join(dir, 'rootfs');
  const unmounted = async () => {
    if (isMounted(rootfs)) throw new EngineError(`cannot unmount ${rootfs}`);
    trace('destroy: rootfs unmounted');
  };
  // Through the trash (trash.ts: renamed away, deleted in the background by a long-lived engine,
  // at once by the CLI, with rmSync: faster than fs.promises.rm for an `rm -f` of 40 containers,
  // docs/benchmarks.md); run where it overlaps the network's release.
  const removeDir = () => { core.trash.discard(dir); trace('destroy: directory removed'); };
  const dropSnapshot = () => { removeSnapshot(core.images(), rec.id, (d) => core.trash.discard(d)); trace('destroy: snapshot removed'); };
  if (idle) {
    // While the network is still being released (CNI DEL: child processes): the snapshot as soon
    // as it is unmounted, and the directory (the bundle) once the runtime's delete no longer
    // needs it and the rootfs is unmounted.
    const unmount = unmountRootfs(rootfs).then(unmounted);
    const snapshot = unmount.then(dropSnapshot);
    const done = await Promise.allSettled([teardown(core, rec, () => unmount.then(removeDir)), snapshot]);
    for (const d of done) if (d.status === 'rejected') throw d.reason;
  } else {
    await teardown(core, rec, () => unmountRootfs(rootfs));
    await unmounted();
    dropSnapshot();
    removeDir();
  }
  rmSync(core.exitFile(rec.id), { force: true });
  rmSync(join(core.paths.sockets, rec.id.slice(0, 16)), { force: true });
  core.store.delete(rec.id);
  recordEvent(core.paths, { id: rec.id, name: rec.name, action: 'destroy' });
  trace('destroy: removed');
  if (opts.volumes) {
    for (const m of rec.config.mounts) {
      if (m.type === 'volume' && m.anonymous) await removeVolume(core, m.source).catch(() => {});
    }
  }
}
