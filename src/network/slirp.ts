// The rootless default network: slirp4netns (Debian's) gives a container's netns a tap device
// with a user-mode TCP/IP stack that reaches the outside through the host's sockets, so no
// bridge, veth or iptables rule (all needing the host's root) is involved. Run by rootless berth
// from inside the user's namespace (it setns()es into the container's netns, owned by that
// namespace, and keeps its sockets in the host's). Published ports are slirp4netns host
// forwards, added through its API socket. Its fixed addresses (--configure): the container
// 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3; the host's loopback is not reachable
// (--disable-host-loopback, as podman's default). --enable-seccomp limits its syscalls; not
// --enable-sandbox: its mount changes reach the run root's shared netns bind mounts.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { processAlive } from '../util/proc.ts';
import type { PortMapping } from './publish.ts';

export const SLIRP_BIN = 'slirp4netns';
export const SLIRP_IP = '10.0.2.100';
export const SLIRP_GATEWAY = '10.0.2.2';
export const SLIRP_DNS = '10.0.2.3';
export const SLIRP_SUBNET = '10.0.2.0/24';

export class SlirpError extends Error {
  override name = 'SlirpError';
}

export interface SlirpOptions {
  netnsPath: string;
  /** Its API socket (unix path: keep it short) and pid file, its log (stdout/stderr). */
  apiSocket: string;
  pidFile: string;
  logPath: string;
  ports: PortMapping[];
}

/** Starts slirp4netns for the netns (detached: it outlives the command that started it) and
 * adds the port forwards; returns its pid. On failure nothing is left running. */
export async function startSlirp(o: SlirpOptions): Promise<number> {
  rmSync(o.apiSocket, { force: true });
  const log = openSync(o.logPath, 'a');
  let child;
  try {
    child = spawn(SLIRP_BIN, ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-seccomp', '--netns-type=path', '--api-socket', o.apiSocket,
      '--ready-fd=3', o.netnsPath, 'tap0'], { detached: true, stdio: ['ignore', log, log, 'pipe'] });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  const ready = await new Promise<boolean>((resolve) => {
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    let got = '';
    pipe.on('data', (d: Buffer) => { got += d.toString(); if (got.includes('1')) resolve(true); });
    pipe.on('end', () => resolve(got.includes('1')));
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
  });
  (child.stdio[3] as Socket | null)?.destroy();
  if (!ready || !pid) {
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    let detail = '';
    try { detail = readFileSync(o.logPath, 'utf8').trim().split('\n').slice(-3).join('; '); } catch { /* none */ }
    throw new SlirpError(`slirp4netns did not start${detail ? `: ${detail}` : ' (is it installed? /dev/net/tun must be usable by the user: mode 0666)'}`);
  }
  child.unref();
  writeFileSync(o.pidFile, `${pid}\n`);
  try {
    for (const p of o.ports) await addForward(o.apiSocket, p);
  } catch (e) {
    stopSlirp(o.pidFile);
    throw e;
  }
  return pid;
}

/** One host forward through slirp4netns's API: the host's hostIP:hostPort to guest:guestPort
 * (default the container's own SLIRP_IP:containerPort); resolves with the forward's id. */
export async function addForward(apiSocket: string, p: PortMapping, guest: { addr: string; port: number } = { addr: SLIRP_IP, port: p.containerPort }): Promise<number> {
  const request = { execute: 'add_hostfwd', arguments: { proto: p.protocol, host_addr: p.hostIP || '0.0.0.0', host_port: p.hostPort, guest_addr: guest.addr, guest_port: guest.port } };
  const reply = await slirpApi(apiSocket, request).catch((e: Error) => { throw new SlirpError(`cannot publish ${p.hostIP || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}: ${e.message}`); });
  return Number((reply as { id?: number } | undefined)?.id ?? 0);
}

/** Removes a host forward added by addForward (its port on the host closes). */
export async function removeForward(apiSocket: string, id: number): Promise<void> {
  await slirpApi(apiSocket, { execute: 'remove_hostfwd', arguments: { id } }).catch((e: Error) => { throw new SlirpError(`cannot remove port forward ${id}: ${e.message}`); });
}

/** One JSON request per connection; resolves with its "return" member. */
function slirpApi(apiSocket: string, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(apiSocket);
    let reply = '';
    sock.on('connect', () => { sock.end(JSON.stringify(request)); });
    sock.on('data', (d) => { reply += d.toString(); });
    sock.on('error', (e) => reject(new Error(`slirp4netns API: ${e.message}`)));
    sock.on('close', () => {
      let parsed: { return?: unknown; error?: { desc?: string } } = {};
      try { parsed = JSON.parse(reply); } catch { /* below */ }
      if (parsed.return !== undefined) resolve(parsed.return);
      else reject(new Error(parsed.error?.desc ?? (reply || 'no answer from slirp4netns')));
    });
  });
}

/** Stops the slirp4netns recorded in `pidFile` (if it is still one), and forgets it. */
export function stopSlirp(pidFile: string): void {
  stopDetached(pidFile, SLIRP_BIN);
}

/** Whether the slirp4netns recorded in `pidFile` runs (a killed one may linger as a zombie: it
 * does not). */
export function slirpAlive(pidFile: string): boolean {
  return detachedAlive(pidFile, SLIRP_BIN);
}

/** The pid a detached helper's `pidFile` records when that process is still a `comm` (pid reuse:
 * anything else is not ours), else 0; undefined without a readable pid file. */
function recordedPid(pidFile: string, comm: string | RegExp): number | undefined {
  let pid = 0;
  try { pid = Number(readFileSync(pidFile, 'utf8').trim()) || 0; } catch { return undefined; }
  if (!pid) return 0;
  let is = '';
  try { is = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { /* gone */ }
  return (typeof comm === 'string' ? is === comm : comm.test(is)) ? pid : 0;
}

/** Whether the detached helper recorded in `pidFile` runs (not a zombie). */
function detachedAlive(pidFile: string, comm: string | RegExp): boolean {
  const pid = recordedPid(pidFile, comm);
  return !!pid && processAlive(pid);
}

/** Stops a detached helper recorded in `pidFile` when that pid is still a `comm` (anything else
 * is left alone), waits until it is gone, and removes the pid file. */
export function stopDetached(pidFile: string, comm: string | RegExp): void {
  const pid = recordedPid(pidFile, comm);
  if (pid === undefined) return;
  if (pid) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    // Returns once it is gone (or a zombie): a teardown that returns leaves no helper.
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 200 && processAlive(pid); i++) Atomics.wait(nap, 0, 0, 10);
  }
  rmSync(pidFile, { force: true });
}

