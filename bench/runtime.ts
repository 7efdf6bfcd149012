// Low-level runtime benchmark on a busybox `true` bundle, berth-runtime beside runc and crun,
// interleaved round by round so that machine noise hits every runtime alike. Prints medians,
// p90 and the ratio to berth-runtime (the plain Node runtime).
//
//   node bench/runtime.ts [--mode run|shim] [--rounds 40] [--only NAME,...] [--also NAME=PATH ...]
//
// --mode run (default): `RUNTIME run` (create + start + wait + delete) in the foreground.
// --mode shim: the calls containerd's runc shim makes for a task, each timed on its own and
//   summed: `create --bundle B --pid-file P ID` (with --log FILE --log-format json, as the shim
//   passes them), `start ID`, then, once the init has exited (not timed), `delete ID`.
//
// The berth-runtime contenders come from this tree: `berth-runtime` is the plain runtime
// (dist/berth-runtime.mjs, Node), `berth-rt-berthd` the native client (build/berth-runtime-client,
// the berth-runtime on PATH) with a berthd of this tree started for the benchmark, and
// `berth-rt-nodaemon` the same client with no berthd answering (it execs the plain runtime).
// --also adds another build of berth-runtime under NAME (e.g. an older commit's bundle, for a
// before/after figure); it is run exactly like the plain one.
//
// crun 1.8 refuses this host's hybrid cgroup layout; it runs inside a private mount namespace
// where an empty file hides /sys/fs/cgroup/unified/cgroup.controllers (nothing global changes).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeBusyboxRootfs, makeTemp, removeTemp } from '../test/helpers/rootfs.ts';

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'run' }, rounds: { type: 'string', default: '40' }, only: { type: 'string' }, also: { type: 'string', multiple: true } } });
const rounds = Number(values.rounds);
const mode = values.mode;
if (mode !== 'run' && mode !== 'shim') throw new Error(`--mode run|shim, not ${mode}`);
const TOP = resolve(import.meta.dirname, '..');

/** A runtime: its command prefix (before the global options) and environment. */
interface Runner { name: string; cmd: string[]; root: string; env?: NodeJS.ProcessEnv }

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
const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
cfg.process.terminal = false;
cfg.process.args = ['/bin/true'];
writeFileSync(cfgPath, JSON.stringify(cfg));

const only = values.only?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const runners: Runner[] = [];
const plain = join(TOP, 'dist/berth-runtime.mjs');
const client = join(TOP, 'build/berth-runtime-client');
const sock = join(work, 'berthd.sock');
if (wanted('berth-runtime')) runners.push({ name: 'berth-runtime', cmd: [plain], root: join(work, 'root-berth') });
let berthd: ChildProcess | undefined;
if (wanted('berth-rt-berthd') && existsSync(client)) {
  berthd = spawn(join(TOP, 'dist/berth.mjs'), ['system', 'service', '--socket', sock, '--workers', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  runners.push({ name: 'berth-rt-berthd', cmd: [client], root: join(work, 'root-berthd'), env: { ...process.env, BERTH_DAEMON_SOCKET: sock, BERTH_DAEMON_REQUIRED: '1' } });
}
if (wanted('berth-rt-nodaemon') && existsSync(client)) {
  runners.push({ name: 'berth-rt-nodaemon', cmd: [client], root: join(work, 'root-nodaemon'), env: { ...process.env, BERTH_DAEMON_SOCKET: join(work, 'nobody.sock') } });
}
for (const spec of values.also ?? []) {
  const [name, path] = spec.split('=', 2);
  if (!name || !path) throw new Error(`--also wants NAME=PATH, got ${spec}`);
  runners.push({ name, cmd: [path], root: join(work, `root-${name}`) });
}
if (which('runc') && wanted('runc')) runners.push({ name: 'runc', cmd: ['runc'], root: join(work, 'root-runc') });
let crunNs: string | null = null;
if (which('crun') && wanted('crun')) {
  crunNs = join(work, 'crun-mntns');
  writeFileSync(crunNs, '');
  const empty = join(work, 'empty');
  writeFileSync(empty, '');
  // A persistent private mount namespace with the hybrid controllers file hidden.
  execFileSync('unshare', [`--mount=${crunNs}`, '--propagation', 'private', 'mount', '--bind', empty, '/sys/fs/cgroup/unified/cgroup.controllers']);
  runners.push({ name: 'crun', cmd: ['nsenter', `--mount=${crunNs}`, 'crun'], root: join(work, 'root-crun') });
}
for (const r of runners) mkdirSync(r.root, { recursive: true });

/** Runs `RUNTIME --root R ARGS` and returns its wall time in ms; throws unless it exits 0. Its
 * stderr is a file: a created container inherits it, and a pipe would stay open until it ends. */
const errFile = join(work, 'stderr');
function timed(r: Runner, args: string[]): number {
  const [cmd, ...pre] = r.cmd;
  const err = openSync(errFile, 'w');
  const t0 = process.hrtime.bigint();
  const res = spawnSync(cmd, [...pre, '--root', r.root, ...args], { stdio: ['ignore', 'ignore', err], env: r.env ?? process.env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(err);
  if (res.status !== 0) throw new Error(`${r.name} ${args.join(' ')} failed (${res.status}): ${readFileSync(errFile, 'utf8')}`);
  return ms;
}

/** Waits until pid is gone or a zombie (its reaper is init here, not us). */
async function waitGone(pid: number): Promise<void> {
  for (;;) {
    let stat: string;
    try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return; }
    if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') return;
    await new Promise((res) => setTimeout(res, 1));
  }
}

async function once(r: Runner, id: string): Promise<number> {
  if (mode === 'run') return timed(r, ['run', '--bundle', bundle, id]);
  const pidFile = join(work, `${id}.pid`);
  const log = ['--log', join(work, `${r.name}.log`), '--log-format', 'json'];
  let ms = timed(r, [...log, 'create', '--bundle', bundle, '--pid-file', pidFile, id]);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  ms += timed(r, [...log, 'start', id]);
  await waitGone(pid);
  ms += timed(r, [...log, 'delete', id]);
  return ms;
}

const times = new Map<string, number[]>(runners.map((r) => [r.name, []]));
try {
  if (berthd) {
    const probe = runners.find((r) => r.name === 'berth-rt-berthd')!;
    for (let i = 0; spawnSync(client, ['--root', probe.root, 'list'], { env: probe.env }).status !== 0; i++) {
      if (i > 400 || berthd.exitCode !== null) throw new Error('berthd did not start');
      await new Promise((res) => setTimeout(res, 25));
    }
  }
  for (let i = -2; i < rounds; i++) { // two warm-up rounds, not counted
    const order = i % 2 === 0 ? runners : [...runners].reverse();
    for (const r of order) {
      const ms = await once(r, `bench-${r.name}-${i + 2}`);
      if (i >= 0) times.get(r.name)!.push(ms);
    }
  }
} finally {
  if (berthd && berthd.exitCode === null) {
    const gone = new Promise((res) => berthd!.once('exit', res));
    berthd.kill('SIGTERM');
    await gone;
  }
  if (crunNs && existsSync(crunNs)) spawnSync('umount', [crunNs]);
  removeTemp(work);
}

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const med = (name: string) => (times.get(name)?.length ? q(times.get(name)!, 0.5) : null);
const ratio = (a: number, b: number | null) => (b ? (a / b).toFixed(2) : '-');
console.log(mode === 'run' ? `run of a busybox \`true\` bundle, ${rounds} interleaved rounds` : `create + start + delete as containerd's runc shim calls them (sum), busybox \`true\`, ${rounds} interleaved rounds`);
console.log('runtime             median ms   p90 ms   ×berth-runtime   ×runc   ×crun');
for (const [name, xs] of times) {
  const m = q(xs, 0.5);
  console.log(`${name.padEnd(19)} ${m.toFixed(1).padStart(9)} ${q(xs, 0.9).toFixed(1).padStart(8)}   ${ratio(m, med('berth-runtime')).padStart(14)}   ${ratio(m, med('runc')).padStart(5)}   ${ratio(m, med('crun')).padStart(5)}`);
}
