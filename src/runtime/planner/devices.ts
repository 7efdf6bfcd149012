// /dev contents: the default device nodes every container gets, linux.devices, and the
// conventional symlinks. In a user namespace mknod is refused, so nodes are bound from the host.
import type { Device } from '../../oci/index.ts';
import type { Step } from '../plan.ts';
import { cleanPath } from './mounts.ts';

interface Node { path: string; type: 'c' | 'b' | 'p'; major: number; minor: number; mode: number; uid: number; gid: number }

// The nodes runc creates by default (character devices, mode 0666, owned by root).
const DEFAULT_NODES: Node[] = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/tty', major: 5, minor: 0 },
].map((d) => ({ ...d, type: 'c' as const, mode: 0o666, uid: 0, gid: 0 }));

function fromSpec(d: Device): Node {
  return {
    path: cleanPath(d.path),
    type: d.type === 'u' ? 'c' : d.type,
    major: Number(d.major ?? 0),
    minor: Number(d.minor ?? 0),
    // fileMode may carry the S_IF* type bits; mknod gets those from `type`.
    mode: (d.fileMode ?? 0o666) & 0o7777,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  };
}

/** Device nodes: the defaults first, unless config.json lists the same path (it wins). */
export function deviceSteps(devices: readonly Device[] | undefined, userns: boolean): Step[] {
  const spec = (devices ?? []).map(fromSpec);
  const listed = new Set(spec.map((d) => d.path));
  const nodes = [...DEFAULT_NODES.filter((d) => !listed.has(d.path)), ...spec];
  return nodes.map((n): Step => (userns
    ? { op: 'bind-dev', source: n.path, target: n.path }
    : { op: 'mknod', target: n.path, type: n.type, major: n.major, minor: n.minor, mode: n.mode, uid: n.uid, gid: n.gid }));
}

export function devSymlinkSteps(kcore: boolean): Step[] {
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'],
    ['/proc/self/fd/0', '/dev/stdin'],
    ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
    ['pts/ptmx', '/dev/ptmx'],
  ];
  if (kcore) links.push(['/proc/kcore', '/dev/core']);
  return links.map(([linkTarget, target]) => ({ op: 'symlink', linkTarget, target }));
}
