// Scale benchmark (issue #13 part 2): how the cost of berth's commands grows with the size of its
// store, berth beside podman in one run.
//
//   node bench/scale.ts [--sizes 10,100,1000] [--rounds 5] [--only berth,berthd,podman]
//                       [--concurrent 20] [--remove 100] [--burst-rounds 3] [--skip-burst] [--skip-sizes]
//                       [--cap-ms 20000] [--prof DIR] [--berth-base PATH]
//
// A command whose warm-up run takes longer than --cap-ms is timed that once at that size, and
// killed after 3× --cap-ms (reported as "> N s"): podman `images` at 1,000 images takes minutes.
// At the last size, one `rm -f` of --remove created containers is timed too (the store then
// holds that many fewer; its growth is what `rm` pays for). --prof DIR: after each size, one more plain-CLI run of
// each berth command with node --cpu-prof (DIR/SIZE-COMMAND/*.cpuprofile).
//
// For each store size N (containers and images grown together): `ps -a`, `images`, `inspect`
// of one container and `image inspect` of one image, interleaved round by round (the order
// alternates), medians. The containers are `create`d (not started: cheap), 4 at a time, plus
// three started ones (`run -d sleep`); the images are N distinct images (each its own config,
// hence its own image ID, all sharing the busybox layers) loaded from one docker-archive per
// step, so `images` has N rows to read and render, not N tags of one image.
// Then the bursts, each round in an empty store: `--concurrent` `run -d` started at once
// (timed until the last returns), then `--remove` − that many containers created (not timed),
// then one `rm -f` of all of them (timed; the running ones among them).
//
// Contenders: `berth`, the `berth` command a user runs (build/berth-client) with
// BERTH_NO_DAEMON=1, i.e. the plain daemonless CLI; `berthd`, the same client with a
// `berth system service` of its own (two warm workers, started in setup, not timed; a command
// no worker is ready for runs in the plain CLI as it would for a user; the daemon's count of
// both is printed); `berth` and `berthd` share one store (same root) for the sizes. `podman`:
// Debian's podman 4.3 with runc (crun refuses this host), ulimits under the hard limit, its own
// --root/--runroot/--tmpdir/--network-config-dir, cgroupfs, the file events backend.
// `--berth-base PATH` adds `berth-base`: another build's dist/berth.mjs (run directly, with its
// own dist/berth-runtime.mjs) on the same store as `berth`, for before/after figures.
// Everything a run makes (containers, monitors, mounts, cgroups, podman's host dirs) is
// removed at the end, then the temp dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { buildOciLayout } from '../test/helpers/images.ts';
import { killMentioning, removeCgroupTree, unmountUnder, which } from '../test/integration/interop/support.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,100,1000' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    concurrent: { type: 'string', default: '20' },
    remove: { type: 'string', default: '100' },
    'burst-rounds': { type: 'string', default: '3' },
    'skip-burst': { type: 'boolean', default: false },
    'skip-sizes': { type: 'boolean', default: false },
    'cap-ms': { type: 'string', default: '20000' },
    prof: { type: 'string' },
    'berth-base': { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const concurrent = Number(values.concurrent);
const removeCount = Number(values.remove);
const burstRounds = Number(values['burst-rounds']);
const cap = Number(values['cap-ms']);
const TOP = resolve(import.meta.dirname, '..');
const BERTH = join(TOP, 'dist/berth.mjs');
const CLIENT = join(TOP, 'build/berth-client');
const RUNTIME = join(TOP, 'dist/berth-runtime.mjs');
const IMAGE = 'localhost/berth-bench/busybox:latest';
const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

const work = makeTemp('berth-bench-scale-');
const logDir = join(work, 'logs');
mkdirSync(logDir);
let seq = 0;

/** Runs argv to completion, stdout discarded, and returns the wall time in ms; with `limitMs`, a
 * command still running then is killed and Infinity returned. */
function timed(argv: string[], env?: NodeJS.ProcessEnv, limitMs?: number): number {
  const errPath = join(logDir, `err-${seq++}`);
  const err = openSync(errPath, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', err], env: env ?? process.env, timeout: limitMs ?? 600_000, killSignal: 'SIGKILL', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(err);
  if (limitMs !== undefined && r.signal === 'SIGKILL') { rmSync(errPath, { force: true }); return Infinity; }
  const stderr = readFileSync(errPath, 'utf8');
  rmSync(errPath, { force: true });
  if (r.status !== 0) throw new Error(`${argv.join(' ').slice(0, 400)} → ${r.status ?? r.signal}\n${stderr}`);
  return ms;
}

/** The same, asynchronously (for concurrent commands); output to files (a monitor may inherit it). */
function timedAsync(argv: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const errPath = join(logDir, `err-${seq++}`);
  const err = openSync(errPath, 'w');
  const t0 = process.hrtime.bigint();
  const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', err], env: env ?? process.env });
  closeSync(err);
  return new Promise((res, rej) => {
    c.on('error', rej);
    c.on('exit', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const stderr = readFileSync(errPath, 'utf8');
      rmSync(errPath, { force: true });
      if (code !== 0) rej(new Error(`${argv.join(' ').slice(0, 400)} → ${code ?? signal}\n${stderr}`));
      else res(ms);
    });
  });
}

function quiet(argv: string[], env?: NodeJS.ProcessEnv): { code: number | null; out: string; err: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env, timeout: 600_000, maxBuffer: 1 << 30 });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** Runs the argv lists `width` at a time. */
async function pool(cmds: string[][], width: number, env?: NodeJS.ProcessEnv): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < cmds.length) await timedAsync(cmds[next++], env);
  }));
}

// ---- the images: N distinct images in docker-archives ---------------------------------------

interface Layout { layers: { gz: Buffer; diffId: string }[]; config: Record<string, unknown> }

function readLayout(dir: string): Layout {
  const blob = (d: string) => readFileSync(join(dir, 'blobs', 'sha256', d.replace(/^sha256:/, '')));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(blob(index.manifests[0].digest).toString()) as { config: { digest: string }; layers: { digest: string }[] };
  const config = JSON.parse(blob(manifest.config.digest).toString()) as Record<string, unknown>;
  const layers = manifest.layers.map((l) => { const gz = blob(l.digest); return { gz, diffId: sha256(gunzipSync(gz)) }; });
  return { layers, config };
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A docker-archive with images [from, to): each a config of its own (a label), the same layers. */
function imageArchive(layout: Layout, from: number, to: number): string {
  const dir = join(work, `archive-${from}-${to}`);
  mkdirSync(dir);
  const layerNames = layout.layers.map((l) => {
    const name = `${l.diffId.slice(7)}.tar`;
    writeFileSync(join(dir, name), gunzipSync(l.gz));
    return name;
  });
  const manifest = [];
  for (let i = from; i < to; i++) {
    const c = structuredClone(layout.config) as { config: Record<string, unknown> };
    c.config = { ...c.config, Labels: { 'berth.bench.image': String(i) } };
    const bytes = Buffer.from(JSON.stringify(c));
    const name = `${sha256(bytes).slice(7)}.json`;
    writeFileSync(join(dir, name), bytes);
    manifest.push({ Config: name, RepoTags: [imageName(i)], Layers: layerNames });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const tar = `${dir}.tar`;
  timed(['tar', '-C', dir, '-cf', tar, '.']);
  rmSync(dir, { recursive: true, force: true });
  return tar;
}

const imageName = (i: number) => `localhost/scale/img${i}:latest`;

// ---- the contenders ------------------------------------------------------------------------

interface Contender {
  name: string;
  /** Contenders with the same store share the store's growth. */
  store: string;
  base: string[];
  burstBase: string[];
  env: NodeJS.ProcessEnv;
  setup(): void | Promise<void>;
  create(base: string[], name: string): string[];
  runDetached(base: string[], name: string): string[];
  ids(base: string[]): string[];
  removeAll(base: string[], ids: string[]): string[];
  teardown(): void | Promise<void>;
}

function berthStore(cli = CLIENT, runtime = RUNTIME): { dir: string; base: string[]; burstBase: string[] } {
  const dir = join(work, 'berth');
  const b = (d: string) => [cli, '--root', join(d, 'root'), '--run-root', join(d, 'run'), '--runtime', runtime];
  return { dir, base: b(dir), burstBase: b(join(dir, 'burst')) };
}

function berth(name: string, daemon: boolean, build?: string): Contender {
  const { dir, base, burstBase } = build ? berthStore(build, join(dirname(build), 'berth-runtime.mjs')) : berthStore();
  const socket = join(work, `${name}.sock`);
  const env = daemon ? { ...process.env, BERTH_DAEMON_SOCKET: socket } : { ...process.env, BERTH_NO_DAEMON: '1' };
  let proc: ChildProcess | undefined;
  let log = '';
  return {
    name, store: 'berth', base, burstBase, env,
    async setup() {
      mkdirSync(dir, { recursive: true });
      if (!daemon) return;
      proc = spawn(BERTH, ['system', 'service', '--socket', socket, '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      proc.stderr!.on('data', (d) => (log += d));
      const deadline = Date.now() + 30_000;
      while (quiet([CLIENT, 'version'], { ...env, BERTH_DAEMON_REQUIRED: '1' }).code !== 0) {
        if (Date.now() > deadline) throw new Error(`berthd did not start serving within 30 s: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    create: (b, n) => [...b, 'create', '--network', 'none', '--name', n, IMAGE, 'sleep', '1000'],
    runDetached: (b, n) => [...b, 'run', '-d', '--network', 'none', '--name', n, IMAGE, 'sleep', '1000'],
    ids: (b) => quiet([...b, 'ps', '-aq', '--no-trunc'], env).out.split('\n').filter(Boolean),
    removeAll: (b, ids) => [...b, 'rm', '-f', ...ids],
    async teardown() {
      if (proc?.exitCode === null) {
        const gone = new Promise((r) => proc!.once('close', r));
        proc.kill('SIGTERM');
        await gone;
        const summary = log.split('\n').find((l) => l.includes('stopped:'));
        if (summary) console.log(`${name}: ${summary.replace(/^berthd: stopped: /, '')}`);
      }
      if (daemon || build || !existsSync(dir)) return; // the plain contender removes the shared store
      const noDaemon = { ...process.env, BERTH_NO_DAEMON: '1' };
      for (const b of [base, burstBase]) {
        const l = quiet([...b, 'ps', '-aq', '--no-trunc'], noDaemon).out.split('\n').filter(Boolean);
        if (l.length) quiet([...b, 'rm', '-f', ...l], noDaemon);
      }
      killMentioning(`${dir}/`);
      unmountUnder(dir);
    },
  };
}

const podmanHostDirs = ['/run/containers', '/run/libpod', '/sys/fs/cgroup/memory/libpod_parent'];
const podmanPreexisting = new Set(podmanHostDirs.filter((d) => existsSync(d)));

function podman(): Contender {
  const dir = join(work, 'podman');
  const conf = join(dir, 'containers.conf');
  const env = { ...process.env, TMPDIR: join(dir, 'vartmp'), CONTAINERS_CONF: conf };
  const b = (d: string) => ['podman', '--root', join(d, 'root'), '--runroot', join(d, 'runroot'), '--tmpdir', join(d, 'libpod'),
    '--network-config-dir', join(d, 'net'), '--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
    '--runtime', 'runc'];
  const base = b(dir), burstBase = b(join(dir, 'burst'));
  const seen = new Set<string>();
  const ids = (x: string[]) => { const l = quiet([...x, 'ps', '-aq', '--no-trunc'], env).out.split('\n').filter(Boolean); l.forEach((i) => seen.add(i)); return l; };
  return {
    name: 'podman', store: 'podman', base, burstBase, env,
    setup() {
      mkdirSync(join(dir, 'vartmp'), { recursive: true });
      writeFileSync(conf, '[network]\ndefault_subnet = "10.89.252.0/24"\n');
    },
    create: (x, n) => [...x, 'create', '--network', 'none', '--name', n, ...ULIMITS, IMAGE, 'sleep', '1000'],
    runDetached: (x, n) => [...x, 'run', '-d', '--network', 'none', '--name', n, ...ULIMITS, IMAGE, 'sleep', '1000'],
    ids,
    removeAll: (x, l) => [...x, 'rm', '-f', '-t', '0', ...l],
    teardown() {
      if (!existsSync(dir)) return;
      for (const x of [base, burstBase]) {
        ids(x);
        quiet([...x, 'rm', '-a', '-f', '-t', '0'], env);
        quiet([...x, 'rmi', '-a', '-f'], env);
      }
      killMentioning(`${dir}/`);
      for (const i of seen) removeCgroupTree(`libpod_parent/libpod-${i}`);
      unmountUnder(dir);
    },
  };
}

// ---- the run -------------------------------------------------------------------------------

const all: Contender[] = [];
if (existsSync(BERTH) && existsSync(CLIENT)) all.push(berth('berth', false), berth('berthd', true));
if (values['berth-base']) all.push(berth('berth-base', false, resolve(values['berth-base'])));
if (which('podman') && which('conmon') && which('runc')) all.push(podman());
const only = values.only?.split(',');
const active = only ? all.filter((c) => only.includes(c.name)) : all;
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const names = () => active.map((c) => c.name);
const fmtMs = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(0) : `> ${(cap * 3 / 1000).toFixed(0)} s`);
const OPS = ['ps -a', 'images', 'inspect', 'image inspect'] as const;
type Op = typeof OPS[number];
const sizeResults = new Map<number, Map<string, Map<Op, number[]>>>();
const burst = new Map<string, { run: number[]; rm: number[] }>();
const loads: string[] = [];
const bigRemove = new Map<string, number>();
const loadNow = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

try {
  const layoutDir = join(work, 'layout');
  buildOciLayout(layoutDir, { tag: IMAGE });
  const layout = readLayout(layoutDir);
  const bbTar = join(work, 'busybox.tar');
  timed(['tar', '-C', layoutDir, '-cf', bbTar, '.']);
  for (const c of active) await c.setup();
  const stores = [...new Map(active.map((c) => [c.store, c])).values()];
  for (const c of stores) {
    for (const b of [c.base, c.burstBase]) timed([...b, 'load', '-q', '-i', bbTar], c.env);
  }

  if (!values['skip-burst']) {
    for (let r = 0; r < burstRounds; r++) {
      for (const c of r % 2 === 0 ? active : [...active].reverse()) {
        const t0 = process.hrtime.bigint();
        await Promise.all(Array.from({ length: concurrent }, (_, i) => timedAsync(c.runDetached(c.burstBase, `b${r}-${i}`), c.env)));
        const runMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const extra = Array.from({ length: Math.max(0, removeCount - concurrent) }, (_, i) => c.create(c.burstBase, `c${r}-${i}`));
        await pool(extra, 4, c.env);
        const ids = c.ids(c.burstBase);
        if (ids.length !== Math.max(removeCount, concurrent)) throw new Error(`${c.name}: ${ids.length} containers before rm, expected ${removeCount}`);
        const rmMs = timed(c.removeAll(c.burstBase, ids), c.env);
        if (c.ids(c.burstBase).length) throw new Error(`${c.name}: containers left after rm -f`);
        const e = burst.get(c.name) ?? { run: [], rm: [] };
        e.run.push(runMs); e.rm.push(rmMs);
        burst.set(c.name, e);
        console.error(`burst round ${r} ${c.name}: ${concurrent} run -d ${runMs.toFixed(0)} ms, rm -f ${ids.length} ${rmMs.toFixed(0)} ms (load ${loadNow()})`);
      }
    }
  }

  if (!values['skip-sizes']) {
    let have = 0;
    for (const n of sizes) {
      // Grow every store to n containers (three of them running) and n images.
      const archive = imageArchive(layout, have, n);
      for (const c of stores) {
        const t0 = Date.now();
        timed([...c.base, 'load', '-q', '-i', archive], c.env);
        const started = have === 0 ? 3 : 0;
        for (let i = 0; i < started; i++) timed(c.runDetached(c.base, `s${i}`), c.env);
        await pool(Array.from({ length: n - have - started }, (_, i) => c.create(c.base, `s${have + started + i}`)), 4, c.env);
        const got = c.ids(c.base).length;
        if (got !== n) throw new Error(`${c.name}: ${got} containers, expected ${n}`);
        console.error(`${c.store}: grown to ${n} in ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${loadNow()})`);
      }
      rmSync(archive, { force: true });
      have = n;
      const target = `s${Math.floor(n / 2)}`, image = imageName(Math.floor(n / 2));
      const argv = (c: Contender, op: Op) => op === 'ps -a' ? [...c.base, 'ps', '-a'] : op === 'images' ? [...c.base, 'images']
        : op === 'inspect' ? [...c.base, 'inspect', target] : [...c.base, 'image', 'inspect', image];
      const res = new Map(active.map((c) => [c.name, new Map(OPS.map((o) => [o, [] as number[]]))]));
      sizeResults.set(n, res);
      const capped = new Set<string>();
      for (let r = -1; r < rounds; r++) { // one warm-up round
        for (const c of r % 2 === 0 ? active : [...active].reverse()) {
          for (const op of OPS) {
            if (capped.has(`${c.name} ${op}`)) continue;
            const ms = timed(argv(c, op), c.env, cap * 3);
            if (r >= 0 || ms > cap) res.get(c.name)!.get(op)!.push(ms);
            if (ms > cap) capped.add(`${c.name} ${op}`);
          }
        }
      }
      loads.push(`${n}: ${loadNow()}`);
      console.log(`size ${n} (load ${loadNow()}): ${names().map((c) => `${c} ${OPS.map((o) => `${o} ${fmtMs(q(res.get(c)!.get(o)!, 0.5))}`).join(', ')}`).join('; ')}`);
      if (n === sizes[sizes.length - 1]) {
        // rm -f of --remove created containers out of the big store, by every contender (each
        // its own: containers s3.. are the created ones).
        const taken = new Map<string, number>();
        for (const c of active) {
          const off = taken.get(c.store) ?? 0;
          taken.set(c.store, off + removeCount);
          const victims = Array.from({ length: Math.min(removeCount, n - 3 - off) }, (_, i) => `s${n - 1 - off - i}`);
          // A store smaller than --remove per contender leaves the later ones nothing to remove.
          if (!victims.length) continue;
          const ms = timed(c.removeAll(c.base, victims), c.env);
          bigRemove.set(c.name, ms);
          console.log(`rm -f of ${victims.length} created containers out of ${n}: ${c.name} ${ms.toFixed(0)} ms (load ${loadNow()})`);
        }
      }
      const berthPlain = active.find((c) => c.name === 'berth');
      if (values.prof && berthPlain) {
        for (const op of OPS) {
          const d = resolve(values.prof, `${n}-${op.replace(' ', '-')}`);
          timed(argv(berthPlain, op), { ...berthPlain.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${d}` });
        }
      }
    }
  }
} finally {
  for (const c of active) {
    try { await c.teardown(); } catch (e) { console.error(`teardown of ${c.name}: ${(e as Error).message}`); }
  }
  for (const d of ['/run/containers', '/run/libpod']) if (!podmanPreexisting.has(d)) rmSync(d, { recursive: true, force: true });
  if (!podmanPreexisting.has('/sys/fs/cgroup/memory/libpod_parent')) removeCgroupTree('libpod_parent');
  unmountUnder(work);
  removeTemp(work);
}

// ---- the report ----------------------------------------------------------------------------

const ref = names().includes('podman') ? 'podman' : names()[0];
if (sizeResults.size) {
  console.log(`\nstore sizes, ${rounds} interleaved rounds, median ms (ratio to ${ref}); load average after each size: ${loads.join(', ')}`);
  console.log(`| command | ${[...sizeResults.keys()].flatMap((n) => names().map((c) => `${c} ${n}`)).join(' | ')} |`);
  console.log(`|---|${[...sizeResults.keys()].flatMap(() => names().map(() => '---')).join('|')}|`);
  for (const op of OPS) {
    const cells: string[] = [];
    for (const [, res] of sizeResults) {
      const refMed = q(res.get(ref)!.get(op)!, 0.5);
      for (const c of names()) {
        const med = q(res.get(c)!.get(op)!, 0.5);
        cells.push(Number.isFinite(med) ? `${med.toFixed(0)} (${(med / refMed).toFixed(2)})` : `> ${(cap * 3 / 1000).toFixed(0)} s`);
      }
    }
    console.log(`| \`${op}\` | ${cells.join(' | ')} |`);
  }
}
if (burst.size) {
  console.log(`\nbursts, ${burstRounds} rounds, median ms (min–max): ${concurrent} concurrent \`run -d\`; one \`rm -f\` of ${Math.max(removeCount, concurrent)} (${concurrent} running)`);
  console.log('| tool | run -d ×' + concurrent + ' | rm -f ×' + Math.max(removeCount, concurrent) + ' |\n|---|---|---|');
  for (const [name, e] of burst) {
    const f = (xs: number[]) => `${q(xs, 0.5).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    console.log(`| ${name} | ${f(e.run)} | ${f(e.rm)} |`);
  }
}
for (const [name, ms] of bigRemove) console.log(`rm -f of ${Math.min(removeCount, sizes[sizes.length - 1] - 3)} created containers out of ${sizes[sizes.length - 1]}: ${name} ${ms.toFixed(0)} ms`);
console.log(`load average at the end: ${loadNow()}`);
