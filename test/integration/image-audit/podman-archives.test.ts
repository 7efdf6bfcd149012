// Archives between berth and podman (docker itself is not installed here: no engine to test
// against). `berth save` (docker-archive and oci-archive) loads into podman, and podman's
// `podman save` (docker-archive and oci-archive) loads into berth; image IDs and diffIDs agree.
// podman runs with its own temp --root/--runroot (vfs) so the host's storage is not touched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildOciLayout, skopeoPush, type BuiltLayout } from '../../helpers/images.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode, type Berth } from '../image-cli/cli.ts';

const execFileP = promisify(execFile);
let tmp: string;
let reg: RegistryInstance;
let img: BuiltLayout;
let berth: Berth;
let ref: string;
let multiRef: string;
let multi: BuiltLayout;

const hasPodman = async () => { try { await execFileP('podman', ['--version']); return true; } catch { return false; } };

async function podman(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileP('podman', ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs',
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', ...args], { maxBuffer: 64 << 20, env: { ...process.env, TMPDIR: dir } });
  return stdout;
}

interface PodmanImage { Id: string; RepoTags: string[]; RootFS: { Layers: string[] } }

before(async () => {
  if (!isRoot || !(await hasPodman())) return;
  tmp = makeTemp('berth-test-audit-podman-');
  reg = await startRegistry();
  img = buildOciLayout(join(tmp, 'img'), { tag: 'v1' });
  ref = `${reg.host}/audit/busybox:v1`;
  await skopeoPush(img, ref);
  multi = buildOciLayout(join(tmp, 'multi'), { tag: 'm', busybox: false, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }] });
  multiRef = `${reg.host}/audit/multi:m`;
  await skopeoPush(multi, multiRef);
  berth = berthIn(join(tmp, 'berth'));
  expectCode(await berth(['pull', ref]), 0, 'pull');
  expectCode(await berth(['pull', multiRef]), 0, 'pull multi-platform');
});
after(async () => {
  if (tmp) {
    // podman's vfs layers may hold read-only dirs; its own reset removes them cleanly
    for (const d of ['p-docker', 'p-oci', 'p-src']) await podman(join(tmp, d), 'system', 'reset', '--force').catch(() => undefined);
  }
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

const skip = !isRoot ? 'needs root' : !(await hasPodman()) ? 'podman is not installed' : false;
const id = () => img.manifests[0].configDigest;
const diffIds = () => img.manifests[0].layers.map((l) => l.diffId);

for (const format of ['docker-archive', 'oci-archive'] as const) {
  test(`berth save --format ${format} loads in podman with the same ID, layers and name`, { skip }, async () => {
    const file = join(tmp, `berth-${format}.tar`);
    expectCode(await berth(['save', '--format', format, '-o', file, ref]), 0, 'save');
    const pdir = join(tmp, format === 'docker-archive' ? 'p-docker' : 'p-oci');
    const out = await podman(pdir, 'load', '-i', file);
    assert.match(out, /Loaded image/);
    const [ins] = JSON.parse(await podman(pdir, 'image', 'inspect', ref)) as PodmanImage[];
    assert.equal(`sha256:${ins.Id}`, id());
    assert.deepEqual(ins.RootFS.Layers, diffIds());
    assert.ok(ins.RepoTags.includes(ref), `podman names it ${ref}: ${ins.RepoTags.join(' ')}`);
    // an image pulled through a multi-platform index: its host platform goes into the archive
    const mfile = join(tmp, `berth-multi-${format}.tar`);
    expectCode(await berth(['save', '--format', format, '-o', mfile, multiRef]), 0, 'save multi');
    await podman(pdir, 'load', '-i', mfile);
    const [mins] = JSON.parse(await podman(pdir, 'image', 'inspect', multiRef)) as PodmanImage[];
    const amd = multi.manifests.find((m) => m.platform.architecture === 'amd64')!;
    assert.equal(`sha256:${mins.Id}`, amd.configDigest);
    // podman can read the files of the loaded image (its layers unpacked)
    const mnt = (await podman(pdir, 'image', 'mount', ref)).trim();
    try {
      assert.equal((await execFileP('cat', [join(mnt, 'etc/berth-platform')])).stdout, 'linux/amd64\n');
    } finally { await podman(pdir, 'image', 'unmount', ref); }
  });
}

test("podman save (docker-archive and oci-archive) loads in berth with the same ID and layers", { skip }, async () => {
  const pdir = join(tmp, 'p-src');
  await podman(pdir, 'pull', '--tls-verify=false', `docker://${ref}`);
  for (const format of ['docker-archive', 'oci-archive'] as const) {
    const file = join(tmp, `podman-${format}.tar`);
    await podman(pdir, 'save', '--format', format, '-o', file, ref);
    const b = berthIn(join(tmp, `b-${format}`));
    const l = expectCode(await b(['load', '-i', file]), 0, `load ${format}`);
    assert.match(l.stdout, /Loaded image/);
    const [ins] = JSON.parse(expectCode(await b(['image', 'inspect', ref]), 0, 'inspect').stdout) as [{ Id: string; RepoTags: string[]; RootFS: { Layers: string[] } }];
    assert.equal(ins.Id, id(), format);
    assert.deepEqual(ins.RootFS.Layers, diffIds(), format);
    assert.deepEqual(ins.RepoTags, [ref], format);
    // and berth can save it again, which podman's skopeo counterpart reads
    const again = join(tmp, `again-${format}.tar`);
    expectCode(await b(['save', '-o', again, ref]), 0, 'save again');
    const { stdout } = await execFileP('skopeo', ['inspect', '--config', `docker-archive:${again}`]);
    assert.deepEqual((JSON.parse(stdout) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids, diffIds());
  }
});
