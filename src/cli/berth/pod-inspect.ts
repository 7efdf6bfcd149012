// berth pod inspect POD...: the engine's pod records as JSON, with their containers.
import type { Command } from './context.ts';
import { FlagError, parseFlags } from './flags.ts';

const cmd: Command = {
  usage: 'berth pod inspect POD [POD...]',
  about: 'Display detailed information on one or more pods',
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    if (!p.args.length) throw new FlagError('"berth pod inspect" requires at least 1 argument');
    const engine = ctx.engine();
    const docs: unknown[] = [];
    let failed = false;
    for (const ref of p.args) {
      try {
        const pod = engine.pods.get(ref);
        docs.push({
          Id: pod.id, Name: pod.config.name, Created: pod.created, State: pod.state.status, Hostname: pod.config.hostname,
          Labels: pod.config.labels, Annotations: pod.config.annotations, Network: pod.config.network, IPs: pod.state.ips,
          NetNS: pod.state.netnsPath, InfraPid: pod.state.infraPid, ...(pod.state.pinned ? { PinnedNamespaces: pod.state.pinned } : {}), SharedNamespaces: ['ipc', 'net', 'uts', ...(pod.config.sharePid ? ['pid'] : [])],
          PortMappings: pod.config.portMappings, DNS: pod.config.dns, Sysctls: pod.config.sysctls, CgroupParent: pod.config.cgroupParent,
          Error: pod.state.error, Containers: engine.pods.containers(pod.id).map((c) => ({ Id: c.id, Name: c.name, State: c.state.status })),
        });
      } catch (e) {
        failed = true;
        ctx.err(`Error: ${(e as Error).message}\n`);
      }
    }
    ctx.out(`${JSON.stringify(docs, null, 4)}\n`);
    return failed ? 1 : 0;
  },
};
export default cmd;
