// Shared pieces of the network integration tests: host state probes and a cleanup list.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { detach, removeNetns, removeNetwork, inspectNetwork } from '../../../src/network/index.ts';
import { deleteLink, sweepBridgeRules } from '../../../src/network/host.ts';

export function iptablesSave(): string {
  return execFileSync('iptables-save', { encoding: 'utf8' });
}

/** The nat rules of an iptables-save dump that masquerade for `bridge`'s network. */
export function masqueradeRules(saved: string, bridge: string): string[] {
  return saved.split('\n').filter((l) => l.includes(`! -o ${bridge} `) && l.endsWith('-j MASQUERADE'));
}

export function links(): { ifname: string; master?: string }[] {
  return JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string; master?: string }[];
}

/** The host's first global IPv4 address (the address -p publishes on besides loopback). */
export function hostIPv4(): string | undefined {
  const addrs = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show', 'scope', 'global'], { encoding: 'utf8' })) as
    { addr_info: { local: string }[] }[];
  return addrs.flatMap((a) => a.addr_info.map((i) => i.local))[0];
}

export function inNetns(netns: string, cmd: string[]): string {
  return execFileSync('nsenter', [`--net=${netns}`, ...cmd], { encoding: 'utf8', timeout: 10_000 });
}

export function ping(netns: string, ip: string): boolean {
  try {
    inNetns(netns, ['busybox', 'ping', '-c', '1', '-W', '2', ip]);
    return true;
  } catch {
    return false;
  }
}

/** GET url, retrying for up to `ms` (the server inside the netns may still be starting). */
export async function httpGet(url: string, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const req = get(url, { timeout: 5000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => { body += c; });
          res.on('end', () => resolve(body));
        });
        req.on('timeout', () => req.destroy(new Error(`timeout ${url}`)));
        req.on('error', reject);
      });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Starts a foreground busybox httpd serving `dir` on `port` inside the netns. */
export function startHttpd(netns: string, dir: string, port: number): ChildProcess {
  return spawn('nsenter', [`--net=${netns}`, 'busybox', 'httpd', '-f', '-p', String(port), '-h', dir], { stdio: 'ignore' });
}

/** Everything a test made, torn down in reverse even when the test failed half-way. */
export class Cleanup {
  netns: string[] = [];
  attachments: { network: string; containerId: string; ifName?: string }[] = [];
  networks: string[] = [];
  processes: ChildProcess[] = [];
  stateRoot: string;
  constructor(stateRoot: string) {
    this.stateRoot = stateRoot;
  }

  async run(): Promise<void> {
    const opts = { stateRoot: this.stateRoot };
    for (const p of this.processes) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await new Promise((r) => p.once('close', r));
      }
    }
    for (const a of this.attachments.reverse()) await detach({ ...a, force: true }, opts).catch(() => false);
    for (const n of this.netns) await removeNetns(n).catch(() => undefined);
    for (const name of this.networks) {
      let bridge: string | undefined;
      try { bridge = (await inspectNetwork(name, opts)).bridge; } catch { /* already removed */ }
      await removeNetwork(name, opts).catch(() => undefined);
      if (bridge) {
        await deleteLink(bridge).catch(() => undefined);
        await sweepBridgeRules(bridge).catch(() => undefined);
      }
    }
  }
}
