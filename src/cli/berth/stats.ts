// berth stats [--no-stream] [CONTAINER...]: cgroup numbers through the OCI runtime interface's
// stats (runc's `events --stats` document, typed), sampled twice
// for the CPU percentage, and the container's network counters from its netns.
import { readFileSync } from 'node:fs';
import { type ContainerRecord, type Engine } from '../../engine/index.ts';
import { bytesSize, formatItems, humanSize } from '../present/index.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
  { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
  { name: 'format', kind: 'string', help: "'json' or a template" },
  { name: 'no-trunc', kind: 'bool', help: 'Do not truncate output' },
];

interface Sample { cpu: number; mem: number; limit: number; pids: number; blkRead: number; blkWrite: number; at: bigint }

async function sample(engine: Engine, r: ContainerRecord): Promise<Sample | null> {
  // A container that stopped (or went) between the listing and now shows zeros.
  const d = await engine.runtimeFor(r.config.runtime).stats(r.id).catch(() => null);
  if (!d) return null;
  const blk = d.blkio.ioServiceBytesRecursive;
  return {
    cpu: d.cpu.usage.total, mem: d.memory.usage.usage - (d.memory.raw.total_inactive_file ?? d.memory.raw.inactive_file ?? 0),
    limit: d.memory.usage.limit, pids: d.pids.current,
    blkRead: blk.filter((b) => /read/i.test(b.op)).reduce((a, b) => a + b.value, 0), blkWrite: blk.filter((b) => /write/i.test(b.op)).reduce((a, b) => a + b.value, 0),
    at: process.hrtime.bigint(),
  };
}

function netIO(pid: number): [number, number] {
  let rx = 0, tx = 0;
  try {
    for (const l of readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2)) {
      const [name, rest] = l.split(':');
      if (!rest || name.trim() === 'lo') continue;
      const f = rest.trim().split(/\s+/).map(Number);
      rx += f[0]; tx += f[8];
    }
  } catch { /* gone */ }
  return [rx, tx];
}


/** One frame: samples `recs` twice, `gapMs` apart (the CPU percentage is the difference). */
async function frame(engine: Engine, recs: ContainerRecord[], gapMs: number, noTrunc: boolean): Promise<Record<string, string>[]> {
  const sampleAll = () => Promise.all(recs.map((r) => (r.state.status === 'running' ? sample(engine, r) : null)));
  const first = await sampleAll();
  await new Promise((res) => setTimeout(res, gapMs));
  const second = await sampleAll();
  const rows: Record<string, string>[] = [];
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    const a = first[i], b = second[i];
    const cpuPct = a && b ? (b.cpu - a.cpu) / Number(b.at - a.at) * 100 : 0;
    const [rx, tx] = r.state.pid ? netIO(r.state.pid) : [0, 0];
    const limit = b?.limit && b.limit < 2 ** 62 ? b.limit : 0;
    rows.push({
      ID: noTrunc ? r.id : r.id.slice(0, 12), Container: r.id.slice(0, 12), Name: r.name,
      CPUPerc: `${cpuPct.toFixed(2)}%`, MemUsage: `${bytesSize(b?.mem ?? 0)} / ${bytesSize(limit)}`,
      MemPerc: `${limit ? ((b?.mem ?? 0) / limit * 100).toFixed(2) : '0.00'}%`, NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
      BlockIO: `${humanSize(b?.blkRead ?? 0)} / ${humanSize(b?.blkWrite ?? 0)}`, PIDs: String(b?.pids ?? 0),
    });
  }
  return rows;
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
    const pick = () => (named ? p.args.map((a) => engine.get(a)) : engine.list(bool(p, 'all')));
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
