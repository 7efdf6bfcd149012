// berth pull / images / tag / push / rmi / inspect / history / prune through the real CLI
// against a real registry (Debian's docker-registry) holding a busybox image built here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildOciLayout, skopeoInspectRaw, skopeoPush, type BuiltLayout } from '../../helpers/images.ts';
import { digestOf, startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { humanSize } from '../../../src/cli/present/index.ts';
import { chainIDs } from '../../../src/image/snapshots/layers.ts';
import { openImageStore } from '../../../src/image/store/open.ts';
import { berthIn, expectCode, type Berth } from './cli.ts';

let tmp: string;
let reg: RegistryInstance;
let img: BuiltLayout;
let img2: BuiltLayout;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-imagecli-');
  reg = await startRegistry();
  img = buildOciLayout(join(tmp, 'img'), { tag: 'v1' });
  img2 = buildOciLayout(join(tmp, 'img2'), { tag: 'v1', busybox: false, payload: Buffer.from('second image') });
  await skopeoPush(img, `${reg.host}/berth-test/busybox:v1`);
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

const contentSize = (l: BuiltLayout) => {
  const m = l.manifests[0];
  return (JSON.parse(m.bytes.toString()) as { config: { size: number } }).config.size + m.layers.reduce((x, y) => x + y.size, 0);
};

interface Row { ID: string; Repository: string; Tag: string; Digest: string; Size: string }
const rows = async (b: Berth, ...args: string[]): Promise<Row[]> =>
  expectCode(await b(['images', '--format', 'json', ...args]), 0, 'images').stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);

test('pull → images → tag → push → rmi → pull by digest', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'a'));
  const ref = `${reg.host}/berth-test/busybox:v1`;
  const cfg = img.manifests[0].configDigest;

  const p = expectCode(await berth(['pull', ref]), 0, 'pull');
  assert.match(p.stdout, /^v1: Pulling from berth-test\/busybox$/m);
  assert.match(p.stdout, new RegExp(`^Digest: ${img.digest}$`, 'm'));
  assert.match(p.stdout, new RegExp(`^Status: Downloaded newer image for ${ref.replace(/\./g, '\\.')}$`, 'm'));
  assert.ok(p.stdout.trimEnd().endsWith(`\n${ref}`), 'the reference is the last line');
  for (const l of img.manifests[0].layers) assert.match(p.stdout, new RegExp(`^${l.digest.slice(7, 19)}: Pull complete$`, 'm'));
  // pull unpacked the layers into committed snapshots, one per chainID
  const chains = chainIDs(img.manifests[0].layers.map((l) => l.diffId));
  const snapshots = () => {
    const s = openImageStore(berth.root, { driver: 'copy' });
    try { return chains.map((c) => s.snapshotter.stat(c)?.kind ?? 'none'); } finally { s.close(); }
  };
  assert.deepEqual(snapshots(), ['committed', 'committed']);

  let r = await rows(berth);
  assert.equal(r.length, 1);
  assert.deepEqual([r[0].Repository, r[0].Tag, r[0].ID, r[0].Size], [`${reg.host}/berth-test/busybox`, 'v1', cfg.slice(7, 19), humanSize(contentSize(img))]);
  assert.equal(r[0].Digest, img.digest);
  assert.equal(expectCode(await berth(['images', '-q', '--no-trunc']), 0, 'images -q').stdout, `${cfg}\n`);
  const table = expectCode(await berth(['images']), 0, 'images').stdout.split('\n');
  assert.match(table[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(table[1], new RegExp(`^${reg.host.replace(/\./g, '\\.')}/berth-test/busybox\\s+v1\\s+${cfg.slice(7, 19)}\\s+\\d+ years ago\\s+${humanSize(contentSize(img))}$`));
  assert.match(expectCode(await berth(['images', '--digests']), 0, 'images --digests').stdout, new RegExp(`v1\\s+${img.digest}\\s+${cfg.slice(7, 19)}`));
  assert.equal(expectCode(await berth(['images', '--format', '{{.Repository}}:{{.Tag}}']), 0, 'template').stdout, `${reg.host}/berth-test/busybox:v1\n`);

  // pulling again changes nothing and says so
  assert.match(expectCode(await berth(['pull', ref]), 0, 'pull again').stdout, /Status: Image is up to date for/);

  // inspect and history
  const ins = JSON.parse(expectCode(await berth(['image', 'inspect', ref]), 0, 'inspect').stdout) as [{ Id: string; RepoTags: string[]; RepoDigests: string[]; Config: { Cmd: string[] }; RootFS: { Layers: string[] }; Size: number; Os: string }];
  assert.equal(ins.length, 1);
  assert.equal(ins[0].Id, cfg);
  assert.deepEqual(ins[0].RepoTags, [ref]);
  assert.deepEqual(ins[0].RepoDigests, [`${reg.host}/berth-test/busybox@${img.digest}`]);
  assert.deepEqual(ins[0].Config.Cmd, ['sh']);
  assert.deepEqual(ins[0].RootFS.Layers, img.manifests[0].layers.map((l) => l.diffId));
  assert.equal(ins[0].Size, contentSize(img));
  assert.equal(expectCode(await berth(['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}} {{json .Config.Cmd}}', cfg.slice(7, 19)]), 0, 'inspect -f').stdout, 'linux/amd64 ["sh"]\n');
  const hist = expectCode(await berth(['image', 'history', ref]), 0, 'history').stdout.split('\n');
  assert.match(hist[0], /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  assert.match(hist[1], new RegExp(`^${cfg.slice(7, 19)}\\s+.* ago\\s+berth test layer 1\\s+`));
  assert.match(hist[2], /^<missing>\s+.* ago\s+berth test layer 0\s+/);

  // tag, push under another name: the registry holds the same manifest
  const copy = `${reg.host}/berth-test/copy:v2`;
  expectCode(await berth(['tag', ref, copy]), 0, 'tag');
  const push = expectCode(await berth(['push', copy]), 0, 'push');
  assert.match(push.stdout, /The push refers to repository/);
  assert.match(push.stdout, new RegExp(`v2: digest: ${img.digest}`));
  assert.equal(digestOf(await skopeoInspectRaw(copy)), img.digest);
  assert.equal((await rows(berth)).length, 2);

  // rmi: untag while another name holds the image, then delete
  assert.equal(expectCode(await berth(['rmi', ref]), 0, 'rmi').stdout, `Untagged: ${ref}\n`);
  const del = expectCode(await berth(['image', 'rm', copy]), 0, 'image rm').stdout;
  assert.match(del, new RegExp(`^Untagged: ${copy.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(del, new RegExp(`^Deleted: ${cfg}$`, 'm'));
  assert.deepEqual(snapshots(), ['none', 'none'], 'rmi removed the layer snapshots');
  assert.deepEqual(await rows(berth), []);
  const gone = await berth(['rmi', copy]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, new RegExp(`No such image: ${copy.replace(/\./g, '\\.')}`));

  // pull by digest: a repository digest, no tag
  expectCode(await berth(['pull', '-q', `${reg.host}/berth-test/copy@${img.digest}`]), 0, 'pull by digest');
  r = await rows(berth);
  assert.deepEqual([r[0].Repository, r[0].Tag, r[0].Digest, r[0].ID], [`${reg.host}/berth-test/copy`, '<none>', img.digest, cfg.slice(7, 19)]);
});

test('a tag that moves leaves a dangling image; image prune removes it, prune -a the rest', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'b'));
  const ref = `${reg.host}/berth-test/moving:v1`;
  await skopeoPush(img, ref);
  expectCode(await berth(['pull', '-q', ref]), 0, 'pull 1');
  await skopeoPush(img2, ref);
  const p = expectCode(await berth(['pull', '-q', ref]), 0, 'pull 2');
  assert.equal(p.stdout, `${ref}\n`, '-q prints only the reference');
  const dangling = await rows(berth, '--filter', 'dangling=true');
  assert.deepEqual(dangling.map((x) => [x.Repository, x.Tag, x.ID]), [[`${reg.host}/berth-test/moving`, '<none>', img.manifests[0].configDigest.slice(7, 19)]]);
  assert.deepEqual((await rows(berth, '-f', `reference=*/berth-test/mov*:v1`)).map((x) => x.ID), [img2.manifests[0].configDigest.slice(7, 19)]);
  const pr = expectCode(await berth(['image', 'prune', '-f']), 0, 'prune').stdout;
  assert.match(pr, new RegExp(`^deleted: ${img.manifests[0].configDigest}$`, 'm'));
  assert.match(pr, /^Total reclaimed space: \d/m);
  assert.deepEqual((await rows(berth)).map((x) => x.ID), [img2.manifests[0].configDigest.slice(7, 19)]);
  const all = expectCode(await berth(['image', 'prune', '-a', '-f']), 0, 'prune -a').stdout;
  assert.match(all, new RegExp(`^untagged: ${ref.replace(/\./g, '\\.')}$`, 'm'));
  assert.deepEqual(await rows(berth), []);
});

test('pull errors: unknown tag and bad reference exit 1 with a clear message', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'c'));
  const r = await berth(['pull', `${reg.host}/berth-test/busybox:nope`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Error response from daemon: .*manifest.*berth-test\/busybox:nope.*not found/i);
  const bad = await berth(['pull', 'Bad/Name']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid reference "Bad\/Name": repository name "Bad\/Name" must be lowercase|must be lowercase/);
});

test('pull --platform picks from an index; pull -a fetches every tag', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'd'));
  const multi = buildOciLayout(join(tmp, 'multi'), {
    tag: 'm', busybox: false, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }],
  });
  const repo = `${reg.host}/berth-test/multi`;
  await skopeoPush(multi, `${repo}:m`);
  await skopeoPush(img2, `${repo}:single`);
  expectCode(await berth(['pull', '-q', '--platform', 'linux/arm64', `${repo}:m`]), 0, 'pull --platform');
  const arm = multi.manifests.find((m) => m.platform.architecture === 'arm64')!;
  const ins = JSON.parse(expectCode(await berth(['image', 'inspect', `${repo}:m`]), 0, 'inspect').stdout) as [{ Id: string; Architecture: string; Variant?: string; RepoDigests: string[] }];
  assert.deepEqual([ins[0].Id, ins[0].Architecture, ins[0].Variant], [arm.configDigest, 'arm64', 'v8']);
  assert.deepEqual(ins[0].RepoDigests, [`${repo}@${multi.digest}`], 'the repository digest is the index');
  const bad = await berth(['pull', '--platform', 'linux/s390x', `${repo}:m`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no image for platform linux\/s390x \(available: linux\/amd64, linux\/arm64\/v8\)/);

  const all = expectCode(await berth(['pull', '-a', '-q', repo]), 0, 'pull -a').stdout.split('\n').filter(Boolean);
  assert.deepEqual(all, [`${repo}:m`, `${repo}:single`]);
  const tags = expectCode(await berth(['images', '--format', '{{.Tag}} {{.ID}}', repo]), 0, 'images REPO').stdout.split('\n').filter(Boolean).sort();
  const amd = multi.manifests.find((m) => m.platform.architecture === 'amd64')!;
  assert.deepEqual(tags, [`m ${amd.configDigest.slice(7, 19)}`, `single ${img2.manifests[0].configDigest.slice(7, 19)}`].sort());
});
