// berth image history [-H] [--no-trunc] [-q] [--format F] IMAGE
import { formatItems, HISTORY_HEADERS, HISTORY_TABLE, historyRow } from '../present/index.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, str, type FlagDef } from './flags.ts';
import { needArgs, withImages } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'human', short: 'H', kind: 'bool', help: 'Print sizes and dates in human readable format (default true)' },
  { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
  { name: 'format', kind: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', 'TEMPLATE'" },
];

const cmd: Command = {
  usage: 'berth image history [OPTIONS] IMAGE',
  about: 'Show the history of an image',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'image history', 1);
    return withImages(ctx, async (images) => {
      const items = await images.history(p.args[0]);
      const rows = items.map((h) => historyRow(h, { noTrunc: bool(p, 'no-trunc'), human: bool(p, 'human', true) }));
      if (bool(p, 'quiet')) { ctx.out(rows.map((r) => `${r.ID}\n`).join('')); return 0; }
      ctx.out(formatItems(rows, str(p, 'format'), HISTORY_TABLE, HISTORY_HEADERS));
      return 0;
    });
  },
};
export default cmd;
