// Pull + unpack benchmark: a synthetic 3-layer gzip image (bench/pull-image.ts; ~600 MB of
// files by default) served by Debian's docker-registry on loopback, pulled and unpacked by
// berth, skopeo copy + umoci unpack, podman pull, ctr pull (a temp containerd), and the local
// floor (gzip -dc | tar -x of the three blobs, all at once). Interleaved round by round (the
// order alternates), fresh store dirs each round, page cache dropped before each run when
// permitted. Prints medians, p90, and the ratio to berth, for the run itself and for the run
// plus the `sync` after it (a tool that leaves dirty pages behind pays there), and the CPU time
// of the timed process tree (not containerd's: its work happens in the daemon).
//
//   node bench/pull.ts [--rounds 5] [--only berth,podman] [--size 600] [--regen]
//                      [--cache /var/tmp/berth-bench-pull] [--keep-going] [--fs fresh-ext4|tmp]
//
// Needs root. The image is generated once per size into the cache dir and reused.
// --fs fresh-ext4 (default): every run gets a freshly made ext4 on a loop device. On a shared,
// busy filesystem the runs are dominated by ext4's inode allocator skipping inodes deleted in the
// last minute (recently_deleted(): a scan per create), i.e. by whatever was deleted just before;
// a new filesystem gives every contender the same start. --fs tmp: a plain dir under $TMPDIR.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus as cpuCount, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchImage } from './pull-image.ts';
import { startRegistry } from '../test/helpers/registry.ts';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' }, only: { type: 'string' }, size: { type: 'string', default: '600' },
    regen: { type: 'boolean', default: false }, cache: { type: 'string', default: '/var/tmp/berth-bench-pull' },
    'keep-going': { type: 'boolean', default: false }, fs: { type: 'string', default: 'fresh-ext4' },
  },
});
const rounds = Number(values.rounds);
const sizeMB = Number(values.size);
if (process.getuid?.() !== 0) { console.error('bench/pull.ts needs root (unpacking keeps owners; podman/containerd/umoci run as root)'); process.exit(2); }

const NODE = process.execPath;
const HERE = import.meta.dirname;
const log = (s: string) => process.stderr.write(`${s}\n`);

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Unmounts everything below `dir` (deepest first), then removes it. */
function scrub(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(dir + '/')));
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** A new ext4 (on a sparse file, loop-mounted) at `dir`; returns the image file to delete after. */
function freshFs(dir: string): string {
  const img = `${dir}.ext4`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(img, '');
  execFileSync('truncate', ['-s', `${Math.max(2048, sizeMB * 8)}M`, img]);
  // No lazy init: its background zeroing would run during the timed pull.
  execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', img], { stdio: 'ignore' });
  execFileSync('mount', ['-o', 'loop', img, dir]);
  return img;
}

let dropCaches = true;
function quiesce(): void {
  spawnSync('sync');
  if (!dropCaches) return;
  try { writeFileSync('/proc/sys/vm/drop_caches', '3'); } catch { dropCaches = false; log('cannot drop caches; runs start with warm caches'); }
}

/** Runs a command under /usr/bin/time, returning elapsed ms and the CPU seconds (user + system)
 * of it and its children; throws with its stderr on failure. */
function timed(argv: string[], env?: NodeJS.ProcessEnv): { ms: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCHCPU %U %S', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${String(r.stderr).slice(-2000)}`);
  const m = /BENCHCPU ([\d.]+) ([\d.]+)/.exec(String(r.stderr));
  return { ms, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}

interface Contender {
  name: string;
  /** Prepares a fresh store in `dir` (untimed), returns the timed command and an untimed teardown. */
  round(dir: string): Promise<{ argv: string[]; env?: NodeJS.ProcessEnv; entries: () => number; teardown: () => Promise<void> | void }>;
}

/** Entries below the directories a shell glob names (each layer's tree). */
function countEntries(glob: string): number {
  return Number(execFileSync('sh', ['-c', `find ${glob} -mindepth 1 | wc -l`], { encoding: 'utf8' }).trim());
}

const work = makeTemp('berth-bench-pull-');
const cache = values.cache!;
mkdirSync(cache, { recursive: true });
if (values.regen) rmSync(join(cache, `image-${sizeMB}mb`), { recursive: true, force: true });
const image = await benchImage(cache, sizeMB, log);
log(`image: ${image.layers.length} layers, ${(image.compressed / 1e6).toFixed(0)} MB gzip, ${(image.uncompressed / 1e6).toFixed(0)} MB tar, ${image.entries} files/links`);
const registry = await startRegistry();
const ref = `${registry.host}/bench/pull:latest`;
const cleanups: (() => void)[] = [];
try {
  execFileSync('skopeo', ['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${image.dir}:${image.tag}`, `docker://${ref}`], { stdio: ['ignore', 'ignore', 'inherit'] });

  // berth as scripts/build.sh ships it: bundled with esbuild (no TypeScript to strip at start),
  // the unpack worker bundled beside it. The TypeScript sources when esbuild is missing.
  let berthMain = join(HERE, 'pull-berth.ts');
  const berthEnv = { ...process.env, BERTH_FSOPS: join(HERE, '..', 'build', 'berth-fsops') };
  const esbuild = join(HERE, '..', 'node_modules', '.bin', 'esbuild');
  if (existsSync(esbuild)) {
    const common = ['--bundle', '--platform=node', '--format=esm', '--target=node26', '--log-level=warning'];
    berthMain = join(work, 'berth-bundle', 'lib', 'pull-berth.mjs');
    execFileSync(esbuild, [join(HERE, 'pull-berth.ts'), ...common, `--outfile=${berthMain}`]);
    execFileSync(esbuild, [join(HERE, '..', 'src', 'image', 'unpack', 'worker.ts'), ...common, `--outfile=${join(work, 'berth-bundle', 'lib', 'unpack-worker.mjs')}`]);
  }

  const all: Contender[] = [];
  all.push({
    name: 'berth',
    async round(dir) {
      // BERTH_BENCH_CPU_PROF=DIR: a V8 CPU profile of each berth run into DIR.
      // BERTH_BENCH_WRAP="perf record -g -o FILE --": a command to run each berth run under.
      const prof = process.env.BERTH_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BERTH_BENCH_CPU_PROF] : [];
      const wrap = process.env.BERTH_BENCH_WRAP?.split(' ').filter(Boolean) ?? [];
      return { env: berthEnv, argv: [...wrap, NODE, ...prof, berthMain, dir, ref], entries: () => countEntries(`${dir}/snapshots/overlay/*/fs`), teardown: () => scrub(dir) };
    },
  });
  if (process.env.BERTH_BENCH_SEQUENTIAL) {
    all.push({
      name: 'berth-seq',
      async round(dir) {
        return { env: berthEnv, argv: [NODE, berthMain, dir, ref, '--sequential'], entries: () => countEntries(`${dir}/snapshots/overlay/*/fs`), teardown: () => scrub(dir) };
      },
    });
  }
  // BERTH_BENCH_BASELINE=DIR: also time an older berth (a tree with src/, e.g. from
  // `git archive COMMIT src | tar -x -C DIR`) doing pull, then unpackImage.
  const baseline = process.env.BERTH_BENCH_BASELINE;
  if (baseline) {
    const script = join(baseline, 'bench-baseline.ts');
    writeFileSync(script, `import { openImageStore } from './src/image/store/index.ts';
import { pull } from './src/image/pull.ts';
import { unpackImage } from './src/image/snapshots/index.ts';
import { RegistryClient } from './src/image/registry/client.ts';
import { parseReference } from './src/image/reference.ts';
const [root, ref] = process.argv.slice(2);
const store = openImageStore(root);
try {
  const r = parseReference(ref);
  const res = await pull(r, { store: store.content, client: new RegistryClient({ domain: r.domain, credentials: null }) });
  await unpackImage(store.content, store.snapshotter, res.manifest, res.config);
} finally { store.close(); }
`);
    let main = script;
    if (existsSync(esbuild)) {
      main = join(work, 'baseline-bundle', 'lib', 'main.mjs');
      execFileSync(esbuild, [script, '--bundle', '--platform=node', '--format=esm', '--target=node26', '--log-level=warning', `--outfile=${main}`]);
    }
    all.push({
      name: 'berth-base',
      async round(dir) {
        return { argv: [NODE, main, dir, ref], entries: () => countEntries(`${dir}/snapshots/overlay/*/fs`), teardown: () => scrub(dir) };
      },
    });
  }
  if (which('skopeo') && which('umoci')) {
    all.push({
      name: 'skopeo+umoci',
      async round(dir) {
        const script = `mkdir -p ${dir} && skopeo copy -q --src-tls-verify=false docker://${ref} oci:${dir}/oci:latest && umoci unpack --image ${dir}/oci:latest ${dir}/bundle`;
        return { argv: ['sh', '-c', script], entries: () => countEntries(join(dir, 'bundle', 'rootfs')), teardown: () => scrub(dir) };
      },
    });
  }
  if (which('podman')) {
    all.push({
      name: 'podman',
      async round(dir) {
        const base = ['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'overlay', '--events-backend', 'file', '--cgroup-manager', 'cgroupfs'];
        return {
          argv: [...base, 'pull', '-q', '--tls-verify=false', ref],
          entries: () => countEntries(`${dir}/root/overlay/*/diff`),
          teardown: () => { spawnSync(base[0], [...base.slice(1), 'system', 'reset', '-f'], { stdio: 'ignore' }); scrub(dir); },
        };
      },
    });
  }
  if (which('containerd') && which('ctr')) {
    all.push({
      name: 'containerd',
      async round(dir) {
        const sock = join(dir, 'containerd.sock');
        const cfg = join(dir, 'config.toml');
        mkdirSync(dir, { recursive: true });
        // Only what a pull needs; no CRI, no shared /var/lib/containerd.
        writeFileSync(cfg, `version = 2\nroot = "${dir}/root"\nstate = "${dir}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${sock}"\n`);
        const d = spawn('containerd', ['--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        d.stderr!.on('data', (c: Buffer) => { err = (err + c.toString()).slice(-4000); });
        const kill = () => { if (d.exitCode === null) d.kill('SIGKILL'); };
        cleanups.push(kill);
        for (let i = 0; ; i++) {
          if (spawnSync('ctr', ['-a', sock, 'version'], { stdio: 'ignore' }).status === 0) break;
          if (i > 200 || d.exitCode !== null) throw new Error(`containerd did not start: ${err}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        return {
          argv: ['ctr', '-a', sock, 'images', 'pull', '--plain-http', ref],
          entries: () => countEntries(`${dir}/root/io.containerd.snapshotter.v1.overlayfs/snapshots/*/fs`),
          teardown: async () => {
            d.kill('SIGTERM');
            await new Promise((r) => { if (d.exitCode !== null) r(null); else d.once('exit', r); setTimeout(r, 3000); });
            kill();
            scrub(dir);
          },
        };
      },
    });
  }
  all.push({
    name: 'floor',
    async round(dir) {
      mkdirSync(dir, { recursive: true });
      const script = image.layers.map((l, i) => `mkdir ${dir}/l${i} && gzip -dc ${l.path} | tar -x --numeric-owner -C ${dir}/l${i} -f - &`).join('\n') + '\nwait';
      return { argv: ['sh', '-c', `set -e\n${script}\n`], entries: () => countEntries(`${dir}/l*`), teardown: () => scrub(dir) };
    },
  });

  const only = values.only?.split(',');
  const active = only ? all.filter((c) => only.includes(c.name)) : all;
  const runs = new Map<string, number[]>(active.map((c) => [c.name, []]));
  const withSync = new Map<string, number[]>(active.map((c) => [c.name, []]));
  const entries = new Map<string, number>();
  const cpus = new Map<string, number[]>(active.map((c) => [c.name, []]));
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? active : [...active].reverse();
    for (const c of order) {
      const dir = join(work, `${c.name}-${i}`);
      const fsImage = values.fs === 'fresh-ext4' ? freshFs(dir) : null;
      const r = await c.round(dir);
      try {
        quiesce();
        const { ms, cpu } = timed(r.argv, r.env);
        cpus.get(c.name)!.push(cpu);
        const t0 = process.hrtime.bigint();
        spawnSync('sync');
        const syncMs = Number(process.hrtime.bigint() - t0) / 1e6;
        runs.get(c.name)!.push(ms);
        withSync.get(c.name)!.push(ms + syncMs);
        if (i === 0) entries.set(c.name, r.entries());
        log(`round ${i + 1}/${rounds} ${c.name}: ${(ms / 1000).toFixed(2)} s (+ sync ${(syncMs / 1000).toFixed(2)} s), CPU ${cpu.toFixed(2)} s`);
      } catch (e) {
        if (!values['keep-going']) throw e;
        log(`round ${i + 1} ${c.name}: ${(e as Error).message}`);
      } finally {
        await r.teardown();
        if (fsImage) { scrub(dir); rmSync(fsImage, { force: true }); }
      }
    }
  }

  const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  const base = runs.get('berth')?.length ? q(runs.get('berth')!, 0.5) : null;
  const baseSync = withSync.get('berth')?.length ? q(withSync.get('berth')!, 0.5) : null;
  console.log(`pull + unpack of a ${image.layers.length}-layer image (${(image.compressed / 1e6).toFixed(0)} MB gzip, ${(image.uncompressed / 1e6).toFixed(0)} MB tar, ${image.entries} files), ${rounds} interleaved rounds, caches ${dropCaches ? 'dropped' : 'warm'}`);
  console.log(`machine: ${cpuCount().length} CPUs, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; stores on ${values.fs === 'fresh-ext4' ? 'a fresh loop-mounted ext4 per run' : work}`);
  console.log('contender       median s   p90 s   ratio   | +sync median s   ratio   | CPU s (user+sys) | entries (round 1)');
  for (const c of active) {
    const xs = runs.get(c.name)!;
    if (!xs.length) { console.log(`${c.name.padEnd(15)} failed`); continue; }
    const med = q(xs, 0.5);
    const ms = q(withSync.get(c.name)!, 0.5);
    console.log(`${c.name.padEnd(15)} ${(med / 1000).toFixed(2).padStart(8)} ${(q(xs, 0.9) / 1000).toFixed(2).padStart(7)} ${base ? (med / base).toFixed(2).padStart(7) : '      -'}   | ${(ms / 1000).toFixed(2).padStart(14)} ${baseSync ? (ms / baseSync).toFixed(2).padStart(7) : '      -'}   | ${c.name === 'containerd' ? '  (in daemon) ' : q(cpus.get(c.name)!, 0.5).toFixed(2).padStart(14)}   | ${entries.get(c.name) ?? '-'}`);
  }
} finally {
  for (const c of cleanups) c();
  await registry.stop();
  scrub(work);
  if (existsSync(work)) removeTemp(work);
}
