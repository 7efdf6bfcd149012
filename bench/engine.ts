// Engine benchmark: `run --rm busybox true` (no network, then a bridge network) and 30 detached
// `sleep 1000` containers, berth beside podman (crun and runc), containerd's `ctr` (runc shim)
// and docker when a docker engine is running. Interleaved round by round so that machine noise
// hits every tool alike; medians, p90 and the ratio to berth. For the detached phase: the time
// to start them all with sequential CLI calls, and the memory of each monitor process (conmon,
// containerd-shim) from /proc/PID/smaps_rollup.
//
//   node bench/engine.ts [--rounds 20] [--only berth,podman-crun,...] [--skip-detached] [--count 30]
//                        [--nets none,bridge] [--berth-base PATH]   # another berth build's dist/berth.mjs as "berth-base"
//                                              # (and "berthd-base": its berthd and client)
//
// Every berth contender (but berth-runc) runs its own tree's dist/berth-runtime.mjs (--runtime),
// not the berth-runtime on PATH, so that each gets the in-process runtime path.
//
// Every tool keeps its state under one temp dir (podman --root/--runroot/--tmpdir/
// --network-config-dir, a containerd of our own with its own sockets and namespace, berth
// --root/--run-root); the finally block removes the containers, monitors, mounts, cgroups and
// iptables chains this run created, then the temp dir.
//
// Host quirks (see bench/runtime.ts): crun 1.8 refuses this hybrid cgroup layout, so podman+crun
// runs podman itself inside a private mount namespace where an empty file hides
// /sys/fs/cgroup/unified/cgroup.controllers; root lacks CAP_SYS_RESOURCE, so podman gets
// ulimits under the hard limit. podman's default subnet is moved off berth's (both 10.88/16).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { buildOciLayout } from '../test/helpers/images.ts';
import { iptablesChains, killMentioning, removeCgroupTree, removeIptablesChains, unmountUnder, which } from '../test/integration/interop/support.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    only: { type: 'string' },
    'skip-detached': { type: 'boolean', default: false },
    count: { type: 'string', default: '30' },
    'berth-base': { type: 'string' },
    nets: { type: 'string', default: 'none,bridge' },
  },
});
const rounds = Number(values.rounds);
const count = Number(values.count);
const TOP = resolve(import.meta.dirname, '..');
const BERTH = existsSync(join(TOP, 'dist/berth.mjs')) ? join(TOP, 'dist/berth.mjs') : which('berth');
const CLIENT = join(TOP, 'build/berth-client');
const IMAGE_NAME = 'localhost/berth-bench/busybox:latest';
const CTR_IMAGE = 'docker.io/library/berth-bench-busybox:latest';
// Root lacks CAP_SYS_RESOURCE here: podman's default nofile (1048576) is over the hard limit.
const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

type Net = 'none' | 'bridge';

interface Contender {
  name: string;
  /** Runs once before the first round (image load, daemon start); not timed. */
  setup(): void | Promise<void>;
  /** argv of `run --rm IMAGE true`; null when the tool has no such network. */
  runRm(net: Net, id: string): string[] | null;
  /** argv of a detached `sleep 1000` named `id`. */
  runDetached(id: string): string[];
  /** Pids of the per-container monitor processes. */
  monitors(): number[];
  /** argv lists that remove every container (timed as "rm all"). */
  removeAll(): string[][];
  /** Removes everything left; must not throw. */
  teardown(): void | Promise<void>;
  env?: NodeJS.ProcessEnv;
}

const work = makeTemp('berth-bench-engine-');
const logDir = join(work, 'logs');
mkdirSync(logDir);
let seq = 0;

/** Runs argv to completion (stdout discarded, stderr to a file: a detached monitor may inherit
 * it) and returns the wall time in ms; throws with the stderr on failure. */
function timed(argv: string[], env?: NodeJS.ProcessEnv): number {
  const errPath = join(logDir, `err-${seq++}`);
  const err = openSync(errPath, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', err], env: env ?? process.env, timeout: 120_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(err);
  const stderr = readFileSync(errPath, 'utf8');
  rmSync(errPath, { force: true });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} → ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}\n${stderr}`);
  return ms;
}

/** timed(), tried a second time after a failure (reported): the default bridge (berth0,
 * podman0) is host-wide, and another user's teardown may delete it under a running bench. */
function timedRetry(argv: string[], env?: NodeJS.ProcessEnv): number {
  try { return timed(argv, env); } catch (e) {
    console.error(`retrying after: ${(e as Error).message.trim()}`);
    return timed(argv, env);
  }
}

function quiet(argv: string[], env?: NodeJS.ProcessEnv): { code: number | null; out: string; err: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env, timeout: 120_000 });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** Live processes named `comm` whose command line mentions `needle`. */
function processesOf(comm: string, needle: string): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== comm || /[ZX]/.test(stat[close + 2])) continue;
      if (readFileSync(`/proc/${n}/cmdline`, 'latin1').includes(needle)) out.push(Number(n));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** Rss and Pss of a process in kB (smaps_rollup). */
function memoryOf(pid: number): { rss: number; pss: number } | null {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const f = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? NaN);
    return { rss: f('Rss'), pss: f('Pss') };
  } catch { return null; }
}

// ---- the contenders ----------------------------------------------------------------------------

/** Each berth build's own berth-runtime (dist/ beside its launcher): the engine serves only its
 * own tree's runtime in process (engine/runtime.ts isOwnRuntime), so a build given the
 * berth-runtime on PATH (another tree's) would lose that fast path and the comparison be unfair. */
const ownRuntime = (cli: string) => join(dirname(realpathSync(cli)), 'berth-runtime.mjs');

function berth(name: string, runtime: string | undefined, cli = BERTH!): Contender {
  const dir = join(work, name);
  runtime ??= ownRuntime(cli);
  const base = [cli, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), ...(runtime ? ['--runtime', runtime] : [])];
  const ids = () => quiet([...base, 'ps', '-aq', '--no-trunc']).out.split('\n').filter(Boolean);
  return {
    name,
    setup() { timed([...base, 'load', '-q', '-i', join(work, 'image.tar')]); },
    runRm: (net) => [...base, 'run', '--rm', '--network', net === 'none' ? 'none' : 'bridge', IMAGE_NAME, 'true'],
    runDetached: (id) => [...base, 'run', '-d', '--network', 'none', '--name', id, IMAGE_NAME, 'sleep', '1000'],
    monitors: () => processesOf('conmon', dir),
    removeAll: () => { const l = ids(); return l.length ? [[...base, 'rm', '-f', ...l]] : []; },
    teardown() {
      if (!existsSync(join(dir, 'root'))) return;
      const l = ids();
      if (l.length) quiet([...base, 'rm', '-f', ...l]);
      killMentioning(`${dir}/`); // the slash: a sibling's directory name may start with this one's
      unmountUnder(dir);
    },
  };
}

/** berth through berthd: the native client (build/berth-client) hands each command to one of
 * the daemon's warm workers. The daemon is started in setup (not timed) and stopped at the end;
 * a command it cannot serve at once (all workers busy or booting) runs in the plain CLI, as it
 * would for a user: the daemon's own count of both is printed at the end. */
function berthd(name: string, cli = BERTH!): Contender {
  const dir = join(work, name);
  const socket = join(dir, 'berthd.sock');
  const env = { ...process.env, BERTH_DAEMON_SOCKET: socket };
  // The build's own client (build/ beside dist/).
  const client = join(dirname(realpathSync(cli)), '../build/berth-client');
  const inner = berth(name, ownRuntime(cli), client);
  let daemon: ChildProcess | undefined;
  let log = '';
  return {
    ...inner, env,
    async setup() {
      mkdirSync(dir, { recursive: true });
      // No Docker API socket (it would take /run/berth/docker.sock); a build from before the API
      // has no such flag.
      const noApi = cli === BERTH ? ['--docker-socket', ''] : [];
      daemon = spawn(cli, ['system', 'service', '--socket', socket, '--workers', '2', ...noApi], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      daemon.stderr!.on('data', (d) => (log += d));
      const deadline = Date.now() + 30_000;
      while (quiet([client, 'version'], { ...env, BERTH_DAEMON_REQUIRED: '1' }).code !== 0) {
        if (Date.now() > deadline) throw new Error(`berthd did not start serving within 30 s: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      timed([client, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), '--runtime', ownRuntime(cli), 'load', '-q', '-i', join(work, 'image.tar')], env);
    },
    async teardown() {
      // The daemon first: the inner teardown kills whatever mentions the directory.
      if (daemon?.exitCode === null) {
        const gone = new Promise((r) => daemon!.once('close', r));
        daemon.kill('SIGTERM');
        await gone;
        const summary = log.split('\n').find((l) => l.includes('stopped:'));
        if (summary) console.log(`${name}: ${summary.replace(/^berthd: stopped: /, '')}`);
      }
      await inner.teardown();
    },
  };
}

/** podman's host-wide leftovers: removed at the end only if they were not there before. */
const podmanHostDirs = ['/run/containers', '/run/libpod', '/sys/fs/cgroup/memory/libpod_parent'];
const podmanPreexisting = new Set(podmanHostDirs.filter((d) => existsSync(d)));
const netavarkBefore = iptablesChains('NETAVARK').length > 0;
const podman0Before = quiet(['ip', 'link', 'show', 'podman0']).code === 0;
const berth0Before = quiet(['ip', 'link', 'show', 'berth0']).code === 0;
let crunNs: string | null = null;

function podman(name: string, runtime: 'crun' | 'runc'): Contender {
  const dir = join(work, name);
  const conf = join(dir, 'containers.conf');
  const env = { ...process.env, TMPDIR: join(dir, 'vartmp'), CONTAINERS_CONF: conf };
  let prefix: string[] = [];
  const base = () => [...prefix, 'podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--tmpdir', join(dir, 'libpod'),
    '--network-config-dir', join(dir, 'net'), '--storage-driver', 'overlay', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
    '--runtime', runtime];
  const ids = () => quiet([...base(), 'ps', '-aq', '--no-trunc'], env).out.split('\n').filter(Boolean);
  const seen = new Set<string>();
  return {
    name, env,
    setup() {
      mkdirSync(join(dir, 'vartmp'), { recursive: true });
      // Both engines default to 10.88.0.0/16; two bridges on one subnet would break routing.
      writeFileSync(conf, `[network]\ndefault_subnet = "10.89.${runtime === 'crun' ? 250 : 251}.0/24"\n`);
      timed([...base(), 'load', '-q', '-i', join(work, 'image.tar')], env);
      if (runtime === 'crun') {
        const probe = quiet([...base(), 'run', '--rm', '--network', 'none', ...ULIMITS, IMAGE_NAME, 'true'], env);
        if (probe.code !== 0) {
          if (!/cgroup/i.test(probe.err)) throw new Error(`podman+crun: ${probe.err}`);
          console.log(`podman+crun: crun refuses this host (${probe.err.trim().split('\n').pop()}); podman runs in a private mount namespace with the hybrid cgroup2 controllers file hidden`);
          prefix = ['nsenter', `--mount=${hiddenCgroupNs()}`];
          const again = quiet([...base(), 'run', '--rm', '--network', 'none', ...ULIMITS, IMAGE_NAME, 'true'], env);
          if (again.code !== 0) throw new Error(`podman+crun in the private namespace: ${again.err}`);
        }
      }
    },
    runRm: (net) => [...base(), 'run', '--rm', ...(net === 'none' ? ['--network', 'none'] : []), ...ULIMITS, IMAGE_NAME, 'true'],
    runDetached: (id) => [...base(), 'run', '-d', '--network', 'none', '--name', id, ...ULIMITS, IMAGE_NAME, 'sleep', '1000'],
    monitors: () => processesOf('conmon', dir),
    removeAll: () => { const l = ids(); l.forEach((i) => seen.add(i)); return l.length ? [[...base(), 'rm', '-f', '-t', '0', ...l]] : []; },
    teardown() {
      if (!existsSync(join(dir, 'root'))) return;
      for (const i of ids()) seen.add(i);
      quiet([...base(), 'rm', '-a', '-f', '-t', '0'], env);
      quiet([...base(), 'rmi', '-a', '-f'], env);
      killMentioning(`${dir}/`); // the slash: a sibling's directory name may start with this one's
      for (const i of seen) removeCgroupTree(`libpod_parent/libpod-${i}`);
      unmountUnder(dir);
    },
  };
}

/** A persistent private mount namespace (bench/runtime.ts's workaround for crun). */
function hiddenCgroupNs(): string {
  if (crunNs) return crunNs;
  const ns = join(work, 'crun-mntns');
  writeFileSync(ns, '');
  const empty = join(work, 'empty');
  writeFileSync(empty, '');
  crunNs = ns;
  timed(['unshare', `--mount=${ns}`, '--propagation', 'private', 'mount', '--bind', empty, '/sys/fs/cgroup/unified/cgroup.controllers']);
  return ns;
}

function ctr(): Contender {
  const dir = join(work, 'ctr');
  const sock = join(dir, 'containerd.sock');
  const ns = `berth-bench-${process.pid}`;
  const base = ['ctr', '-a', sock, '-n', ns];
  const opts = ['--runc-root', join(dir, 'runc-root'), '--fifo-dir', join(dir, 'fifo')];
  const hadRunContainerd = existsSync('/run/containerd');
  const hadShimDir = existsSync('/run/containerd/s');
  let daemon: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  const ids = () => quiet([...base, 'containers', 'list', '-q']).out.split('\n').filter(Boolean);
  const removeCmds = (l: string[]) => l.flatMap((id) => [[...base, 'task', 'kill', '-s', 'KILL', id], [...base, 'task', 'delete', '-f', id], [...base, 'containers', 'delete', id]]);
  return {
    name: 'ctr',
    async setup() {
      mkdirSync(dir, { recursive: true });
      const config = join(dir, 'config.toml');
      writeFileSync(config, [
        'version = 2', `root = "${dir}/root"`, `state = "${dir}/state"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]', `  address = "${sock}"`, '[ttrpc]', `  address = "${sock}.ttrpc"`,
        '[debug]', '  address = ""', '[metrics]', '  address = ""',
        '[plugins."io.containerd.internal.v1.opt"]', `  path = "${dir}/opt"`, '',
      ].join('\n'));
      const log = openSync(join(dir, 'containerd.log'), 'w');
      daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', log, log] });
      closeSync(log);
      exited = new Promise((res) => daemon!.on('exit', () => res()));
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(sock)) throw new Error(`containerd did not start: ${readFileSync(join(dir, 'containerd.log'), 'utf8')}`);
      timed([...base, 'images', 'import', join(work, 'image.tar')]);
      // ctr names the image after the layout's ref annotation (or not at all): tag what it made.
      const made = quiet([...base, 'images', 'ls', '-q']).out.split('\n').filter(Boolean);
      if (!made.includes(CTR_IMAGE)) {
        if (!made.length) throw new Error('ctr images import made no image');
        timed([...base, 'images', 'tag', made[0], CTR_IMAGE]);
      }
    },
    // ctr has no bridge of its own (networking is the CRI plugin's or --cni's job).
    runRm: (net, id) => net === 'none' ? [...base, 'run', '--rm', ...opts, CTR_IMAGE, id, 'true'] : null,
    runDetached: (id) => [...base, 'run', '-d', ...opts, CTR_IMAGE, id, 'sleep', '1000'],
    monitors: () => processesOf('containerd-shim', sock),
    removeAll: () => removeCmds(ids()),
    async teardown() {
      if (daemon) {
        for (const a of removeCmds(ids())) quiet(a);
        daemon.kill('SIGTERM');
        const timer = setTimeout(() => daemon?.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      killMentioning(`${dir}/`); // the slash: a sibling's directory name may start with this one's
      removeCgroupTree(ns);
      unmountUnder(dir);
      // The shims' sockets live under /run/containerd/s whatever the config says (containerd 1.6).
      if (!hadShimDir) try { rmdirSync('/run/containerd/s'); } catch { /* in use by another containerd */ }
      if (!hadRunContainerd) try { rmdirSync('/run/containerd'); } catch { /* in use by another containerd */ }
    },
  };
}

function docker(): Contender {
  const name = 'berth-bench-busybox:latest';
  const label = `berth-bench=${process.pid}`;
  const ids = () => quiet(['docker', 'ps', '-aq', '--filter', `label=${label}`]).out.split('\n').filter(Boolean);
  return {
    name: 'docker',
    setup() {
      timed(['docker', 'load', '-q', '-i', join(work, 'image.tar')]);
    },
    runRm: (net) => ['docker', 'run', '--rm', '--label', label, '--network', net, name, 'true'],
    runDetached: (id) => ['docker', 'run', '-d', '--label', label, '--network', 'none', '--name', id, name, 'sleep', '1000'],
    monitors: () => processesOf('containerd-shim', 'moby'),
    removeAll: () => { const l = ids(); return l.length ? [['docker', 'rm', '-f', ...l]] : []; },
    teardown() {
      const l = ids();
      if (l.length) quiet(['docker', 'rm', '-f', ...l]);
      quiet(['docker', 'rmi', name]);
    },
  };
}

// ---- the run -------------------------------------------------------------------------------------

const notAvailable: string[] = [];
const all: Contender[] = [];
if (BERTH) all.push(berth('berth', undefined), berth('berth-runc', 'runc'));
if (BERTH && existsSync(CLIENT)) all.push(berthd('berthd'));
else notAvailable.push('berth (not built: bash scripts/build.sh)');
if (values['berth-base']) {
  const base = resolve(values['berth-base']);
  all.push(berth('berth-base', undefined, base));
  if (existsSync(join(dirname(base), '../build/berth-client'))) all.push(berthd('berthd-base', base));
}
if (which('podman') && which('conmon')) {
  if (which('crun')) all.push(podman('podman-crun', 'crun'));
  if (which('runc')) all.push(podman('podman-runc', 'runc'));
} else notAvailable.push('podman');
if (which('containerd') && which('ctr') && which('containerd-shim-runc-v2')) all.push(ctr());
else notAvailable.push('ctr');
if (which('docker') && quiet(['timeout', '5', 'docker', 'info']).code === 0) all.push(docker());
else notAvailable.push('docker (no docker engine running)');

const only = values.only?.split(',');
const active = only ? all.filter((c) => only.includes(c.name)) : all;
const results = new Map<string, Map<string, number[]>>();
const detached: { name: string; startMs: number; rmMs: number; monitors: number; rss: number[]; pss: number[] }[] = [];

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

try {
  const layout = buildOciLayout(join(work, 'layout'), { tag: IMAGE_NAME });
  timed(['tar', '-C', layout.dir, '-cf', join(work, 'image.tar'), '.']);
  for (const c of active) await c.setup();

  for (const net of values.nets.split(',') as Net[]) {
    const who = active.filter((c) => c.runRm(net, 'probe') !== null);
    const times = new Map<string, number[]>(who.map((c) => [c.name, []]));
    results.set(net, times);
    for (let i = -2; i < rounds; i++) { // two warm-up rounds, not counted
      const order = i % 2 === 0 ? who : [...who].reverse();
      for (const c of order) {
        const ms = timedRetry(c.runRm(net, `bench-${net}-${i + 2}`)!, c.env);
        if (i >= 0) times.get(c.name)!.push(ms);
      }
    }
  }

  if (!values['skip-detached']) {
    for (const c of active) {
      let startMs = 0;
      for (let i = 0; i < count; i++) startMs += timed(c.runDetached(`bench-d${i}`), c.env);
      // Monitors settle (podman's conmon, the shim) once the CLI is gone; read them right away.
      const pids = c.monitors();
      const mem = pids.map(memoryOf).filter((m): m is { rss: number; pss: number } => !!m);
      const t0 = process.hrtime.bigint();
      for (const argv of c.removeAll()) {
        try { timed(argv, c.env); } catch { /* ctr task kill of an already dead task, etc. */ }
      }
      const rmMs = Number(process.hrtime.bigint() - t0) / 1e6;
      detached.push({ name: c.name, startMs, rmMs, monitors: pids.length, rss: mem.map((m) => m.rss), pss: mem.map((m) => m.pss) });
    }
  }
} finally {
  for (const c of active) {
    try { await c.teardown(); } catch (e) { console.error(`teardown of ${c.name}: ${(e as Error).message}`); }
  }
  if (crunNs && existsSync(crunNs)) spawnSync('umount', [crunNs]);
  for (const d of ['/run/containers', '/run/libpod']) if (!podmanPreexisting.has(d)) rmSync(d, { recursive: true, force: true });
  if (!podmanPreexisting.has('/sys/fs/cgroup/memory/libpod_parent')) removeCgroupTree('libpod_parent');
  if (!netavarkBefore) removeIptablesChains('NETAVARK');
  if (!podman0Before && quiet(['ip', 'link', 'show', 'podman0']).code === 0) spawnSync('ip', ['link', 'del', 'podman0']);
  // berth's default bridge is shared by every berth root on the host: ours to delete only if it
  // was not there before and nothing (another user's container) is attached to it now.
  if (!berth0Before && quiet(['ip', 'link', 'show', 'berth0']).code === 0 && quiet(['ip', '-o', 'link', 'show', 'master', 'berth0']).out.trim() === '') {
    spawnSync('ip', ['link', 'del', 'berth0']);
  }
  unmountUnder(work);
  removeTemp(work);
}

// ---- the report ----------------------------------------------------------------------------------

const REFERENCE: Record<string, Record<string, string>> = {
  none: { 'podman-crun': '134', 'podman-runc': '149', ctr: '97', docker: '198' },
  bridge: { 'podman-crun': '300', docker: '259' },
};
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`\nengine benchmark, ${rounds} interleaved rounds (load average at the end: ${load})`);
if (notAvailable.length) console.log(`not available: ${notAvailable.join('; ')}`);
for (const [net, times] of results) {
  const base = times.get('berth')?.length ? q(times.get('berth')!, 0.5) : null;
  console.log(`\n\`run --rm busybox true\`, network ${net}`);
  console.log('tool            median ms   p90 ms   ratio to berth   issue\'s figure');
  for (const [name, xs] of times) {
    const med = q(xs, 0.5);
    console.log(`${name.padEnd(15)} ${med.toFixed(1).padStart(9)} ${q(xs, 0.9).toFixed(1).padStart(8)}   ${(base ? (med / base).toFixed(2) : '-').padStart(14)}   ${REFERENCE[net][name] ?? ''}`);
  }
}
if (detached.length) {
  const mb = (kb: number) => (kb / 1024).toFixed(2);
  console.log(`\n${count} detached \`sleep 1000\` (--network none), sequential CLI calls; monitor memory per process`);
  console.log('tool            start all s   per run ms   rm all s   monitors   RSS MB (median)   PSS MB (median)   PSS MB total');
  for (const d of detached) {
    console.log(`${d.name.padEnd(15)} ${(d.startMs / 1000).toFixed(2).padStart(11)} ${(d.startMs / count).toFixed(0).padStart(12)} ${(d.rmMs / 1000).toFixed(2).padStart(10)} ${String(d.monitors).padStart(10)}`
      + ` ${(d.rss.length ? mb(q(d.rss, 0.5)) : '-').padStart(17)} ${(d.pss.length ? mb(q(d.pss, 0.5)) : '-').padStart(17)} ${mb(d.pss.reduce((a, b) => a + b, 0)).padStart(14)}`);
  }
  console.log('issue\'s figures: start all: ctr 2.5 s, podman 3.0 s, docker 6.0 s; conmon ≈ 2 MB RSS / 0.36 MB PSS; containerd-shim ≈ 13 MB RSS / 2.6 MB PSS');
}
