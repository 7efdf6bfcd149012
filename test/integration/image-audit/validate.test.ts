// oci-image-tool validate on every OCI layout berth writes (`berth save --format oci-dir` and
// `--format oci-archive`, validated unpacked: oci-image-tool 1.0.0-rc1 cannot walk any tar),
// for images of every origin: a multi-platform index pulled for one platform, docker schema2
// manifests (rewritten to OCI), zstd layers, uncompressed layers, and images loaded from a
// docker-archive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildOciLayout, skopeoPush } from '../../helpers/images.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode, type Berth } from '../image-cli/cli.ts';
import { LAYER_TYPES, pushRawImage, tarOf } from './support.ts';

const execFileP = promisify(execFile);
let tmp: string;
let reg: RegistryInstance;
let berth: Berth;
let names: string[];

async function validate(dir: string, ref?: string): Promise<string> {
  try {
    const { stdout, stderr } = await execFileP('oci-image-tool', ['validate', '--type', 'image', ...(ref ? ['--ref', `name=${ref}`] : []), dir]);
    return stdout + stderr;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return `FAILED ${x.stdout ?? ''}${x.stderr ?? ''}`;
  }
}

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-audit-validate-');
  reg = await startRegistry();
  const multi = buildOciLayout(join(tmp, 'multi'), { tag: 'm', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }] });
  await skopeoPush(multi, `${reg.host}/audit/multi:m`);
  const single = buildOciLayout(join(tmp, 'single'), { tag: 's', busybox: false, payload: Buffer.from('single') });
  await skopeoPush(single, `${reg.host}/audit/single:s`);
  await execFileP('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--format', 'v2s2', `docker://${reg.host}/audit/single:s`, `docker://${reg.host}/audit/schema2:s`]);
  await execFileP('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-compress', '--dest-compress-format', 'zstd', `docker://${reg.host}/audit/single:s`, `docker://${reg.host}/audit/zstd:s`]);
  const tar = await tarOf([{ entry: { name: 'plain', type: 'file', mode: 0o644 }, body: Buffer.from('uncompressed layer\n') }]);
  await pushRawImage(reg.url, 'audit/plain', 's', [{ data: tar, mediaType: LAYER_TYPES.tar }]);
  await execFileP('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/audit/single:s`, `docker-archive:${join(tmp, 'from-skopeo.tar')}:audit/from-archive:s`]);
  berth = berthIn(join(tmp, 'b'));
  names = ['multi:m', 'schema2:s', 'zstd:s', 'plain:s'].map((n) => `${reg.host}/audit/${n}`);
  for (const n of names) expectCode(await berth(['pull', '-q', n]), 0, `pull ${n}`);
  expectCode(await berth(['load', '-i', join(tmp, 'from-skopeo.tar')]), 0, 'load');
  names.push('docker.io/audit/from-archive:s');
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

test('berth save --format oci-dir: every image alone and all together pass oci-image-tool validate', { skip: !isRoot && 'needs root' }, async () => {
  for (const n of names) {
    const dir = join(tmp, `dir-${names.indexOf(n)}`);
    expectCode(await berth(['save', '--format', 'oci-dir', '-o', dir, n]), 0, `save ${n}`);
    assert.match(await validate(dir), /Validation succeeded/, n);
    assert.match(await validate(dir, n), /Validation succeeded/, `${n} by its ref.name`);
  }
  const all = join(tmp, 'dir-all');
  expectCode(await berth(['save', '--format', 'oci-dir', '-o', all, ...names]), 0, 'save all');
  const index = JSON.parse(readFileSync(join(all, 'index.json'), 'utf8')) as { manifests: { mediaType: string; annotations: Record<string, string> }[] };
  assert.deepEqual(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort(), [...names].sort());
  assert.ok(index.manifests.every((m) => m.mediaType.startsWith('application/vnd.oci.')), 'OCI media types only (schema2 rewritten)');
  assert.match(await validate(all), /Validation succeeded/);
});

test('berth save --format oci-archive: the unpacked archive passes oci-image-tool validate', { skip: !isRoot && 'needs root' }, async () => {
  const file = join(tmp, 'all.tar');
  expectCode(await berth(['save', '--format', 'oci-archive', '-o', file, ...names]), 0, 'save');
  const out = join(tmp, 'all-unpacked');
  mkdirSync(out);
  await execFileP('tar', ['-xf', file, '-C', out]);
  assert.match(await validate(out), /Validation succeeded/);
});
