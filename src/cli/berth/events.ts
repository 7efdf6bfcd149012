// berth events [--since T] [--until T] [--filter container=…|event=…|type=…|network=…]
// [--format json]: the engine's events (engine.system.events), then (without --until) new
// events as they come, like docker's stream.
import { parseFilterList, parseSince, type EngineEvent } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { list, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'since', kind: 'string', help: 'Show all events created since timestamp' },
  { name: 'until', kind: 'string', help: 'Stream events until this timestamp' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (container=, event=, type=, network=)' },
  { name: 'format', kind: 'string', help: "'json' for one JSON object per line" },
];

function line(e: EngineEvent, json: boolean): string {
  if (!json) return `${e.time} container ${e.action} ${e.id} (name=${e.name}${e.exitCode !== undefined ? `, exitCode=${e.exitCode}` : ''}${e.network ? `, network=${e.network}` : ''})\n`;
  const ms = Date.parse(e.time);
  return `${JSON.stringify({
    Type: 'container', Action: e.action,
    Actor: { ID: e.id, Attributes: { name: e.name, ...(e.exitCode !== undefined ? { exitCode: String(e.exitCode) } : {}), ...(e.network ? { network: e.network } : {}) } },
    time: Math.floor(ms / 1000), timeNano: ms * 1_000_000,
  })}\n`;
}

const cmd: Command = {
  usage: 'berth events [OPTIONS]',
  about: 'Get real time events from the engine',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const since = str(p, 'since'), until = str(p, 'until');
    const json = str(p, 'format') === 'json';
    const events = ctx.engine().system.events({
      ...(since ? { sinceNs: parseSince(since) } : {}), ...(until ? { untilNs: parseSince(until) } : {}),
      filters: parseFilterList(list(p, 'filter')), follow: true,
    });
    for await (const e of events) ctx.out(line(e, json));
    return 0;
  },
};
export default cmd;
