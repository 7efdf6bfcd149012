// berth port CONTAINER [PRIVATE_PORT[/PROTO]]
import { FlagError, parseFlags } from './flags.ts';
import type { Command } from './context.ts';

const cmd: Command = {
  usage: 'berth port CONTAINER [PRIVATE_PORT[/PROTO]]',
  about: 'List port mappings or a specific mapping for the container',
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const rec = ctx.engine().containers.get(p.args[0]);
    let ports = rec.state.ports;
    if (p.args[1]) {
      const [port, proto = 'tcp'] = p.args[1].split('/');
      ports = ports.filter((m) => String(m.containerPort) === port && m.protocol === proto);
      if (!ports.length) throw new Error(`No public port '${port}/${proto}' published for ${p.args[0]}`);
      ctx.out(ports.map((m) => `${m.hostIP || '0.0.0.0'}:${m.hostPort}\n`).join(''));
      return 0;
    }
    ctx.out(ports.map((m) => `${m.containerPort}/${m.protocol} -> ${m.hostIP || '0.0.0.0'}:${m.hostPort}\n`).join(''));
    return 0;
  },
};
export default cmd;
