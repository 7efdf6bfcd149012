// Build benchmark (issue 11): the same multi-stage Dockerfile (two independent stages, one
// copying 2,000 small files, one a 20 MB file) built by berth and by `buildah bud --layers`
// (overlay storage in a temp root): a cold build, a full cache hit, and a rebuild after one small
// file changed. One run each, as the issue asks; times are wall-clock seconds.
//
//   node bench/build.ts [--skip-buildah] [--isolation chroot|oci]
//
// Both start from the same busybox image (berth's built-in one, saved as an OCI archive and
// pulled into buildah's root). Everything lives under one temp dir, removed at the end (buildah's
// images and mounts first).
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { unmountUnder } from '../test/integration/interop/support.ts';

const { values } = parseArgs({ options: { 'skip-buildah': { type: 'boolean', default: false }, isolation: { type: 'string', default: 'chroot' } } });
const TOP = resolve(import.meta.dirname, '..');
const tmp = makeTemp('berth-bench-build-');
const ctx = join(tmp, 'ctx');

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

  const berthMain = join(TOP, 'dist/berth.mjs');
  const berth = [berthMain, '--root', join(tmp, 'berth-root'), '--run-root', join(tmp, 'berth-run'), '--runtime', join(TOP, 'dist/berth-runtime.mjs')];
  sh(process.execPath, [...berth, 'image', 'build-busybox']);
  const results: Record<string, Record<string, number>> = { berth: {} };
  const phases = (run: () => number, into: Record<string, number>) => {
    into.cold = run();
    into.cached = run();
    writeFileSync(join(ctx, 'src/d7/f42.txt'), 'changed\n');
    into.changed = run();
    writeFileSync(join(ctx, 'src/d7/f42.txt'), 'file 7/42\n'.repeat(8));
  };
  phases(() => timed(process.execPath, [...berth, 'build', '-q', '-t', 'bench:berth', ctx]), results.berth);

  if (!values['skip-buildah'] && spawnSync('buildah', ['--version']).status === 0) {
    const bh = ['--root', join(tmp, 'buildah-root'), '--runroot', join(tmp, 'buildah-run'), '--storage-driver', 'overlay'];
    sh(process.execPath, [...berth, 'save', '--format', 'oci-archive', '-o', join(tmp, 'busybox.tar'), 'busybox']);
    sh('buildah', [...bh, 'pull', `oci-archive:${join(tmp, 'busybox.tar')}`]);
    results.buildah = {};
    try {
      phases(() => timed('buildah', [...bh, 'bud', '--layers', '--pull-never', '--isolation', values.isolation!, '-q', '-t', 'bench:buildah', ctx]), results.buildah);
    } finally {
      spawnSync('buildah', [...bh, 'rm', '--all']);
      spawnSync('buildah', [...bh, 'rmi', '--all', '--force']);
    }
  }
  console.log('phase     ' + Object.keys(results).map((k) => k.padStart(10)).join('') + (results.buildah ? '   berth/buildah' : ''));
  for (const phase of ['cold', 'cached', 'changed']) {
    const row = Object.values(results).map((r) => `${r[phase].toFixed(2)}s`.padStart(10)).join('');
    const ratio = results.buildah ? `   ${(results.berth[phase] / results.buildah[phase]).toFixed(2)}` : '';
    console.log(`${phase.padEnd(10)}${row}${ratio}`);
  }
} finally {
  unmountUnder(tmp);
  removeTemp(tmp);
}
