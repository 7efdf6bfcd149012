// docker rm [-f] [-v]: a running container only with force (SIGKILL, then removed here: conmon's
// exit command, waiting for our lock, finds nothing left and ends; rm returns once it has).
import type { EngineCore } from '../core.ts';
import { ContainerStateError } from '../errors.ts';
import { claimCleanup } from '../handoff.ts';
import type { RemoveOptions } from '../requests.ts';
import { destroy } from './teardown.ts';
import { thaw } from './update-pause.ts';
import { waitExit, waitGone } from './wait.ts';

/** Returns the container's id. */
export async function remove(core: EngineCore, ref: string, opts: RemoveOptions = {}): Promise<string> {
  let conmonPid = 0;
  let unclaim = () => {};
  try {
    return await core.locked(ref, async (found) => {
      let rec = found;
      if (rec.state.status === 'running') {
        if (!opts.force) throw new ContainerStateError(`You cannot remove a running container ${rec.id}. Stop the container before attempting removal or force remove`);
        rec.state.stoppedByUser = true;
        core.store.saveState(rec.id, rec.state);
        // We remove it all: conmon's exit command (a berth start) need not clean up (handoff.ts).
        unclaim = claimCleanup(core.claimPath(rec.id));
        await core.runtimeFor(rec.config.runtime).kill(rec.id, 9).catch(() => { /* judged by the wait below */ });
        await thaw(core, rec);
        rec = (await waitExit(core, rec.id, 30_000)) ?? rec;
      }
      await destroy(core, rec, { volumes: opts.volumes ?? false });
      conmonPid = rec.state.conmonPid;
      return rec.id;
    });
  } finally {
    // conmon's exit command (waiting for our lock) finds nothing left: let it finish, so that
    // when rm returns, no process of this container is left.
    await waitGone(conmonPid);
    unclaim();
  }
}
