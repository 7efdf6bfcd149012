// berth inspect [-f TPL] NAME...: containers, then volumes and networks by that name.
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { inspectDoc } from './present.ts';
import { formatDocs } from '../present/index.ts';
import { NoSuchContainerError } from '../../engine/query.ts';

const FLAGS: FlagDef[] = [
  { name: 'format', short: 'f', kind: 'string', help: 'Format output using a custom template' },
  { name: 'type', kind: 'string', help: 'Only inspect objects of the given type (container, volume, network)' },
  { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes (not computed)' },
];

const cmd: Command = {
  usage: 'berth inspect [OPTIONS] NAME|ID [NAME|ID...]',
  about: 'Return low-level information on berth objects',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const engine = ctx.query();
    const type = str(p, 'type');
    const docs: Record<string, unknown>[] = [];
    let failed = false;
    for (const ref of p.args) {
      try {
        if (type && type !== 'container') throw new NoSuchContainerError(ref);
        docs.push(inspectDoc(engine.containers.inspect(ref)));
        continue;
      } catch (e) {
        if (!(e instanceof NoSuchContainerError)) throw e;
      }
      const v = type && type !== 'volume' ? null : engine.volumes.find(ref);
      if (v) { docs.push({ Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, CreatedAt: v.created, Labels: v.labels, Scope: 'local', Options: {} }); continue; }
      if (!type || type === 'network') {
        try {
          docs.push(await ctx.engine().networks.inspect(ref) as unknown as Record<string, unknown>);
          continue;
        } catch { /* not a network either */ }
      }
      failed = true;
      ctx.err(`Error: No such object: ${ref}\n`);
    }
    const fmt = str(p, 'format');
    ctx.out(formatDocs(docs, fmt));
    return failed ? 1 : 0;
  },
};
export default cmd;
