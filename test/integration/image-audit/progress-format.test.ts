// What `berth pull` prints on a terminal (bars redrawn in place), into a pipe (one line per
// state change), with -q (the reference only); and `images`/`image inspect` machine formats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode } from '../image-cli/cli.ts';
import { bigLayer, LAYER_TYPES, pushRawImage, startCountingProxy, tarOf, type CountingProxy, type PushedImage } from './support.ts';

const execFileP = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../../src/cli/berth-main.ts', import.meta.url));
let tmp: string;
let reg: RegistryInstance;
let slow: CountingProxy;
let img: PushedImage;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-audit-progress-');
  reg = await startRegistry();
  const small = await tarOf([{ entry: { name: 'etc/hello', type: 'file', mode: 0o644 }, body: Buffer.from('hello\n') }]);
  img = await pushRawImage(reg.url, 'audit/progress', 'v1', [
    { data: gzipSync(small), mediaType: LAYER_TYPES.gzip },
    { ...(await bigLayer('big.bin', 6 << 20)), mediaType: LAYER_TYPES.gzip },
  ], { Cmd: ['sh'], Labels: { 'org.example.audit': 'yes' } });
  // slow enough that the terminal redraws the bars several times
  slow = await startCountingProxy(reg.host, { bytesPerSec: 3 << 20 });
});
after(async () => {
  await slow?.stop();
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

const short = (d: string) => d.slice(7, 19);

test('on a terminal: bars with sizes redrawn in place, then every layer complete', { skip: !isRoot && 'needs root' }, async () => {
  const dir = join(tmp, 'tty');
  const cmd = [process.execPath, MAIN, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), 'pull', `${slow.host}/audit/progress:v1`]
    .map((a) => `'${a}'`).join(' ');
  const { stdout } = await execFileP('script', ['-qefc', cmd, '/dev/null'], {
    env: { ...process.env, BERTH_SNAPSHOTTER: 'copy', BERTH_AUTH_FILE: join(dir, 'auth.json'), BERTH_REGISTRIES_CONFIG: join(dir, 'r.json'), DOCKER_CONFIG: join(dir, 'docker'), TERM: 'xterm' },
    maxBuffer: 16 << 20,
  });
  const big = short(img.layers[1].digest);
  assert.match(stdout, /\x1b\[\d+A\x1b\[J/, 'the bars are redrawn in place (cursor up, clear)');
  assert.match(stdout, new RegExp(`${big}: Downloading \\[=*>? *\\] +[\\d.]+[kM]?B/[\\d.]+MB`), 'a bar with sizes');
  assert.match(stdout, new RegExp(`${big}: Pull complete`));
  assert.match(stdout, /Status: Downloaded newer image for/);
});

test('into a pipe: one plain line per state change, no bars; -q prints only the reference', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'pipe'));
  const ref = `${slow.host}/audit/progress:v1`;
  const r = expectCode(await berth(['pull', ref]), 0, 'pull');
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  assert.doesNotMatch(r.stdout, /\[=/);
  const lines = r.stdout.trim().split('\n');
  for (const l of img.layers) assert.equal(lines.filter((x) => x === `${short(l.digest)}: Pull complete`).length, 1);
  assert.ok(lines.length < 20, `a handful of lines, not one per chunk: ${lines.length}`);
  const direct = `${reg.host}/audit/progress:v1`;
  const q = expectCode(await berthIn(join(tmp, 'quiet'))(['pull', '-q', direct]), 0, 'pull -q');
  assert.equal(q.stdout, `${direct}\n`);
  assert.equal(q.stderr, '');

  // machine formats
  const rows = expectCode(await berth(['images', '--format', 'json']), 0, 'images json').stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  assert.deepEqual(rows.map((x) => [x.Repository, x.Tag, x.ID]), [[`${slow.host}/audit/progress`, 'v1', short(img.configDigest)]]);
  const ins = JSON.parse(expectCode(await berth(['image', 'inspect', '--format', 'json', ref]), 0, 'inspect json').stdout) as [{ Id: string; RootFS: { Layers: string[] }; Config: { Labels: Record<string, string> } }];
  assert.equal(ins[0].Id, img.configDigest);
  assert.deepEqual(ins[0].RootFS.Layers, img.layers.map((l) => l.diffId));
  assert.deepEqual(JSON.parse(expectCode(await berth(['image', 'inspect', '-f', '{{json .Config.Labels}}', ref]), 0, 'inspect template').stdout), { 'org.example.audit': 'yes' });
});
