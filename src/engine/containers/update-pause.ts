// docker update (new limits, applied at once through the runtime when running, and kept for
// later starts; a new restart policy), pause and unpause (the runtime's freezer).
import type { EngineCore } from '../core.ts';
import { ContainerStateError, EngineError } from '../errors.ts';
import { recordEvent } from '../events.ts';
import type { ResourceUpdate } from '../requests.ts';
import type { RuntimeResources } from '../ociruntime/index.ts';
import { cpuLimit } from '../spec.ts';
import type { ContainerRecord } from '../types.ts';

export function update(core: EngineCore, ref: string, u: ResourceUpdate): Promise<ContainerRecord> {
  return core.locked(ref, async (rec) => {
    const c = rec.config;
    if (u.restart && u.restart.name !== 'no' && c.autoRemove) throw new EngineError('Restart policy cannot be updated because AutoRemove is enabled for the container');
    const memory = u.memory ?? c.memory;
    const swap = u.memorySwap ?? c.memorySwap;
    if (memory && swap && swap !== -1 && swap < memory) throw new EngineError('Minimum memoryswap limit should be larger than memory limit, see usage');
    if (rec.state.status === 'running') {
      const res: RuntimeResources = {};
      if (u.memory !== undefined) res.memory = { limit: u.memory };
      if (u.memorySwap !== undefined) res.memory = { ...res.memory, swap: u.memorySwap };
      if (u.cpus !== undefined) res.cpu = cpuLimit(u.cpus);
      if (u.pidsLimit !== undefined) res.pids = { limit: u.pidsLimit > 0 ? u.pidsLimit : -1 };
      if (Object.keys(res).length) {
        await core.runtimeFor(c.runtime).update(rec.id, res)
          .catch((e: Error) => { throw new EngineError(`Cannot update container ${rec.id}: ${e.message}`); });
      }
    }
    if (u.memory !== undefined) c.memory = u.memory;
    if (u.memorySwap !== undefined) { if (u.memorySwap === -1) delete c.memorySwap; else c.memorySwap = u.memorySwap; }
    if (u.cpus !== undefined) c.cpus = u.cpus;
    if (u.pidsLimit !== undefined) { if (u.pidsLimit > 0) c.pidsLimit = u.pidsLimit; else delete c.pidsLimit; }
    if (u.restart) c.restart = u.restart;
    core.store.saveConfig(rec.id, c);
    return rec;
  });
}

/** docker pause (true) / unpause (false): freezes or thaws every process of a running container. */
export function setPaused(core: EngineCore, ref: string, paused: boolean): Promise<ContainerRecord> {
  return core.locked(ref, async (rec) => {
    if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
    if (!!rec.state.paused === paused) throw new ContainerStateError(`Container ${rec.id} is ${paused ? 'already paused' : 'not paused'}`);
    const runtime = core.runtimeFor(rec.config.runtime);
    await (paused ? runtime.pause(rec.id) : runtime.resume(rec.id))
      .catch((e: Error) => { throw new EngineError(`Cannot ${paused ? 'pause' : 'unpause'} container ${ref}: ${e.message}`); });
    rec.state.paused = paused;
    core.store.saveState(rec.id, rec.state);
    recordEvent(core.paths, { id: rec.id, name: rec.name, action: paused ? 'pause' : 'unpause' });
    return rec;
  });
}

/** Thaws a paused container (for kill, stop and rm -f: a frozen process cannot act on a signal). */
export async function thaw(core: EngineCore, rec: ContainerRecord): Promise<void> {
  if (!rec.state.paused) return;
  // Not paused any more (thawed behind our back) or gone: nothing to thaw either way.
  await core.runtimeFor(rec.config.runtime).resume(rec.id).catch(() => {});
  rec.state.paused = false;
  core.store.saveState(rec.id, rec.state);
}
