// A TCP connection to a port of a pod as seen from inside it (kubelet's port-forward: the pod's
// own 127.0.0.1 included, which no address outside the pod reaches). Node cannot enter a network
// namespace, so nsenter(1) runs the host's busybox nc in the pod's netns and its stdio carry the
// bytes; a pod on the host's network is reached on 127.0.0.1 directly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { PodStateError } from './errors.ts';
import type { PodRecord } from './types.ts';

const NC = '/bin/busybox';

export function connectPodPort(pod: PodRecord, port: number): Duplex {
  if (pod.state.status !== 'running') throw new PodStateError(`pod ${pod.config.name} is not running`);
  if (!(port > 0 && port < 65536)) throw new PodStateError(`invalid port ${port}`);
  if (pod.config.network === 'host') return connect(port, '127.0.0.1');
  if (!existsSync(NC)) throw new PodStateError(`port-forward into pods needs ${NC} (Debian's busybox-static)`);
  const child = spawn('nsenter', [`--net=${pod.state.netnsPath}`, NC, 'nc', '127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  // (Node streams are accepted here too; the types name only the web ones.)
  const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin } as unknown as Parameters<typeof Duplex.from>[0]);
  child.on('error', (e) => duplex.destroy(e));
  child.on('close', (code) => {
    if (code !== 0 && !duplex.destroyed) duplex.destroy(new Error(stderr.trim() || `nc exited ${code}`));
  });
  duplex.on('close', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
  return duplex;
}
