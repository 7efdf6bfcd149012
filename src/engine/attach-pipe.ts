// Attaching to a running container from a daemon (the CRI's Attach): build/berth-attach on
// conmon's attach socket with pipes for stdio (Node cannot open conmon's SOCK_SEQPACKET socket
// itself). Closing its stdin closes the container's (conmon's stdin-once).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { nativeToolPath } from '../util/native-tools.ts';
import { ContainerStateError } from './errors.ts';
import type { Engine } from './engine.ts';
import type { ExecChild } from './exec.ts';

export function spawnAttach(engine: Engine, ref: string, opts: { stdin: boolean; tty: boolean }): ExecChild {
  const rec = engine.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`container ${rec.id} is not running`);
  if (opts.stdin && !rec.config.openStdin) throw new ContainerStateError(`container ${rec.id} was not created with stdin open: nothing to attach stdin to`);
  const sock = join(engine.paths.sockets, rec.id.slice(0, 16), 'attach');
  const args = [...(opts.stdin ? ['--stdin'] : []), ...(opts.tty ? ['--tty', '--ctl', join(engine.dir(rec.id), 'ctl')] : []), sock];
  const child = spawn(nativeToolPath('berth-attach', 'BERTH_ATTACH'), args, { stdio: ['pipe', 'pipe', 'pipe'] }) as ExecChild;
  // Ending an attach ends the helper, never the container.
  child.killProcess = () => { child.kill('SIGKILL'); };
  return child;
}
