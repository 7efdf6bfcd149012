// Build benchmark (issue 11): the same multi-stage Dockerfile (two independent stages, one
// copying 2,000 small files, one a 20 MB file) built by berth and by `buildah bud --layers`
// (overlay storage in a temp root): a cold build, a full cache hit, and a rebuild after one small
// file changed. Times are wall-clock seconds; with --rounds N the contenders take turns round by
// round (the order alternates), each round in fresh roots, and medians are printed with the load
// average seen during the run.
//
//   node bench/build.ts [--rounds N] [--skip-buildah] [--podman] [--isolation chroot|oci]
//                       [--berth-base OLD/dist/berth.mjs]   # an older build of berth beside it
//
// Both start from the same busybox image (berth's built-in one, saved as an OCI archive and
// pulled into buildah's root). Everything lives under one temp dir, removed at the end (buildah's
// images and mounts first).
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { unmountUnder } from '../test/integration/interop/support.ts';

const { values } = parseArgs({
  options: {
    'skip-buildah': { type: 'boolean', default: false }, isolation: { type: 'string', default: 'chroot' },
    rounds: { type: 'string', default: '1' }, 'berth-base': { type: 'string' }, podman: { type: 'boolean', default: false },
  },
});
const TOP = resolve(import.meta.dirname, '..');
const rounds = Number(values.rounds);
const tmp = makeTemp('berth-bench-build-');
const ctx = join(tmp, 'ctx');
const PHASES = ['cold', 'cached', 'changed'] as const;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  sh(cmd, args);
  return (performance.now() - t0) / 1000;
}

const load = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** A contender: fresh state for a round, the build command, and clean-up. */
interface Contender { name: string; setup(dir: string): void; build(dir: string): number; teardown(dir: string): void }

function berthAt(name: string, main: string): Contender {
  const cli = (dir: string) => [main, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), '--runtime', join(dirname(main), 'berth-runtime.mjs')];
  return {
    name,
    setup: (dir) => { sh(process.execPath, [...cli(dir), 'image', 'build-busybox']); },
    build: (dir) => timed(process.execPath, [...cli(dir), 'build', '-q', '-t', 'bench:berth', ctx]),
    teardown: () => { /* the round's directory goes */ },
  };
}

/** buildah, or podman (`podman build`, buildah's code behind podman's command line). */
function buildah(archive: string, tool: 'buildah' | 'podman' = 'buildah'): Contender {
  const bh = (dir: string) => ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'overlay'];
  const build = tool === 'buildah' ? ['bud', '--layers', '--pull-never'] : ['--runtime', 'runc', 'build', '--layers', '--pull=never'];
  return {
    name: tool,
    setup: (dir) => { sh(tool, [...bh(dir), 'pull', '-q', `oci-archive:${archive}`]); },
    build: (dir) => timed(tool, [...bh(dir), ...build, '--isolation', values.isolation!, '-q', '-t', `bench:${tool}`, ctx]),
    teardown: (dir) => {
      if (tool === 'buildah') spawnSync('buildah', [...bh(dir), 'rm', '--all']);
      spawnSync(tool, [...bh(dir), 'rmi', '--all', '--force']);
    },
  };
}

try {
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(ctx, 'src', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(ctx, 'src', `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`.repeat(8));
  }
  writeFileSync(join(ctx, 'big.bin'), randomFillSync(Buffer.alloc(20 << 20)));
  writeFileSync(join(ctx, 'Dockerfile'), [
    'FROM busybox AS small', 'COPY src /src', 'RUN find /src -type f | wc -l > /count',
    'FROM busybox AS big', 'COPY big.bin /big.bin', 'RUN md5sum /big.bin > /sum',
    'FROM busybox', 'COPY --from=small /count /count', 'COPY --from=big /sum /sum', 'CMD ["cat", "/count", "/sum"]', '',
  ].join('\n'));

  const contenders: Contender[] = [berthAt('berth', join(TOP, 'dist/berth.mjs'))];
  if (values['berth-base']) contenders.push(berthAt('berth-base', resolve(values['berth-base'])));
  const peers = [...(!values['skip-buildah'] && spawnSync('buildah', ['--version']).status === 0 ? ['buildah' as const] : []), ...(values.podman ? ['podman' as const] : [])];
  if (peers.length) {
    // The busybox image, from a berth root of its own, as an archive buildah can pull.
    const src = join(tmp, 'busybox-src');
    const cli = [join(TOP, 'dist/berth.mjs'), '--root', join(src, 'root'), '--run-root', join(src, 'run')];
    sh(process.execPath, [...cli, 'image', 'build-busybox']);
    sh(process.execPath, [...cli, 'save', '--format', 'oci-archive', '-o', join(tmp, 'busybox.tar'), 'busybox']);
    for (const p of peers) contenders.push(buildah(join(tmp, 'busybox.tar'), p));
  }
  const results = new Map(contenders.map((c) => [c.name, Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<(typeof PHASES)[number], number[]>]));
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...contenders].reverse() : contenders;
    for (const c of order) {
      const dir = join(tmp, `${c.name}-${r}`);
      mkdirSync(dir);
      try {
        c.setup(dir);
        const into = results.get(c.name)!;
        loads.push(load());
        into.cold.push(c.build(dir));
        into.cached.push(c.build(dir));
        writeFileSync(join(ctx, 'src/d7/f42.txt'), `changed ${r}\n`);
        into.changed.push(c.build(dir));
        loads.push(load());
      } finally {
        writeFileSync(join(ctx, 'src/d7/f42.txt'), 'file 7/42\n'.repeat(8));
        c.teardown(dir);
        unmountUnder(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const names = [...results.keys()];
  const peer = results.has('buildah') ? 'buildah' : undefined;
  console.log(`${rounds} round(s), load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)}); median seconds`);
  console.log('phase     ' + names.map((k) => k.padStart(12)).join('') + (peer ? names.filter((n) => n !== peer).map((n) => `  ${n}/${peer}`.padStart(20)).join('') : ''));
  for (const phase of PHASES) {
    const m = (n: string) => median(results.get(n)![phase]);
    const row = names.map((n) => `${m(n).toFixed(2)}s`.padStart(12)).join('');
    const ratios = peer ? names.filter((n) => n !== peer).map((n) => (m(n) / m(peer)).toFixed(2).padStart(20)).join('') : '';
    console.log(`${phase.padEnd(10)}${row}${ratios}`);
  }
  if (rounds > 1) for (const n of names) console.log(`${n}: ${PHASES.map((p) => `${p} [${results.get(n)![p].map((x) => x.toFixed(2)).join(' ')}]`).join('  ')}`);
} finally {
  unmountUnder(tmp);
  removeTemp(tmp);
}
