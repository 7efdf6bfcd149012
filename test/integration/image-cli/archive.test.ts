// berth save / load through the real CLI: docker-archive round trip, skopeo reading berth's
// archive and berth reading skopeo's, oci-image-tool validating berth's OCI layout, the
// oci-archive format, and save to stdout / load from stdin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildOciLayout, type BuiltLayout } from '../../helpers/images.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode, type Berth } from './cli.ts';

const run = promisify(execFile);
let tmp: string;
let img: BuiltLayout;
let cfg: string;

before(() => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-imagesave-');
  img = buildOciLayout(join(tmp, 'img'), { tag: 'berth-test/saved:v1' });
  cfg = img.manifests[0].configDigest;
});
after(() => { if (tmp) removeTemp(tmp); });

async function ids(b: Berth): Promise<string[]> {
  return expectCode(await b(['images', '-q', '--no-trunc']), 0, 'images -q').stdout.split('\n').filter(Boolean).sort();
}

/** The config digest the (single) manifest of an OCI layout names. */
function layoutConfig(dir: string): string {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const man = JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8')) as { config: { digest: string } };
  return man.config.digest;
}

test('save -o (docker-archive) → rmi → load -i restores the image; skopeo reads the archive', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'a'));
  assert.equal(expectCode(await berth(['load', '-i', img.dir]), 0, 'load layout dir').stdout, 'Loaded image: berth-test/saved:v1\n');
  const tar = join(tmp, 'saved.tar');
  expectCode(await berth(['save', '-o', tar, 'berth-test/saved:v1']), 0, 'save');
  const manifest = JSON.parse((await run('tar', ['-xOf', tar, 'manifest.json'])).stdout) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  assert.equal(manifest.length, 1);
  assert.equal(manifest[0].Config, `${cfg.slice(7)}.json`);
  assert.deepEqual(manifest[0].RepoTags, ['docker.io/berth-test/saved:v1']);
  assert.deepEqual(manifest[0].Layers, img.manifests[0].layers.map((l) => `${l.diffId.slice(7)}/layer.tar`));

  // skopeo takes it apart into an OCI layout with the same config
  const out = join(tmp, 'from-berth');
  await run('skopeo', ['copy', `docker-archive:${tar}`, `oci:${out}:x`]);
  assert.equal(layoutConfig(out), cfg);

  expectCode(await berth(['rmi', 'berth-test/saved:v1']), 0, 'rmi');
  assert.deepEqual(await ids(berth), []);
  assert.equal(expectCode(await berth(['load', '-i', tar]), 0, 'load').stdout, 'Loaded image: berth-test/saved:v1\n');
  assert.deepEqual(await ids(berth), [cfg]);
  const ins = JSON.parse(expectCode(await berth(['image', 'inspect', 'berth-test/saved:v1']), 0, 'inspect').stdout) as [{ RootFS: { Layers: string[] } }];
  assert.deepEqual(ins[0].RootFS.Layers, img.manifests[0].layers.map((l) => l.diffId));
});

test("skopeo's docker-archive loads into berth under its tag", { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'b'));
  const tar = join(tmp, 'skopeo.tar');
  await run('skopeo', ['copy', `oci:${img.dir}:berth-test/saved:v1`, `docker-archive:${tar}:berth-test/from-skopeo:7`]);
  const r = expectCode(await berth(['load', '-i', tar]), 0, 'load skopeo archive');
  assert.equal(r.stdout, 'Loaded image: berth-test/from-skopeo:7\n');
  assert.deepEqual(await ids(berth), [cfg]);
  const rows = expectCode(await berth(['images', '--format', '{{.Repository}} {{.Tag}}']), 0, 'images').stdout;
  assert.equal(rows, 'berth-test/from-skopeo 7\n');
});

test('--format oci-dir passes oci-image-tool validate; oci-archive round-trips; stdout/stdin streams', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'c'));
  expectCode(await berth(['load', '-i', img.dir]), 0, 'load');
  expectCode(await berth(['tag', 'berth-test/saved:v1', 'localhost:5000/berth-test/other:2']), 0, 'tag');
  const dir = join(tmp, 'layout');
  expectCode(await berth(['save', '--format', 'oci-dir', '-o', dir, 'berth-test/saved:v1', 'localhost:5000/berth-test/other:2']), 0, 'save oci-dir');
  const v = await run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=docker.io/berth-test/saved:v1', dir]);
  assert.match(v.stdout + v.stderr, /Validation succeeded/);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
  assert.deepEqual(index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']).sort(), ['docker.io/berth-test/saved:v1', 'localhost:5000/berth-test/other:2']);

  const ociTar = join(tmp, 'oci.tar');
  expectCode(await berth(['save', '--format', 'oci-archive', '-o', ociTar, 'berth-test/saved:v1']), 0, 'save oci-archive');
  // oci-image-tool 1.0.0-rc1 cannot walk any layout tar (skopeo's fails the same way): validate it unpacked
  const unpacked = join(tmp, 'oci-unpacked');
  await run('mkdir', ['-p', unpacked]);
  await run('tar', ['-xf', ociTar, '-C', unpacked]);
  assert.match((await run('oci-image-tool', ['validate', '--type', 'image', unpacked])).stdout, /Validation succeeded/);
  const other = berthIn(join(tmp, 'd'));
  assert.equal(expectCode(await other(['load', '-i', ociTar]), 0, 'load oci-archive').stdout, 'Loaded image: berth-test/saved:v1\n');
  assert.deepEqual(await ids(other), [cfg]);

  // docker's pipe form: save to stdout, load from stdin
  const piped = join(tmp, 'piped.tar');
  const fd = openSync(piped, 'w');
  try { expectCode(await berth(['save', cfg.slice(7, 19)], { stdoutFile: fd }), 0, 'save to stdout'); } finally { closeSync(fd); }
  assert.ok(statSync(piped).size > 1000);
  const third = berthIn(join(tmp, 'e'));
  const loaded = expectCode(await third(['load'], { input: readFileSync(piped) }), 0, 'load from stdin');
  assert.match(loaded.stdout, /^Loaded image: (berth-test\/saved:v1|localhost:5000\/berth-test\/other:2)\n$/);
  assert.deepEqual(await ids(third), [cfg]);

  const bad = await berth(['save', '-o', join(tmp, 'x.tar'), 'berth-test/missing:1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /No such image: berth-test\/missing:1/);
  const badLoad = await berth(['load', '-i', join(tmp, 'nope.tar')]);
  assert.equal(badLoad.code, 1);
  assert.match(badLoad.stderr, /nope\.tar: no such file or directory/);
});
