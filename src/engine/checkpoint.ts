// Checkpointing a running container (the CRI's CheckpointContainer, kubelet's forensic
// checkpoints): it needs CRIU and a runtime that drives it. berth-runtime has no `checkpoint`
// command, so the engine refuses with the reason, and says what this host's CRIU can do: Debian
// 12's criu 3.17 installs, but on newer kernels its self-check fails (vDSO layout), so not even a
// runc container could be checkpointed there.
import { execFile } from 'node:child_process';
import type { Engine } from './engine.ts';
import { ContainerStateError, EngineError } from './errors.ts';

export class CheckpointUnsupportedError extends EngineError {
  override name = 'CheckpointUnsupportedError';
}

let criuState: Promise<string> | undefined;

/** One line on this host's CRIU: absent, or its version and whether `criu check` passes. */
export function criuStatus(): Promise<string> {
  criuState ??= new Promise((resolve) => {
    execFile('criu', ['--version'], { timeout: 10_000 }, (e, out) => {
      if (e) { resolve('CRIU is not installed'); return; }
      const version = /Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown version';
      execFile('criu', ['check'], { timeout: 30_000 }, (e2, _o, err) => {
        const first = String(err).split('\n').find((l) => /Error/.test(l))?.replace(/^Error \([^)]*\):\s*/, '');
        resolve(e2 ? `CRIU ${version} is installed but \`criu check\` fails on this kernel${first ? `: ${first}` : ''}` : `CRIU ${version} is installed and works`);
      });
    });
  });
  return criuState;
}

/** Checkpoints `ref` into the archive at `location`; refused (CheckpointUnsupportedError) by
 * every runtime berth drives today, after the container is checked to exist and run. */
export async function checkpointContainer(engine: Engine, ref: string, location: string): Promise<never> {
  const rec = engine.containers.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`cannot checkpoint container ${rec.id}: it is not running`);
  void location;
  throw new CheckpointUnsupportedError(`checkpointing containers is not supported: the runtime ${rec.config.runtime} cannot drive CRIU (${await criuStatus()})`);
}
