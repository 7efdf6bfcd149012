// berth stats [--no-stream] [CONTAINER...]: the engine's samples (engine.containers.stats),
// taken twice per frame for the CPU percentage (cpuPercent), rendered as docker's table.
import { cpuPercent, networkTotals, type ListedContainer, type ContainerStats, type Engine } from '../../engine/index.ts';
import { bytesSize, formatItems, humanSize } from '../present/index.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
  { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
  { name: 'format', kind: 'string', help: "'json' or a template" },
  { name: 'no-trunc', kind: 'bool', help: 'Do not truncate output' },
];

function row(a: ContainerStats, b: ContainerStats, noTrunc: boolean): Record<string, string> {
  const { rx, tx } = networkTotals(b);
  const limit = b.memory.limit;
  return {
    ID: noTrunc ? b.id : b.id.slice(0, 12), Container: b.id.slice(0, 12), Name: b.name,
    CPUPerc: `${cpuPercent(a, b).toFixed(2)}%`, MemUsage: `${bytesSize(b.memory.usage)} / ${bytesSize(limit)}`,
    MemPerc: `${limit ? (b.memory.usage / limit * 100).toFixed(2) : '0.00'}%`, NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    BlockIO: `${humanSize(b.blkio.read)} / ${humanSize(b.blkio.write)}`, PIDs: String(b.pids.current),
  };
}

/** One frame: samples `recs` twice, `gapMs` apart (the CPU percentage is the difference). */
async function frame(engine: Engine, recs: ListedContainer[], gapMs: number, noTrunc: boolean): Promise<Record<string, string>[]> {
  const sampleAll = () => Promise.all(recs.map((r) => engine.containers.stats(r.id)));
  const first = await sampleAll();
  await new Promise((res) => setTimeout(res, gapMs));
  const second = await sampleAll();
  return recs.map((_, i) => row(first[i], second[i], noTrunc));
}

const STATS_TABLE = '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const STATS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

function render(rows: Record<string, string>[], fmt: string | undefined): string {
  return formatItems(rows, fmt, STATS_TABLE, STATS_HEADERS);
}

const cmd: Command = {
  usage: 'berth stats [OPTIONS] [CONTAINER...]',
  about: 'Display a live stream of container(s) resource usage statistics',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const engine = ctx.engine();
    const named = p.args.length > 0;
    const fmt = str(p, 'format');
    const pick = () => (named ? p.args.map((a) => engine.containers.get(a)) : engine.containers.list({ all: bool(p, 'all') }));
    if (bool(p, 'no-stream')) {
      ctx.out(render(await frame(engine, pick(), 500, bool(p, 'no-trunc')), fmt));
      return 0;
    }
    // As docker's: a new frame about every second until interrupted, the screen cleared before
    // each (the same escape codes whether or not the output is a terminal); the container list
    // is read again for each frame unless containers were named.
    let stop = false;
    const onSignal = () => { stop = true; };
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, onSignal);
    try {
      while (!stop) {
        const rows = await frame(engine, pick(), 1000, bool(p, 'no-trunc'));
        if (stop) break;
        ctx.out(`\x1b[2J\x1b[H${render(rows, fmt)}`);
      }
    } finally {
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, onSignal);
    }
    return 0;
  },
};
export default cmd;
