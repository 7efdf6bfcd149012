// Name resolution without a DNS server (podman's way before aardvark): every container's
// /etc/hosts lists itself and its peers on the networks it shares with them, and resolv.conf
// points at the host's real resolvers. The engine writes the files and rewrites peers' hosts
// files when containers come and go; this module only computes the contents.
import { readFileSync } from 'node:fs';
import { readAttachments, allAttachments, stateRoot } from './store.ts';
import type { StoreOptions } from './store.ts';

export interface Peer {
  containerId: string;
  name: string;
  aliases: string[];
  /** Address without prefix length. */
  ip: string;
  network: string;
}

export interface HostEntry {
  ip: string;
  names: string[];
}

const BASE_HOSTS: HostEntry[] = [
  { ip: '127.0.0.1', names: ['localhost'] },
  { ip: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'] },
  { ip: 'fe00::0', names: ['ip6-localnet'] },
  { ip: 'ff00::0', names: ['ip6-mcastprefix'] },
  { ip: 'ff02::1', names: ['ip6-allnodes'] },
  { ip: 'ff02::2', names: ['ip6-allrouters'] },
];

function bareIP(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

function shortId(id: string): string {
  return id.slice(0, 12);
}

/** Containers attached to `network`, one entry per address. */
export function networkPeers(network: string, opts: StoreOptions = {}): Peer[] {
  return readAttachments(stateRoot(opts), network).flatMap((a) =>
    a.ips.map((ip) => ({ containerId: a.containerId, name: a.name, aliases: a.aliases, ip: bareIP(ip), network })));
}

export interface HostsInput {
  /** The container's own hostname (first name on its own lines). */
  hostname: string;
  /** The container's own addresses, each with the names it has there (its name, aliases). */
  self: { ip: string; names: string[] }[];
  peers: Peer[];
  /** --add-host entries, placed before the container's own lines. */
  extraHosts?: HostEntry[];
}

/** Renders /etc/hosts: localhost lines, extra hosts, the container itself, then its peers. */
export function renderHosts(input: HostsInput): string {
  const entries: HostEntry[] = [...BASE_HOSTS, ...(input.extraHosts ?? [])];
  for (const s of input.self) entries.push({ ip: s.ip, names: dedupe([input.hostname, ...s.names]) });
  if (input.self.length === 0) entries.push({ ip: '127.0.1.1', names: [input.hostname] });
  const seen = new Set<string>();
  for (const p of input.peers) {
    const key = `${p.containerId} ${p.ip}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ ip: p.ip, names: dedupe([p.name, ...p.aliases, shortId(p.containerId)]) });
  }
  return entries.map((e) => `${e.ip}\t${e.names.join(' ')}`).join('\n') + '\n';
}

function dedupe(names: string[]): string[] {
  return [...new Set(names.filter((n) => n))];
}

/** The /etc/hosts content for a container from the state: itself and its peers on every network
 * it is attached to. */
export function hostsFor(req: { containerId: string; hostname?: string; extraHosts?: HostEntry[] }, opts: StoreOptions = {}): string {
  const all = allAttachments(stateRoot(opts));
  const mine = all.filter((a) => a.containerId === req.containerId);
  const networks = new Set(mine.map((a) => a.network));
  const self = mine.flatMap((a) => a.ips.map((ip) => ({ ip: bareIP(ip), names: [a.name, ...a.aliases] })));
  const peers = all.filter((a) => a.containerId !== req.containerId && networks.has(a.network))
    .flatMap((a) => a.ips.map((ip) => ({ containerId: a.containerId, name: a.name, aliases: a.aliases, ip: bareIP(ip), network: a.network })));
  return renderHosts({ hostname: req.hostname ?? shortId(req.containerId), self, peers, extraHosts: req.extraHosts });
}

export interface ResolvConfInput {
  /** The host's resolv.conf text. */
  hostResolvConf: string;
  /** --dns: replaces the host's nameservers. */
  dns?: string[];
  /** --dns-search: replaces the host's search domains. */
  search?: string[];
  /** --dns-option: replaces the host's options. */
  options?: string[];
}

export interface ParsedResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ParsedResolvConf {
  const out: ParsedResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...vals] = line.split(/\s+/);
    if (key === 'nameserver' && vals[0]) out.nameservers.push(vals[0]);
    else if (key === 'search' || key === 'domain') out.search = vals;
    else if (key === 'options') out.options.push(...vals);
  }
  return out;
}

export function isLoopbackAddress(ip: string): boolean {
  return /^127\./.test(ip) || ip === '::1' || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(ip);
}

/** Docker's fallback when the host has only loopback resolvers (unreachable from a netns). */
export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** Renders a container's resolv.conf: the given DNS servers, or the host's minus loopback ones. */
export function renderResolvConf(input: ResolvConfInput): string {
  const host = parseResolvConf(input.hostResolvConf);
  let nameservers = input.dns && input.dns.length > 0 ? input.dns : host.nameservers.filter((n) => !isLoopbackAddress(n));
  if (nameservers.length === 0) nameservers = FALLBACK_NAMESERVERS;
  const search = input.search ?? host.search;
  const options = input.options ?? host.options;
  const lines: string[] = [];
  if (search.length > 0) lines.push(`search ${search.join(' ')}`);
  for (const n of nameservers) lines.push(`nameserver ${n}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** resolv.conf content from the host's file. With systemd-resolved's stub (127.0.0.53) only, the
 * upstream list in /run/systemd/resolve/resolv.conf is used instead, as docker does. */
export function resolvConf(req: { dns?: string[]; search?: string[]; options?: string[] } = {}, hostPath = '/etc/resolv.conf'): string {
  let hostText = '';
  try { hostText = readFileSync(hostPath, 'utf8'); } catch { /* no resolv.conf: fallback servers */ }
  const parsed = parseResolvConf(hostText);
  if (parsed.nameservers.length > 0 && parsed.nameservers.every(isLoopbackAddress) && hostPath === '/etc/resolv.conf') {
    try { hostText = readFileSync('/run/systemd/resolve/resolv.conf', 'utf8'); } catch { /* keep the host's */ }
  }
  return renderResolvConf({ hostResolvConf: hostText, dns: req.dns, search: req.search, options: req.options });
}
