// berth network inspect NAME...
import type { Command } from './context.ts';
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import { formatDocs } from '../present/index.ts';

const FLAGS: FlagDef[] = [{ name: 'format', short: 'f', kind: 'string', help: 'Format the output using a template' }];

const cmd: Command = {
  usage: 'berth network inspect [OPTIONS] NETWORK [NETWORK...]',
  about: 'Display detailed information on one or more networks',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const docs = [];
    for (const n of p.args) {
      const d = await ctx.engine().networks.inspect(n);
      docs.push({ ...d, Name: d.name, Id: d.id, Driver: d.driver, IPAM: { Config: d.subnet ? [{ Subnet: d.subnet, Gateway: d.gateway }] : [] }, Internal: d.internal,
        Containers: Object.fromEntries(d.containers.map((a) => [a.containerId, { Name: a.name, IPv4Address: a.ips[0] ?? '', MacAddress: a.mac }])) });
    }
    const fmt = str(p, 'format');
    ctx.out(formatDocs(docs, fmt));
    return 0;
  },
};
export default cmd;
