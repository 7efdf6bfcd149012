// berth volume create [--label K=V] [NAME]
import { randomBytes } from 'node:crypto';
import type { Command } from './context.ts';
import { FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'label', short: 'l', kind: 'list', help: 'Set metadata for a volume' },
  { name: 'driver', short: 'd', kind: 'string', help: 'Specify volume driver name (local)' },
  { name: 'name', kind: 'string', help: 'Specify volume name' },
  { name: 'opt', short: 'o', kind: 'list', help: 'Set driver specific options (none supported)' },
];

const cmd: Command = {
  usage: 'berth volume create [OPTIONS] [VOLUME]',
  about: 'Create a volume',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const d = str(p, 'driver');
    if (d && d !== 'local') throw new FlagError(`volume driver "${d}" not found: only "local" exists`);
    if (list(p, 'opt').length) throw new FlagError('the local driver takes no options here');
    const name = p.args[0] ?? str(p, 'name') ?? randomBytes(32).toString('hex');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new FlagError(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
    const labels = Object.fromEntries(list(p, 'label').map((l) => { const i = l.indexOf('='); return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)]; }));
    ctx.engine().store.ensureVolume(name, labels);
    ctx.out(`${name}\n`);
    return 0;
  },
};
export default cmd;
