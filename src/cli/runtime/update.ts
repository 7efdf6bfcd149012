import { readFileSync } from 'node:fs';
import { expectArgs, parseArgs, str, UsageError } from '../args.ts';
import { exactNumber, parseBytes, updateContainer } from '../../runtime/ops/update.ts';
import type { Resources } from '../../oci/spec.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime update - update container resource constraints

USAGE:
   berth-runtime update [command options] <container-id>

OPTIONS:
   --resources value, -r value  path to the file containing the resources to update or '-' to read from the standard input
   --blkio-weight value         Specifies per cgroup weight, range is from 10 to 1000 (default: 0)
   --cpu-period value           CPU CFS period to be used for hardcapping (in usecs). 0 to use system default
   --cpu-quota value            CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period
   --cpu-rt-period value        CPU realtime period to be used for hardcapping (in usecs). 0 to use system default
   --cpu-rt-runtime value       CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period
   --cpu-share value            CPU shares (relative weight vs. other containers)
   --cpuset-cpus value          CPU(s) to use
   --cpuset-mems value          Memory node(s) to use
   --memory value               Memory limit (in bytes)
   --memory-reservation value   Memory reservation or soft_limit (in bytes)
   --memory-swap value          Total memory usage (memory + swap); set '-1' to enable unlimited swap
   --pids-limit value           Maximum number of pids allowed in the container (default: 0)
   --kernel-memory, --kernel-memory-tcp   refused: kernel memory limits are not settable on this kernel
`;

const INT_FLAGS = ['blkio-weight', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-share', 'pids-limit'] as const;

/** Above 2^53 the digits themselves: the cgroup mapping converts them exactly. */
function int(flag: string, v: string): number | string {
  if (!/^-?\d+$/.test(v)) throw new UsageError(`invalid value "${v}" for flag -${flag}: must be an integer`);
  return exactNumber(BigInt(v));
}

/** Resources from runc's update flags (only the flags given). */
export function resourcesFromFlags(get: (name: string) => string | undefined): Resources {
  const r: Resources = {};
  const n = (f: string) => { const v = get(f); return v === undefined ? undefined : int(f, v); };
  const mem: NonNullable<Resources['memory']> = {};
  for (const [flag, key] of [['memory', 'limit'], ['memory-reservation', 'reservation'], ['memory-swap', 'swap']] as const) {
    const v = get(flag);
    if (v !== undefined) mem[key] = parseBytes(flag, v);
  }
  if (Object.keys(mem).length) r.memory = mem;
  const cpu: NonNullable<Resources['cpu']> = {};
  const set = <K extends keyof typeof cpu>(k: K, v: (typeof cpu)[K] | undefined) => { if (v !== undefined) cpu[k] = v; };
  set('shares', n('cpu-share'));
  set('quota', n('cpu-quota'));
  set('period', n('cpu-period'));
  set('realtimePeriod', n('cpu-rt-period'));
  set('realtimeRuntime', n('cpu-rt-runtime'));
  set('cpus', get('cpuset-cpus'));
  set('mems', get('cpuset-mems'));
  if (Object.keys(cpu).length) r.cpu = cpu;
  const pids = n('pids-limit');
  if (pids !== undefined) r.pids = { limit: pids };
  const w = n('blkio-weight');
  if (w !== undefined) r.blockIO = { weight: Number(w) }; // at most 1000: a number is exact
  return r;
}

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [
    { name: 'resources', aliases: ['r'], type: 'string' },
    ...INT_FLAGS.map((name) => ({ name, type: 'string' as const })),
    { name: 'cpu-shares', type: 'string' },
    { name: 'cpuset-cpus', type: 'string' },
    { name: 'cpuset-mems', type: 'string' },
    { name: 'memory', type: 'string' },
    { name: 'memory-reservation', type: 'string' },
    { name: 'memory-swap', type: 'string' },
    { name: 'kernel-memory', type: 'string' },
    { name: 'kernel-memory-tcp', type: 'string' },
    { name: 'l3-cache-schema', type: 'string' },
    { name: 'mem-bw-schema', type: 'string' },
  ]);
  expectArgs(p, 'update', 1);
  for (const f of ['kernel-memory', 'kernel-memory-tcp']) {
    if (str(p, f) !== undefined) throw new UsageError(`--${f}: kernel memory limits are deprecated and cannot be set on this kernel`);
  }
  for (const f of ['l3-cache-schema', 'mem-bw-schema']) {
    if (str(p, f) !== undefined) throw new UsageError(`--${f}: Intel RDT is not supported by berth-runtime`);
  }
  let resources: Resources;
  const file = str(p, 'resources');
  if (file !== undefined) {
    const text = readFileSync(file === '-' ? 0 : file, 'utf8');
    try {
      resources = JSON.parse(text) as Resources;
    } catch (e) {
      throw new UsageError(`--resources ${file}: not valid JSON: ${(e as Error).message}`);
    }
    if (!resources || typeof resources !== 'object' || Array.isArray(resources)) throw new UsageError(`--resources ${file}: must hold a JSON object (linux.resources)`);
  } else {
    resources = resourcesFromFlags((name) => str(p, name) ?? (name === 'cpu-share' ? str(p, 'cpu-shares') : undefined));
  }
  const { warnings } = await updateContainer(ctx.root, p.args[0], resources);
  for (const w of warnings) ctx.log.warn(w);
  return 0;
}
