// berth network create [--subnet CIDR] [--gateway IP] [--internal] [-l K=V] NAME
import type { Command } from './context.ts';
import { bool, FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'driver', short: 'd', kind: 'string', help: 'Driver to manage the Network (bridge)' },
  { name: 'subnet', kind: 'string', help: 'Subnet in CIDR format' },
  { name: 'gateway', kind: 'string', help: 'IPv4 Gateway for the master subnet' },
  { name: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
  { name: 'label', kind: 'list', help: 'Set metadata on a network' },
  { name: 'opt', short: 'o', kind: 'list', help: 'Driver options (com.docker.network.driver.mtu=N)' },
];

const cmd: Command = {
  usage: 'berth network create [OPTIONS] NETWORK',
  about: 'Create a network',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 1) throw new FlagError('requires exactly 1 argument');
    const driver = str(p, 'driver');
    if (driver && driver !== 'bridge') throw new FlagError(`plugin "${driver}" not found: only the bridge driver exists`);
    const labels = Object.fromEntries(list(p, 'label').map((l) => { const i = l.indexOf('='); return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)]; }));
    let mtu: number | undefined;
    for (const o of list(p, 'opt')) { const [k, v] = o.split('='); if (k.endsWith('mtu')) mtu = Number(v); }
    const info = await ctx.engine().networks.create({
      name: p.args[0], driver: 'bridge', labels, internal: bool(p, 'internal'),
      ...(str(p, 'subnet') ? { subnet: str(p, 'subnet') } : {}), ...(str(p, 'gateway') ? { gateway: str(p, 'gateway') } : {}), ...(mtu ? { mtu } : {}),
    });
    ctx.out(`${info.id}\n`);
    return 0;
  },
};
export default cmd;
