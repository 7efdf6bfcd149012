// Port publishing: docker's -p syntax parsed into requests, then made concrete (random host ports
// chosen, every host port checked free) into the portMappings the portmap plugin takes.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { parseIPv4 } from './cidr.ts';
import { PortInUseError, PublishSpecError } from './errors.ts';

export type Protocol = 'tcp' | 'udp';

/** One parsed publish request. hostPort 0 means "pick a free one"; hostIP '' means all addresses. */
export interface PublishRequest {
  hostIP: string;
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

/** A concrete mapping, in the shape of the CNI portMappings capability. */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  hostIP?: string;
}

function parsePort(spec: string, text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new PublishSpecError(spec, `${what} ${JSON.stringify(text)} is not a number`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new PublishSpecError(spec, `${what} ${n} is out of range 1-65535`);
  return n;
}

function parseRange(spec: string, text: string, what: string): [number, number] {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const p = parsePort(spec, text, what);
    return [p, p];
  }
  const lo = parsePort(spec, text.slice(0, dash), what);
  const hi = parsePort(spec, text.slice(dash + 1), what);
  if (hi < lo) throw new PublishSpecError(spec, `${what} range ${text} ends before it starts`);
  return [lo, hi];
}

/**
 * Parses a docker -p spec: [hostIP:][hostPort:]containerPort[/tcp|/udp], where ports may be
 * ranges (8000-8002:80-82) and an empty hostPort (127.0.0.1::80) means a random one.
 */
export function parsePublish(spec: string): PublishRequest[] {
  let rest = spec.trim();
  if (!rest) throw new PublishSpecError(spec, 'empty');
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw new PublishSpecError(spec, `protocol ${JSON.stringify(p)} is not tcp or udp`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIP = '';
  if (rest.startsWith('[')) {
    throw new PublishSpecError(spec, 'IPv6 host addresses are not supported (berth networks are IPv4-only)');
  }
  const parts = rest.split(':');
  if (parts.length > 3) throw new PublishSpecError(spec, 'too many ":" (expected [hostIP:][hostPort:]containerPort)');
  if (parts.length === 3) {
    hostIP = parts.shift()!;
    if (hostIP === '0.0.0.0') hostIP = '';
    else if (parseIPv4(hostIP) === undefined) throw new PublishSpecError(spec, `host IP ${JSON.stringify(hostIP)} is not an IPv4 address`);
  }
  const containerText = parts.pop()!;
  const hostText = parts.pop() ?? '';
  if (!containerText) throw new PublishSpecError(spec, 'missing container port');
  const [cLo, cHi] = parseRange(spec, containerText, 'container port');
  const out: PublishRequest[] = [];
  if (!hostText) {
    for (let p = cLo; p <= cHi; p++) out.push({ hostIP, hostPort: 0, containerPort: p, protocol });
    return out;
  }
  const [hLo, hHi] = parseRange(spec, hostText, 'host port');
  if (hHi - hLo !== cHi - cLo) {
    throw new PublishSpecError(spec, `host range ${hostText} and container range ${containerText} differ in length`);
  }
  for (let i = 0; i <= cHi - cLo; i++) out.push({ hostIP, hostPort: hLo + i, containerPort: cLo + i, protocol });
  return out;
}

/** Whether two mappings would fight over the same host socket. */
export function sameHostSocket(a: { hostIP?: string; hostPort: number; protocol: string }, b: { hostIP?: string; hostPort: number; protocol: string }): boolean {
  return a.hostPort === b.hostPort && a.protocol === b.protocol && (!a.hostIP || !b.hostIP || a.hostIP === b.hostIP);
}

/** Binds (and releases) the host socket: resolves with the port bound (useful with port 0). */
function probe(protocol: Protocol, hostIP: string, port: number): Promise<number> {
  const host = hostIP || '0.0.0.0';
  if (protocol === 'tcp') {
    return new Promise((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen({ host, port, exclusive: true }, () => {
        const bound = (srv.address() as { port: number }).port;
        srv.close(() => resolve(bound));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: 'udp4', reuseAddr: false });
    sock.once('error', (e) => { sock.close(); reject(e); });
    sock.bind({ address: host, port, exclusive: true }, () => {
      const bound = sock.address().port;
      sock.close(() => resolve(bound));
    });
  });
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return 'a process on the host is bound to it';
  if (code === 'EADDRNOTAVAIL') return 'that host IP is not an address of this host';
  if (code === 'EACCES') return 'permission denied';
  return (e as Error).message;
}

/**
 * Turns requests into concrete mappings: random ports picked among ports free on the host, every
 * port checked free on the host for its protocol and not published by another berth container
 * (`taken`). Throws PortInUseError naming the port and who holds it.
 */
export async function resolvePortMappings(requests: PublishRequest[], taken: PortMapping[] = []): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const r of requests) {
    let port = r.hostPort;
    const busy = [...taken, ...out];
    if (port === 0) {
      let found = 0;
      for (let attempt = 0; attempt < 50 && !found; attempt++) {
        let candidate: number;
        try {
          candidate = await probe(r.protocol, r.hostIP, 0);
        } catch (e) {
          throw new PortInUseError(r.hostIP, 0, r.protocol, describe(e));
        }
        if (busy.some((m) => sameHostSocket(m, { hostIP: r.hostIP, hostPort: candidate, protocol: r.protocol }))) continue;
        found = candidate;
      }
      if (!found) throw new PortInUseError(r.hostIP, 0, r.protocol, 'no free host port found');
      port = found;
    } else {
      const clash = busy.find((m) => sameHostSocket(m, { hostIP: r.hostIP, hostPort: port, protocol: r.protocol }));
      if (clash) throw new PortInUseError(r.hostIP, port, r.protocol, 'published by another berth container');
      try {
        await probe(r.protocol, r.hostIP, port);
      } catch (e) {
        throw new PortInUseError(r.hostIP, port, r.protocol, describe(e));
      }
    }
    const m: PortMapping = { hostPort: port, containerPort: r.containerPort, protocol: r.protocol };
    if (r.hostIP) m.hostIP = r.hostIP;
    out.push(m);
  }
  return out;
}
