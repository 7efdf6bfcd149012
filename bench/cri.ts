// CRI benchmark: a pod with one container through crictl (runp + create + start, then stopp +
// rmp), berth's CRI (berthd --cri-socket) beside containerd's (Debian's containerd 1.6, its runc
// shim), interleaved round by round; medians and p90, and the memory a running pod costs on the
// host: berth's conmons (the container's; with --pid pod also the infra process's, and that
// berth-pause) against containerd's shim and its pause process (the same berth-pause binary,
// imported as containerd's sandbox image).
//
//   node bench/cri.ts [--rounds 10] [--only berth,containerd] [--trace FILE] [--berth-base TREE] [--pid container|pod] [--run-on tmpfs|disk] [--root-on journal|disk]
//
// The pod's namespace options are kubelet's for a default pod (network and IPC per pod, PID per
// container: NamespaceMode CONTAINER), so berth runs it without an infra process (CRI-O does the
// same); --pid pod asks for one PID namespace per pod (shareProcessNamespace: true, and what an
// absent namespace_options means), for which berth starts its infra process, as before.
//
// Storage as on a standard host. This VM's only file system is an ext4 without a journal, on
// which every new inode skips the inodes deleted in the last ~30 s (ext4 checks recently_deleted
// only without a journal): a create costs 2-3x what it costs on a journaled ext4 once files come
// and go, as they do with every pod. So each engine's run-time state (berth's --run-root,
// containerd's state dir: /run/berth and /run/containerd by default) is on a tmpfs of its own,
// as /run is on a standard host (--run-on disk: under the temp dir), and both roots (images,
// snapshots, records; containerd's bolt database with its fsyncs) are on one journaled ext4, a
// sparse file of the temp dir on a loop device, made by mkfs.ext4's defaults (--root-on disk:
// under the temp dir).
//
// --trace FILE: berthd runs with BERTH_TRACE=1 (its CRI calls' own times and the engine's
// milestones) and its log is copied to FILE at the end (berth-base's to FILE.berth-base). --berth-base TREE: another built tree
// (its dist/berth.mjs and runtime) measured as "berth-base" in the same rounds, for before/after;
// --base-env K=V[,K=V]: environment for berth-base's berthd only (A/B of a switch on one tree).
//
// Needs crictl (cri-tools 1.26, built by hand: $BERTH_CRICTL, PATH or
// /opt/cri-tools/build/bin/linux/amd64/crictl). Each engine keeps its state under one temp dir,
// with a CNI conflist of its own (bridge + portmap, its own bridge and subnet); the finally block
// removes pods, daemons, mounts, cgroups and bridges, then the temp dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { Spawner } from '../src/util/spawner.ts';
import { buildOciLayout, tarGzDir } from '../test/helpers/images.ts';
import { killMentioning, removeCgroupTree, unmountUnder, which } from '../test/integration/interop/support.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, only: { type: 'string' }, trace: { type: 'string' }, 'berth-base': { type: 'string' }, 'base-env': { type: 'string' }, pid: { type: 'string', default: 'container' }, 'run-on': { type: 'string', default: 'tmpfs' }, 'root-on': { type: 'string', default: 'journal' } } });
if (!['tmpfs', 'disk'].includes(values['run-on']!)) throw new Error('--run-on: tmpfs or disk');
if (!['journal', 'disk'].includes(values['root-on']!)) throw new Error('--root-on: journal or disk');
if (!['container', 'pod'].includes(values.pid!)) throw new Error('--pid: container or pod');
/** CRI NamespaceMode: POD 0, CONTAINER 1 (crictl reads the config's JSON into the Go struct: numbers). */
const namespaceOptions = { network: 0, pid: values.pid === 'pod' ? 0 : 1, ipc: 0 };
const rounds = Number(values.rounds);
const TOP = resolve(import.meta.dirname, '..');
const CRICTL = process.env.BERTH_CRICTL || (existsSync('/opt/cri-tools/build/bin/linux/amd64/crictl') ? '/opt/cri-tools/build/bin/linux/amd64/crictl' : which('crictl'));
const IMAGE = 'docker.io/library/berth-bench-busybox:latest';
const PAUSE = 'docker.io/library/berth-bench-pause:1';
const work = makeTemp('berth-bench-cri-');
const tag = String(process.pid % 200);

/** Where the engines' roots go: a journaled ext4 of the bench's own (--root-on journal), made on first use. */
let rootsFs: string | undefined;
function rootDir(name: string): string {
  if (values['root-on'] === 'disk') return join(work, name, 'root');
  if (!rootsFs) {
    const image = join(work, 'roots.ext4');
    const fs = join(work, 'roots');
    mkdirSync(fs);
    try {
      must(['truncate', '-s', '8G', image]);
      must(['mkfs.ext4', '-q', '-F', image]);
      must(['mount', '-o', 'loop', image, fs]);
    } catch (e) {
      console.error(`bench: no journaled ext4 of our own (${(e as Error).message.split('\n')[0]}): the roots stay under the temp dir (as --root-on disk)`);
      values['root-on'] = 'disk';
      return join(work, name, 'root');
    }
    rootsFs = fs;
  }
  const dir = join(rootsFs, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A directory for run-time state: a tmpfs of its own unless --run-on disk (the teardown's unmountUnder takes it away). */
function runDir(path: string): string {
  mkdirSync(path, { recursive: true });
  if (values['run-on'] === 'tmpfs') must(['mount', '-t', 'tmpfs', '-o', 'mode=0711', 'tmpfs', path]);
  return path;
}

function quiet(argv: string[], env?: NodeJS.ProcessEnv): { code: number | null; out: string; err: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env, timeout: 120_000 });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

function must(argv: string[], env?: NodeJS.ProcessEnv): string {
  const r = quiet(argv, env);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} → ${r.code}\n${r.err}`);
  return r.out.trim();
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An OCI layout holding one image: berth-pause at /pause, its entrypoint. */
function pauseLayout(dir: string): void {
  const root = join(work, 'pause-rootfs');
  mkdirSync(root, { recursive: true });
  copyFileSync(join(TOP, 'build/berth-pause'), join(root, 'pause'));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Buffer) => { const d = sha(b); writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), b); return { digest: d, size: b.length }; };
  const layer = tarGzDir(root);
  const diffId = sha(execFileSync('gzip', ['-dc'], { input: layer, maxBuffer: 64 << 20 }));
  const l = put(layer);
  const config = put(Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/pause'] }, rootfs: { type: 'layers', diff_ids: [diffId] },
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l }],
  })));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{
    mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': PAUSE },
  }] }));
}

function conflist(dir: string, name: string, bridge: string, subnet: string): string {
  const conf = join(dir, 'net.d');
  mkdirSync(conf, { recursive: true });
  writeFileSync(join(conf, '10-bench.conflist'), JSON.stringify({ cniVersion: '1.0.0', name, plugins: [
    { type: 'bridge', bridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: join(dir, 'ipam') } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ] }));
  return conf;
}

async function waitFor(path: string, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 300 && !existsSync(path); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!existsSync(path)) throw new Error(`${path} did not appear: ${readFileSync(log, 'utf8')}`);
}

function processesOf(comm: string, needle: string): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== comm || /[ZX]/.test(stat[close + 2])) continue;
      if (!needle || readFileSync(`/proc/${n}/cmdline`, 'latin1').includes(needle)) out.push(Number(n));
    } catch { /* gone */ }
  }
  return out;
}

function memoryOf(pid: number): { rss: number; pss: number } {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const f = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
    return { rss: f('Rss'), pss: f('Pss') };
  } catch { return { rss: 0, pss: 0 }; }
}

/** The pause process of a running sandbox: a berth-pause whose parent is one of `monitors`. */
function pausesUnder(monitors: number[]): number[] {
  return processesOf('pause', '').filter((p) => {
    try { const s = readFileSync(`/proc/${p}/stat`, 'latin1'); return monitors.includes(Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1])); } catch { return false; }
  });
}

interface Engine { name: string; sock: string; dir: string; setup(): Promise<void>; monitors(): number[]; teardown(): Promise<void> }

function berthEngine(name = 'berth', top = TOP, net = 253, extraEnv: Record<string, string> = {}): Engine {
  const BERTH = join(top, 'dist/berth.mjs');
  const dir = join(work, name);
  const sock = join(dir, 'cri.sock');
  let daemon: ChildProcess | undefined;
  return {
    name, sock, dir,
    async setup() {
      mkdirSync(dir, { recursive: true });
      const env = { ...process.env, BERTH_CNI_CONF_DIR: conflist(dir, `bench${net}${tag}`, `bbench${net}${tag}`, `10.${net}.${tag}.0/24`), BERTH_CGROUP_PARENT: `berth-bench-cri-${net}-${process.pid}`, BERTH_DAEMON_SOCKET: '', ...(values.trace ? { BERTH_TRACE: '1' } : {}), ...extraEnv };
      // This tree's runtime (in process, its creates through berth-relay), not whichever
      // berth-runtime PATH finds (another install's is run as a binary, one process per call).
      const root = rootDir(name);
      const g = ['--root', root, '--run-root', runDir(join(dir, 'run')), '--runtime', join(top, 'dist/berth-runtime.mjs')];
      must([BERTH, ...g, 'load', '-q', '-i', join(work, 'image.tar')], env);
      const log = join(dir, 'berthd.log');
      const fd = openSync(log, 'w');
      daemon = spawn(BERTH, [...g, 'system', 'service', '--socket', join(dir, 'berthd.sock'), '--workers', '1', '--cri-socket', sock], { env, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      await waitFor(sock, daemon, log);
    },
    monitors: () => processesOf('conmon', dir),
    async teardown() {
      quiet([CRICTL!, '--runtime-endpoint', `unix://${sock}`, 'rmp', '-f', '-a']);
      daemon?.kill('SIGTERM');
      await new Promise((r) => { if (!daemon || daemon.exitCode !== null) r(null); else { daemon.once('exit', r); setTimeout(r, 10_000); } });
      if (values.trace) copyFileSync(join(dir, 'berthd.log'), name === 'berth' ? values.trace : `${values.trace}.${name}`);
      killMentioning(`${dir}/`);
      removeCgroupTree(`berth-bench-cri-${net}-${process.pid}`);
      unmountUnder(dir);
      quiet(['ip', 'link', 'del', `bbench${net}${tag}`]);
    },
  };
}

function containerdEngine(): Engine {
  const dir = join(work, 'containerd');
  const sock = join(dir, 'containerd.sock');
  // containerd 1.6 makes these whatever its config says; the ones it made here go afterwards.
  const runDirs = ['/run/containerd/runc/k8s.io', '/run/containerd/runc', '/run/containerd/fifo', '/run/containerd/s', '/run/containerd'];
  const had = new Set(runDirs.filter((d) => existsSync(d)));
  let daemon: ChildProcess | undefined;
  return {
    name: 'containerd', sock, dir,
    async setup() {
      mkdirSync(dir, { recursive: true });
      const conf = conflist(dir, `benchc${tag}`, `cbench${tag}`, `10.254.${tag}.0/24`);
      const config = join(dir, 'config.toml');
      writeFileSync(config, [
        'version = 2', `root = "${rootDir('containerd')}"`, `state = "${runDir(join(dir, 'state'))}"`,
        '[grpc]', `  address = "${sock}"`, '[ttrpc]', `  address = "${sock}.ttrpc"`, '[debug]', '  address = ""', '[metrics]', '  address = ""',
        '[plugins."io.containerd.internal.v1.opt"]', `  path = "${dir}/opt"`,
        '[plugins."io.containerd.grpc.v1.cri"]', `  sandbox_image = "${PAUSE}"`, '  stream_server_address = "127.0.0.1"', '  stream_server_port = "0"', '  restrict_oom_score_adj = true',
        '[plugins."io.containerd.grpc.v1.cri".cni]', '  bin_dir = "/usr/lib/cni"', `  conf_dir = "${conf}"`, '',
      ].join('\n'));
      const log = join(dir, 'containerd.log');
      const fd = openSync(log, 'w');
      daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      await waitFor(sock, daemon, log);
      for (const t of ['image.tar', 'pause.tar']) must(['ctr', '-a', sock, '-n', 'k8s.io', 'images', 'import', join(work, t)]);
    },
    monitors: () => processesOf('containerd-shim', sock),
    async teardown() {
      quiet([CRICTL!, '--runtime-endpoint', `unix://${sock}`, 'rmp', '-f', '-a']);
      daemon?.kill('SIGTERM');
      await new Promise((r) => { if (!daemon || daemon.exitCode !== null) r(null); else { daemon.once('exit', r); setTimeout(r, 10_000); } });
      killMentioning(`${dir}/`);
      removeCgroupTree('k8s.io');
      unmountUnder(dir);
      quiet(['ip', 'link', 'del', `cbench${tag}`]);
      for (const d of runDirs) if (!had.has(d)) try { rmdirSync(d); } catch { /* not empty: another containerd's */ }
    },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

if (!CRICTL) { console.error('crictl not found (set BERTH_CRICTL)'); process.exit(2); }
const base = values['berth-base'] ? [berthEngine('berth-base', resolve(values['berth-base']), 252,
  Object.fromEntries((values['base-env'] ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))] : [];
const engines = [berthEngine(), ...base, ...(which('containerd') && which('ctr') ? [containerdEngine()] : [])].filter((e) => !values.only || values.only.split(',').includes(e.name));
/** crictl runs through berth-spawn (native/spawn.c) rather than spawnSync: a fork of this
 * process (~90 MB) took ~2 ms of each command's time, for every engine alike. */
const crictl = new Spawner();
/** Each crictl command's own time, per engine (rounds after the warm-up). */
const steps = new Map<string, number[]>();
async function step(engine: string, name: string, round: number, argv: string[]): Promise<string> {
  const t = process.hrtime.bigint();
  const r = await crictl.run(argv[0], argv.slice(1), { env: process.env, input: '', timeoutMs: 120_000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.code !== 0) throw new Error(`${argv.join(' ')} → ${r.code ?? r.signal}\n${r.stderr}`);
  if (round >= 0) steps.set(`${engine} ${name}`, [...steps.get(`${engine} ${name}`) ?? [], ms]);
  return r.stdout.trim();
}
const load0 = loadavg();
/** CPU time (ms) the whole machine spent busy, and what the crictls used (berth-spawn's reaped children). */
const HZ = 100;
function cpuNow(): { busy: number; children: number } {
  const cpu = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const self = readFileSync(`/proc/${crictl.pid}/stat`, 'latin1');
  const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  return { busy: (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) * 1000 / HZ, children: (f[13] + f[14]) * 1000 / HZ };
}
const cpu = new Map<string, { engine: number; crictl: number }[]>();
const up = new Map<string, number[]>(), down = new Map<string, number[]>(), mem = new Map<string, { rss: number; pss: number }[]>();
try {
  buildOciLayout(join(work, 'layout'), { tag: IMAGE });
  must(['tar', '-C', join(work, 'layout'), '-cf', join(work, 'image.tar'), '.']);
  pauseLayout(join(work, 'pause-layout'));
  must(['tar', '-C', join(work, 'pause-layout'), '-cf', join(work, 'pause.tar'), '.']);
  for (const e of engines) { await e.setup(); up.set(e.name, []); down.set(e.name, []); mem.set(e.name, []); }
  for (let i = -2; i < rounds; i++) {
    for (const e of i % 2 === 0 ? engines : [...engines].reverse()) {
      const c = [CRICTL, '--runtime-endpoint', `unix://${e.sock}`, '--image-endpoint', `unix://${e.sock}`];
      const pod = join(e.dir, `pod-${i + 2}.json`), ctr = join(e.dir, 'ctr.json');
      writeFileSync(pod, JSON.stringify({ metadata: { name: `bench${i + 2}`, namespace: 'bench', uid: `u${i + 2}`, attempt: 0 }, log_directory: join(e.dir, 'logs'), linux: { security_context: { namespace_options: namespaceOptions } } }));
      writeFileSync(ctr, JSON.stringify({ metadata: { name: 'box' }, image: { image: IMAGE }, command: ['sleep', '1000'], log_path: 'box.log', linux: { security_context: { namespace_options: namespaceOptions } } }));
      // The client's own share: crictl's start, its connection and a Version call.
      await step(e.name, 'version', i, [...c, 'version']);
      const c0 = cpuNow();
      const t0 = process.hrtime.bigint();
      const podId = await step(e.name, 'runp', i, [...c, 'runp', pod]);
      const id = await step(e.name, 'create', i, [...c, 'create', podId, ctr, pod]);
      await step(e.name, 'start', i, [...c, 'start', id]);
      const t1 = process.hrtime.bigint();
      const monitors = e.monitors();
      const m = [...monitors, ...pausesUnder(monitors)].map(memoryOf).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }), { rss: 0, pss: 0 });
      await step(e.name, 'stopp', i, [...c, 'stopp', podId]);
      await step(e.name, 'rmp', i, [...c, 'rmp', podId]);
      const t2 = process.hrtime.bigint();
      const c1 = cpuNow();
      if (i >= 0) cpu.set(e.name, [...cpu.get(e.name) ?? [], { engine: c1.busy - c0.busy - (c1.children - c0.children), crictl: c1.children - c0.children }]);
      if (i >= 0) { up.get(e.name)!.push(Number(t1 - t0) / 1e6); down.get(e.name)!.push(Number(t2 - t1) / 1e6); mem.get(e.name)!.push(m); }
    }
  }
  console.log(`crictl runp + create + start of a one-container pod (PID namespace per ${values.pid}), then stopp + rmp; ${rounds} rounds (ms); load average ${load0.map((l) => l.toFixed(2)).join(' ')} at the start, ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
  const base = up.get('containerd'), baseDown = down.get('containerd');
  const total = (name: string) => up.get(name)!.map((u, i) => u + down.get(name)![i]);
  for (const e of engines) {
    const u = up.get(e.name)!, d = down.get(e.name)!, ms = mem.get(e.name)!;
    const ratio = (mine: number[], theirs: number[] | undefined) => theirs ? ` (${(q(mine, 0.5) / q(theirs, 0.5)).toFixed(2)}x)` : '';
    console.log(`${e.name.padEnd(11)} up: median ${q(u, 0.5).toFixed(0)} p90 ${q(u, 0.9).toFixed(0)}${ratio(u, base)}   down: median ${q(d, 0.5).toFixed(0)} p90 ${q(d, 0.9).toFixed(0)}${ratio(d, baseDown)}   ` +
      `total: median ${q(total(e.name), 0.5).toFixed(0)}${ratio(total(e.name), base && total('containerd'))}   ` +
      `memory of a running pod (monitors + pause): RSS ${(q(ms.map((x) => x.rss), 0.5) / 1024).toFixed(1)} MB, PSS ${(q(ms.map((x) => x.pss), 0.5) / 1024).toFixed(1)} MB`);
    console.log(`${''.padEnd(11)} medians per crictl command (version: the client's floor, not in up/down): ${['version', 'runp', 'create', 'start', 'stopp', 'rmp'].map((n) => `${n} ${q(steps.get(`${e.name} ${n}`)!, 0.5).toFixed(0)}`).join(', ')}`);
    const cs = cpu.get(e.name)!;
    console.log(`${''.padEnd(11)} CPU per round (the machine's busy time, ms, mean: /proc/stat counts in 10 ms ticks): crictl ${mean(cs.map((x) => x.crictl)).toFixed(0)}, everything else ${mean(cs.map((x) => x.engine)).toFixed(0)} (the engine, its plugins and monitors, the kernel's work, and any other load)`);
  }
} finally {
  for (const e of engines) await e.teardown().catch((err: Error) => console.error(`${e.name} teardown: ${err.message}`));
  // The roots' file system and anything left on it; its loop device goes with it (mount -o loop
  // sets autoclear).
  if (rootsFs) unmountUnder(rootsFs);
  removeTemp(work);
  crictl.close();
}
