// Low-level runtime benchmark: `RUNTIME run` (create + start + wait + delete) of a busybox `true`
// bundle, berth-runtime beside runc and crun, interleaved round by round so that machine noise
// hits every runtime alike. Prints medians, p90 and the ratio to berth-runtime.
//
//   node bench/runtime.ts [--rounds 40] [--only berth-runtime,runc] [--also NAME=PATH ...]
//
// --also adds another build of berth-runtime under NAME (e.g. an older commit's bundle, for a
// before/after figure); it is run exactly like the one on PATH.
//
// crun 1.8 refuses this host's hybrid cgroup layout; it runs inside a private mount namespace
// where an empty file hides /sys/fs/cgroup/unified/cgroup.controllers (nothing global changes).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeBusyboxRootfs, makeTemp, removeTemp } from '../test/helpers/rootfs.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' }, only: { type: 'string' }, also: { type: 'string', multiple: true } } });
const rounds = Number(values.rounds);

interface Runner { name: string; argv: (bundle: string, id: string) => string[]; root: string }

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const work = makeTemp('berth-bench-');
const bundle = join(work, 'bundle');
makeBusyboxRootfs(join(bundle, 'rootfs'));
// One config for all: runc's default spec (crun rejects ociVersion >= 1.2), running `true`.
execFileSync('runc', ['spec', '--bundle', bundle]);
const cfgPath = join(bundle, 'config.json');
const cfg = JSON.parse(execFileSync('cat', [cfgPath], { encoding: 'utf8' }));
cfg.process.terminal = false;
cfg.process.args = ['/bin/true'];
writeFileSync(cfgPath, JSON.stringify(cfg));

const runners: Runner[] = [];
const berth = which('berth-runtime');
if (berth) runners.push({ name: 'berth-runtime', root: join(work, 'root-berth'), argv: (b, id) => [berth, '--root', join(work, 'root-berth'), 'run', '--bundle', b, id] });
for (const spec of values.also ?? []) {
  const [name, path] = spec.split('=', 2);
  if (!name || !path) throw new Error(`--also wants NAME=PATH, got ${spec}`);
  const root = join(work, `root-${name}`);
  runners.push({ name, root, argv: (b, id) => [path, '--root', root, 'run', '--bundle', b, id] });
}
if (which('runc')) runners.push({ name: 'runc', root: join(work, 'root-runc'), argv: (b, id) => ['runc', '--root', join(work, 'root-runc'), 'run', '--bundle', b, id] });
let crunNs: string | null = null;
if (which('crun')) {
  crunNs = join(work, 'crun-mntns');
  writeFileSync(crunNs, '');
  const empty = join(work, 'empty');
  writeFileSync(empty, '');
  // A persistent private mount namespace with the hybrid controllers file hidden.
  execFileSync('unshare', [`--mount=${crunNs}`, '--propagation', 'private', 'mount', '--bind', empty, '/sys/fs/cgroup/unified/cgroup.controllers']);
  runners.push({ name: 'crun', root: join(work, 'root-crun'), argv: (b, id) => ['nsenter', `--mount=${crunNs}`, 'crun', '--root', join(work, 'root-crun'), 'run', '--bundle', b, id] });
}
const only = values.only?.split(',');
const active = only ? runners.filter((r) => only.includes(r.name)) : runners;
for (const r of active) mkdirSync(r.root, { recursive: true });

const times = new Map<string, number[]>(active.map((r) => [r.name, []]));
try {
  for (let i = -2; i < rounds; i++) { // two warm-up rounds, not counted
    const order = i % 2 === 0 ? active : [...active].reverse();
    for (const r of order) {
      const id = `bench-${r.name}-${i + 2}`;
      const [cmd, ...args] = r.argv(bundle, id);
      const t0 = process.hrtime.bigint();
      const res = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 0) throw new Error(`${r.name} run failed (${res.status}): ${res.stderr}`);
      if (i >= 0) times.get(r.name)!.push(ms);
    }
  }
} finally {
  if (crunNs && existsSync(crunNs)) spawnSync('umount', [crunNs]);
  removeTemp(work);
}

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const base = times.get('berth-runtime') ? q(times.get('berth-runtime')!, 0.5) : null;
console.log(`run of a busybox \`true\` bundle, ${rounds} interleaved rounds`);
console.log('runtime         median ms   p90 ms   ratio to berth-runtime');
for (const [name, xs] of times) {
  const med = q(xs, 0.5);
  console.log(`${name.padEnd(15)} ${med.toFixed(1).padStart(9)} ${q(xs, 0.9).toFixed(1).padStart(8)}   ${base ? (med / base).toFixed(2) : '-'}`);
}
