// pasta (Debian's `passt` package), the alternative to slirp4netns that podman 4.4+ offers with
// `--network pasta`: like slirp4netns a user-mode stack that reaches the outside through the
// host's sockets, run by rootless berth from the user's namespace and attached to a container's
// netns. Unlike it, the container's interface (eth0) gets the host's own address, gateway and
// routes (--config-net), and published ports are pasta's own forwards (-t/-u), given at start.
// Options as podman uses them where they apply: no automatic forwarding either way (-T/-U none,
// and -t/-u none without -p), --no-map-gw so that the gateway address is not the host's
// loopback (as slirp4netns's --disable-host-loopback). pasta forks into the background once the
// namespace is configured; its pid file says which process to end at teardown.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { PortMapping } from './publish.ts';
import { stopDetached } from './slirp.ts';

export const PASTA_BIN = 'pasta';
/** Its process names: Debian's pasta execs passt.avx2 where the CPU has AVX2. */
export const PASTA_COMM = /^pas(?:ta|st)(?:\.avx2)?$/;
export const PASTA_IFNAME = 'eth0';

export class PastaError extends Error {
  override name = 'PastaError';
}

export interface PastaOptions {
  netnsPath: string;
  pidFile: string;
  logPath: string;
  ports: PortMapping[];
}

/** pasta's port spec for one protocol's mappings: [ADDR/]HOSTPORT:CONTAINERPORT, ... or none. */
export function pastaPorts(ports: PortMapping[], protocol: 'tcp' | 'udp'): string {
  const specs = ports.filter((p) => p.protocol === protocol).map((p) => `${p.hostIP ? `${p.hostIP}/` : ''}${p.hostPort}:${p.containerPort}`);
  return specs.length ? specs.join(',') : 'none';
}

export function pastaArgs(o: PastaOptions): string[] {
  return [
    '--config-net', '--quiet', '--netns', o.netnsPath, '--ns-ifname', PASTA_IFNAME, '--pid', o.pidFile, '--log-file', o.logPath,
    '--no-map-gw', '-t', pastaPorts(o.ports, 'tcp'), '-u', pastaPorts(o.ports, 'udp'), '-T', 'none', '-U', 'none',
  ];
}

/** Starts pasta for the netns (it returns once the interface is configured, leaving its daemon);
 * returns that daemon's pid. On failure nothing is left running. */
export async function startPasta(o: PastaOptions): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    execFile(PASTA_BIN, pastaArgs(o), { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) { resolve(); return; }
      let log = '';
      try { log = readFileSync(o.logPath, 'utf8'); } catch { /* none */ }
      const detail = `${stderr}\n${log}`.split('\n').map((l) => l.trim()).filter((l) => l && !/syslog/.test(l)).slice(-3).join('; ');
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new PastaError(missing ? 'pasta is not installed (apt-get install passt)' : `pasta did not start: ${detail || err.message}`));
    });
  }).catch((e) => { stopPasta(o.pidFile); throw e; });
  const pid = Number(readFileSync(o.pidFile, 'utf8').trim());
  if (!pid) throw new PastaError(`pasta did not write its pid to ${o.pidFile}`);
  return pid;
}

/** Stops the pasta recorded in `pidFile` (if it is still one) and forgets it. */
export function stopPasta(pidFile: string): void {
  stopDetached(pidFile, PASTA_COMM);
}
