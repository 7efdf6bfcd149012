// berth events [--since T] [--until T] [--filter container=…|event=…] [--format json]: the
// engine's events log, then (without --until) new events as they come, like docker's stream.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { eventsPath, parseSince, type EngineEvent } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { list, parseFlags, str, type FlagDef } from './flags.ts';
import { execute, parseTemplate } from '../present/index.ts';

const FLAGS: FlagDef[] = [
  { name: 'since', kind: 'string', help: 'Show all events created since timestamp' },
  { name: 'until', kind: 'string', help: 'Stream events until this timestamp' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (container=, event=)' },
  { name: 'format', kind: 'string', help: "'json' for one JSON object per line, or a Go template" },
];

const cmd: Command = {
  usage: 'berth events [OPTIONS]',
  about: 'Get real time events from the engine',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const since = str(p, 'since') ? parseSince(str(p, 'since')!) : undefined;
    const until = str(p, 'until') ? parseSince(str(p, 'until')!) : undefined;
    const filters = list(p, 'filter').map((f) => f.split('=', 2) as [string, string]);
    const ok = (e: EngineEvent) => filters.every(([k, v]) =>
      k === 'container' ? e.id.startsWith(v) || e.name === v : k === 'event' ? e.action === v : k === 'type' ? v === 'container' : true);
    const ns = (e: EngineEvent) => BigInt(Date.parse(e.time)) * 1_000_000n;
    const fmt = str(p, 'format');
    const json = fmt === 'json';
    // docker's --format TEMPLATE runs over the same message `json` prints.
    const tpl = fmt && !json ? parseTemplate(fmt) : undefined;
    const show = (e: EngineEvent) => {
      if (!ok(e) || (since !== undefined && ns(e) < since) || (until !== undefined && ns(e) >= until)) return;
      const msg = () => ({ Type: 'container', Action: e.action, Actor: { ID: e.id, Attributes: { name: e.name, ...(e.exitCode !== undefined ? { exitCode: String(e.exitCode) } : {}), ...(e.network ? { network: e.network } : {}) } }, time: Math.floor(Date.parse(e.time) / 1000), timeNano: Number(ns(e)) });
      ctx.out(json ? `${JSON.stringify(msg())}\n` : tpl ? `${execute(tpl, msg())}\n`
        : `${e.time} container ${e.action} ${e.id} (name=${e.name}${e.exitCode !== undefined ? `, exitCode=${e.exitCode}` : ''}${e.network ? `, network=${e.network}` : ''})\n`);
    };
    const path = eventsPath(ctx.engine().paths);
    let fd = -1;
    try { fd = openSync(path, 'r'); } catch { /* no events yet */ }
    let pos = 0, rest = '';
    const buf = Buffer.alloc(64 * 1024);
    const drain = () => {
      if (fd < 0) { try { fd = openSync(path, 'r'); } catch { return; } }
      const size = fstatSync(fd).size;
      while (pos < size) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        rest += buf.subarray(0, n).toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop()!;
        for (const l of lines) { try { show(JSON.parse(l) as EngineEvent); } catch { /* torn line */ } }
      }
    };
    drain();
    while (until === undefined || BigInt(Date.now()) * 1_000_000n < until) {
      await new Promise((r) => setTimeout(r, 200));
      drain();
    }
    if (fd >= 0) closeSync(fd);
    return 0;
  },
};
export default cmd;
