// berth top CONTAINER [ps OPTIONS]: the host's ps, filtered to the container's cgroup.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from './context.ts';
import { FlagError } from './flags.ts';

/** Every pid in the container's cgroup, found from its init's /proc/<pid>/cgroup. */
export function containerPids(initPid: number): number[] {
  const lines = readFileSync(`/proc/${initPid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  let dir = '';
  for (const l of lines) {
    const [, ctrls, path] = l.split(':');
    if (ctrls.split(',').includes('pids')) { dir = join('/sys/fs/cgroup/pids', path); break; }
    if (ctrls.split(',').includes('memory')) dir = join('/sys/fs/cgroup/memory', path);
    if (ctrls === '' && !dir) dir = join('/sys/fs/cgroup', path);
  }
  if (!dir) return [initPid];
  return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
}

const cmd: Command = {
  usage: 'berth top CONTAINER [ps OPTIONS]',
  about: 'Display the running processes of a container',
  async run(ctx) {
    const [ref, ...psArgs] = ctx.argv;
    if (!ref) throw new FlagError('requires at least 1 argument');
    const rec = ctx.engine().get(ref);
    if (rec.state.status !== 'running') throw new Error(`container ${rec.id} is not running`);
    const pids = new Set(containerPids(rec.state.pid));
    const out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const header = out[0].trim().split(/\s+/);
    const col = header.indexOf('PID');
    if (col < 0) throw new Error(`Couldn't find PID field in ps output`);
    ctx.out(`${out[0]}\n${out.slice(1).filter((l) => pids.has(Number(l.trim().split(/\s+/)[col]))).map((l) => `${l}\n`).join('')}`);
    return 0;
  },
};
export default cmd;
