// berth pod create [OPTIONS]: a pod (podman's flags): its name, hostname, labels, network,
// published ports, DNS, sysctls and which namespaces its containers share.
import { parsePublish, type PodCreateRequest } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { bool, FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';

export const POD_CREATE_FLAGS: FlagDef[] = [
  { name: 'name', kind: 'string', help: 'Assign a name to the pod' },
  { name: 'hostname', kind: 'string', help: "Set the pod's hostname (default: its name)" },
  { name: 'label', short: 'l', kind: 'list', help: 'Set metadata on the pod (key=value)' },
  { name: 'network', kind: 'string', help: 'Network of the pod (bridge, host, none, cni (the CNI configuration directory), NAME)' },
  { name: 'publish', short: 'p', kind: 'list', help: "Publish a port of the pod to the host" },
  { name: 'dns', kind: 'list', help: 'Set custom DNS servers' },
  { name: 'dns-search', kind: 'list', help: 'Set custom DNS search domains' },
  { name: 'dns-option', kind: 'list', help: 'Set DNS options' },
  { name: 'sysctl', kind: 'list', help: 'Namespaced sysctls for the pod (key=value)' },
  { name: 'share', kind: 'string', help: 'Namespaces the containers share: ipc,net,uts (always) and pid (default ipc,net,uts)' },
  { name: 'start', kind: 'bool', help: 'Start the pod after creating it' },
];

function keyValues(items: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of items) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new FlagError(`--${what}: expected key=value, not ${JSON.stringify(kv)}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export function podCreateRequest(p: ReturnType<typeof parseFlags>): PodCreateRequest {
  const share = (str(p, 'share') ?? 'ipc,net,uts').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of share) if (!['ipc', 'net', 'uts', 'pid'].includes(s)) throw new FlagError(`--share: unknown namespace "${s}" (ipc, net, uts, pid)`);
  const name = str(p, 'name');
  const hostname = str(p, 'hostname');
  const network = str(p, 'network');
  return {
    ...(name ? { name } : {}), ...(hostname ? { hostname } : {}), ...(network ? { network } : {}),
    labels: keyValues(list(p, 'label'), 'label'), sysctls: keyValues(list(p, 'sysctl'), 'sysctl'),
    sharePid: share.includes('pid'),
    dns: { servers: list(p, 'dns'), searches: list(p, 'dns-search'), options: list(p, 'dns-option') },
    portMappings: list(p, 'publish').flatMap((s) => parsePublish(s)).map((m) => ({ protocol: m.protocol, containerPort: m.containerPort, hostPort: m.hostPort, hostIp: m.hostIP })),
  };
}

const cmd: Command = {
  usage: 'berth pod create [OPTIONS]',
  about: 'Create a new empty pod',
  flags: POD_CREATE_FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, POD_CREATE_FLAGS);
    if (p.args.length) throw new FlagError('"berth pod create" takes no arguments');
    const engine = ctx.engine();
    const pod = engine.pods.create(podCreateRequest(p));
    if (bool(p, 'start')) await engine.pods.start(pod.id).catch(async (e) => { await engine.pods.remove(pod.id, { force: true }).catch(() => {}); throw e; });
    ctx.out(`${pod.id}\n`);
    return 0;
  },
};
export default cmd;
