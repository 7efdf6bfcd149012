// Docker API benchmark: the same docker CLI against berthd (`berth system service`), podman's
// API service (`podman system service`) and dockerd (Debian's docker.io, when installed):
// `docker run --rm busybox true` (interleaved round by round, medians and p90), then `docker ps`
// with N running containers in each (also interleaved, each round starting with the next server),
// the `docker version` floor, and the servers' side of ps without the CLI (HEAD /_ping + GET
// /containers/json on a fresh connection, 300 exchanges interleaved), with the load average.
//
//   node bench/dockerapi.ts [--rounds 15] [--containers 50] [--only berth,podman,docker] [--what run,ps]
//                           [--berth-base DIR]
//
// --berth-base: also another berth tree (built: DIR/dist), as `berth-base`, interleaved with this
// one: a change's before and after in the same run (berth/berth-base in the ratios).
//
// Each server keeps its state in one temp dir (berth --root/--run-root, podman --root/--runroot
// with a containers.conf of its own: runc, cgroupfs, ulimits under this host's hard limits); the
// finally block stops the servers, removes the containers, monitors and mounts, then the dir.
// dockerd runs in a network and mount namespace of its own (its bridge, iptables rules, its own
// containerd and the containers' mounts stay there and go with it), its cgroups under a parent
// named for this run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { killMentioning, removeCgroupTree, unmountUnder, which } from '../test/integration/interop/support.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, containers: { type: 'string', default: '50' }, only: { type: 'string' }, 'berth-base': { type: 'string' }, what: { type: 'string', default: 'run,ps' } } });
const what = values.what.split(',');
const rounds = Number(values.rounds);
const nContainers = Number(values.containers);
const TOP = resolve(import.meta.dirname, '..');
const BERTH = join(TOP, 'dist/berth.mjs');
const DOCKER = '/usr/local/bin/docker';
const only = values.only?.split(',');

interface Server { name: string; host: string; stop(): Promise<void> }

function docker(host: string, args: string[]): { ms: number; ok: boolean; out: string } {
  const t = process.hrtime.bigint();
  const r = spawnSync(DOCKER, args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: tmp }, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

async function until(ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('server did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
}

/** berthd of the tree at `top` (this one, or --berth-base's), in a state dir of its own. */
async function startBerth(name: string, top: string): Promise<Server> {
  const berth = join(top, 'dist/berth.mjs');
  // The tree's own runtime, named as such: the berth-runtime on PATH is the installed tree's,
  // which this berth would run as a foreign runtime (a Node start per create/start/delete).
  const g = ['--runtime', join(top, 'dist/berth-runtime.mjs'), '--root', join(tmp, `${name}/root`), '--run-root', join(tmp, `${name}/run`)];
  if (top !== TOP) spawnSync(berth, [...g, 'image', 'build-busybox'], { stdio: 'ignore' });
  const sock = join(tmp, `${name}.sock`);
  const child = spawn(berth, [...g, 'system', 'service', '--socket', join(tmp, `${name}d.sock`), '--docker-socket', sock], { stdio: 'ignore', env: { ...process.env, BERTH_DAEMON_SOCKET: '' } });
  const host = `unix://${sock}`;
  await until(() => existsSync(sock) && docker(host, ['version']).ok);
  return { name, host, stop: stopper(child) };
}

async function startPodman(): Promise<Server> {
  const conf = join(tmp, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n');
  const g = ['--root', join(tmp, 'podman/root'), '--runroot', join(tmp, 'podman/run')];
  const env = { ...process.env, CONTAINERS_CONF: conf };
  spawnSync('podman', [...g, 'load', '-i', join(tmp, 'busybox.tar')], { stdio: 'ignore', env });
  const sock = join(tmp, 'podman.sock');
  const child = spawn('podman', [...g, 'system', 'service', '--time=0', `unix://${sock}`], { stdio: 'ignore', env });
  const host = `unix://${sock}`;
  await until(() => existsSync(sock) && docker(host, ['version']).ok);
  return { name: 'podman', host, stop: stopper(child) };
}

async function startDockerd(): Promise<Server> {
  const dir = join(tmp, 'dockerd');
  const sock = join(tmp, 'docker.sock');
  // A tmpfs on /run/containerd (in the private mount namespace) makes dockerd start a containerd
  // of its own rather than use a system one another test may run.
  const script = `mount -t tmpfs tmpfs /run/containerd && ip link set lo up && exec dockerd --data-root ${dir}/data --exec-root ${dir}/exec --pidfile ${dir}/pid -H unix://${sock} --cgroup-parent ${DOCKERD_CGROUP} --userland-proxy=false`;
  const child = spawn('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
  const host = `unix://${sock}`;
  await until(() => existsSync(sock) && docker(host, ['version']).ok);
  const r = docker(host, ['load', '-i', join(tmp, 'busybox.tar')]);
  if (!r.ok) throw new Error(`dockerd: load failed: ${r.out}`);
  return { name: 'docker', host, stop: stopper(child) };
}

/** The servers, starting with the i-th (round i's order). */
function rotated(i: number): Server[] {
  const k = i % servers.length;
  return [...servers.slice(k), ...servers.slice(0, k)];
}

/** One exchange as the CLI makes it, without the CLI: a fresh connection, HEAD /_ping, then
 * GET /containers/json; ms from the connect to the answer's last byte, and its size. */
function exchange(host: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = connect(host.replace(/^unix:\/\//, ''));
    let buf = Buffer.alloc(0), pinged = false;
    const ask = (line: string) => c.write(`${line} HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n\r\n`);
    c.on('connect', () => ask('HEAD /_ping'));
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!pinged) { pinged = true; buf = Buffer.alloc(0); ask(`GET /v1.41/containers/json`); return; }
      const len = /content-length: *(\d+)/i.exec(buf.subarray(0, end).toString('latin1'));
      // Content-Length (berthd), or chunked (dockerd's and podman's lists): the last chunk.
      const done = len ? buf.length - end - 4 >= Number(len[1]) : buf.subarray(buf.length - 5).toString('latin1') === '0\r\n\r\n';
      if (!done) return;
      c.destroy();
      resolve({ ms: performance.now() - t0, bytes: buf.length - end - 4 });
    });
    c.on('error', reject);
  });
}

/** The servers' side alone: `exchanges` interleaved exchanges (5 ms apart), medians. */
async function benchPsServer(exchanges = 300): Promise<void> {
  const t = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  const bytes = new Map<string, number>();
  for (const s of servers) for (let i = 0; i < 20; i++) await exchange(s.host); // warm-up
  for (let i = 0; i < exchanges; i++) {
    for (const s of rotated(i)) {
      const r = await exchange(s.host);
      t.get(s.name)!.push(r.ms);
      bytes.set(s.name, r.bytes);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  console.log('HEAD /_ping + GET /containers/json, fresh connection, no CLI (the server\'s side)');
  for (const s of servers) {
    const xs = [...t.get(s.name)!].sort((a, b) => a - b);
    const q = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(2);
    console.log(`  ${s.name.padEnd(8)} median ${q(0.5)} ms, p90 ${q(0.9)} ms (${xs.length} exchanges, ${bytes.get(s.name)} bytes)`);
  }
  console.log(`  ${ratios(t)}`);
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** berth's median as a fraction of each peer's. */
function ratios(m: Map<string, number[]>): string {
  const b = m.get('berth');
  if (!b) return '';
  return [...m].filter(([n]) => n !== 'berth').map(([n, xs]) => `berth/${n} ${(median(b) / median(xs)).toFixed(2)}×`).join(', ');
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms (${s.length} runs)`;
}

const tmp = makeTemp('berth-bench-dockerapi-');
const DOCKERD_CGROUP = `berth-bench-dockerd-${process.pid}`;
const servers: Server[] = [];
const want = (name: string) => !only || only.includes(name);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
try {
  console.log(`load average at start: ${load()}`);
  const berthGlobal = ['--root', join(tmp, 'berth/root'), '--run-root', join(tmp, 'berth/run')];
  spawnSync(BERTH, [...berthGlobal, 'image', 'build-busybox'], { stdio: 'ignore' });
  // The peers' image: berth's busybox, saved and loaded (no network here).
  spawnSync(BERTH, [...berthGlobal, 'save', '-o', join(tmp, 'busybox.tar'), 'busybox'], { stdio: 'ignore' });
  if (want('berth')) servers.push(await startBerth('berth', TOP));
  if (values['berth-base']) servers.push(await startBerth('berth-base', resolve(values['berth-base'])));
  if (want('podman') && which('podman')) servers.push(await startPodman());
  if (want('docker') && which('dockerd') && which('unshare')) servers.push(await startDockerd());
  if (what.includes('run')) benchRun();
  if (what.includes('ps')) await benchPs();
} finally {
  for (const s of servers) await s.stop();
  killMentioning(tmp);
  unmountUnder(tmp);
  removeCgroupTree(DOCKERD_CGROUP);
  removeTemp(tmp);
}

function benchRun(): void {
  const times = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  for (const s of servers) docker(s.host, ['run', '--rm', 'busybox', 'true']); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (const s of servers) {
      const r = docker(s.host, ['run', '--rm', 'busybox', 'true']);
      if (!r.ok) throw new Error(`${s.name}: docker run failed: ${r.out}`);
      times.get(s.name)!.push(r.ms);
    }
  }
  console.log('docker run --rm busybox true');
  for (const s of servers) console.log(`  ${s.name.padEnd(8)} ${stats(times.get(s.name)!)}`);
  console.log(`  ${ratios(times)}`);

  console.log(`load average after the runs: ${load()}`);
}

async function benchPs(): Promise<void> {
  console.log(`docker ps with ${nContainers} running containers`);
  for (const s of servers) {
    for (let i = 0; i < nContainers; i++) {
      const r = docker(s.host, ['run', '-d', '--network', 'none', '--name', `bench${i}`, 'busybox', 'sleep', '1000']);
      if (!r.ok) throw new Error(`${s.name}: docker run -d failed: ${r.out}`);
    }
  }
  const ps = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  // The floor: the CLI's start, /_ping and the smallest answer (`docker version`'s server part).
  const floor = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  for (const s of servers) docker(s.host, ['ps']); // warm-up
  // Each round starts with the next server: whatever a server leaves running after its answer
  // (dockerd's version asks containerd and runs runc) then slows each of the others' commands
  // alike, not always the same one's. The floor is measured in rounds of its own, for the same reason.
  for (let i = 0; i < rounds; i++) {
    for (const s of rotated(i)) {
      const r = docker(s.host, ['ps']);
      const n = r.out.trim().split('\n').length - 1;
      if (!r.ok || n !== nContainers) throw new Error(`${s.name}: docker ps listed ${n} containers: ${r.out}`);
      ps.get(s.name)!.push(r.ms);
    }
  }
  for (let i = 0; i < rounds; i++) {
    for (const s of rotated(i)) floor.get(s.name)!.push(docker(s.host, ['version', '--format', '{{.Server.Version}}']).ms);
  }
  for (const s of servers) console.log(`  ${s.name.padEnd(8)} ${stats(ps.get(s.name)!)}`);
  console.log(`  ${ratios(ps)}`);
  console.log('docker version (the floor: CLI start, /_ping, one small answer)');
  for (const s of servers) console.log(`  ${s.name.padEnd(8)} ${stats(floor.get(s.name)!)}`);
  await benchPsServer();
  console.log(`load average at the end: ${load()}`);
  for (const s of servers) docker(s.host, ['rm', '-f', ...Array.from({ length: nContainers }, (_, i) => `bench${i}`)]);
}
