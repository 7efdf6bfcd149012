// berth events [--since T] [--until T] [--filter container=…|event=…|type=…|network=…]
// [--format json|TEMPLATE]: the engine's events (engine.system.events), then (without --until)
// new events as they come, like docker's stream.
import { parseFilterList, parseSince, type EngineEvent } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { list, parseFlags, str, type FlagDef } from './flags.ts';
import { execute, parseTemplate, type Template } from '../present/index.ts';

const FLAGS: FlagDef[] = [
  { name: 'since', kind: 'string', help: 'Show all events created since timestamp' },
  { name: 'until', kind: 'string', help: 'Stream events until this timestamp' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (container=, event=, type=, network=)' },
  { name: 'format', kind: 'string', help: "'json' for one JSON object per line, or a Go template" },
];

/** docker's event message (what `json` prints, and what a template runs over). */
function message(e: EngineEvent): Record<string, unknown> {
  const ms = Date.parse(e.time);
  return {
    Type: 'container', Action: e.action,
    Actor: { ID: e.id, Attributes: { name: e.name, ...(e.exitCode !== undefined ? { exitCode: String(e.exitCode) } : {}), ...(e.network ? { network: e.network } : {}) } },
    time: Math.floor(ms / 1000), timeNano: ms * 1_000_000,
  };
}

function line(e: EngineEvent, json: boolean, tpl: Template | undefined): string {
  if (json) return `${JSON.stringify(message(e))}\n`;
  if (tpl) return `${execute(tpl, message(e))}\n`;
  return `${e.time} container ${e.action} ${e.id} (name=${e.name}${e.exitCode !== undefined ? `, exitCode=${e.exitCode}` : ''}${e.network ? `, network=${e.network}` : ''})\n`;
}

const cmd: Command = {
  usage: 'berth events [OPTIONS]',
  about: 'Get real time events from the engine',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const since = str(p, 'since'), until = str(p, 'until');
    const fmt = str(p, 'format');
    const json = fmt === 'json';
    // docker's --format TEMPLATE runs over the same message `json` prints.
    const tpl = fmt && !json ? parseTemplate(fmt) : undefined;
    const events = ctx.engine().system.events({
      ...(since ? { sinceNs: parseSince(since) } : {}), ...(until ? { untilNs: parseSince(until) } : {}),
      filters: parseFilterList(list(p, 'filter')), follow: true,
    });
    for await (const e of events) ctx.out(line(e, json, tpl));
    return 0;
  },
};
export default cmd;
