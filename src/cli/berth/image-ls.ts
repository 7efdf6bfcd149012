// berth images / berth image ls [-a] [-q] [--digests] [--no-trunc] [-f FILTER]… [--format F] [REPOSITORY[:TAG]]
import { parseFilterList, shortId } from '../../engine/query.ts';
import { defaultImageTable, formatItems, IMAGE_HEADERS, imageRow } from '../present/index.ts';
import type { Command } from './context.ts';
import { bool, list, parseFlags, str, type FlagDef } from './flags.ts';
import { needArgs, withImageQueries } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Show all images (berth has no intermediate images: same as without)' },
  { name: 'digests', kind: 'bool', help: 'Show digests' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (reference=, dangling=, before=, since=, label=)' },
  { name: 'format', kind: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
  { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
];

const cmd: Command = {
  usage: 'berth images [OPTIONS] [REPOSITORY[:TAG]]',
  about: 'List images',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'images', 0, 1);
    return withImageQueries(ctx, async (images) => {
      const rows = await images.list({ ...(p.args[0] ? { reference: p.args[0] } : {}), filters: parseFilterList(list(p, 'filter')), all: bool(p, 'all') });
      const noTrunc = bool(p, 'no-trunc');
      if (bool(p, 'quiet')) {
        const ids = [...new Set(rows.map((r) => (noTrunc ? r.id : shortId(r.id))))];
        ctx.out(ids.map((i) => `${i}\n`).join(''));
        return 0;
      }
      const items = rows.map((r) => imageRow(r, { noTrunc }));
      ctx.out(formatItems(items, str(p, 'format'), defaultImageTable(bool(p, 'digests')), IMAGE_HEADERS));
      return 0;
    });
  },
};
export default cmd;
