// The same Dockerfile built by berth and by Debian's buildah (bud, chroot isolation, vfs storage
// in the test's own directory), both images then listed by berth: the same config fields and the
// same files (type, mode, owner, size, content, link target). And an image berth wrote as an OCI
// archive runs in podman.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { defer } from '../../helpers/cleanup.ts';
import { Berth } from '../engine/harness.ts';

const haveBuildah = spawnSync('buildah', ['--version']).status === 0;
const skip = (!isRoot && 'needs root') || (!haveBuildah && 'buildah not installed (apt-get install buildah)');

const DOCKERFILE = `FROM busybox AS base
RUN echo "app:x:1000:1000::/home/app:/bin/sh" >> /etc/passwd && echo "app:x:1000:" >> /etc/group
ENV A=1 B=two
WORKDIR /srv/app
COPY a.txt link ./
COPY --chown=app:app d /srv/d/
COPY --chmod=640 a.txt /srv/moded
RUN mkdir -p /data && echo x > /data/gone && ln -s /srv/app/a.txt /data/l && chmod 700 /data
RUN rm /data/gone
FROM base
COPY --from=base /srv/app/a.txt /copied
USER app
EXPOSE 80/tcp 53/udp
LABEL org.example=yes
VOLUME /vol
STOPSIGNAL SIGINT
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
`;

// Every path but the kernel file systems and the files the runtime binds, with what defines it.
const LIST = 'find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /etc/hosts -o -path /etc/hostname -o -path /etc/resolv.conf \\) -prune -o -print | sort | '
  + 'while read f; do s=$(stat -c "%F %a %u:%g %s" "$f"); if [ -L "$f" ]; then s="$s -> $(readlink "$f")"; elif [ -f "$f" ]; then s="$s $(md5sum < "$f" | cut -c1-32)"; fi; echo "$f $s"; done';

// (EXPOSE ranges are left out: docker/BuildKit expand 8000-8001 into one key per port, buildah
// 1.28 keeps the range as one key; berth does as docker, see the plan tests.)
const FIELDS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal', 'OnBuild'];

test('berth build and buildah bud give the same config and the same files', { skip, timeout: 600_000 }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(join(ctx, 'd'), { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(ctx, 'a.txt'), 'hello\n');
  writeFileSync(join(ctx, 'd/x'), 'x\n');
  symlinkSync('a.txt', join(ctx, 'link'));
  await b.ok(['image', 'build-busybox']);
  await b.ok(['save', '--format', 'oci-archive', '-o', join(b.tmp, 'busybox.tar'), 'busybox']);
  const bh = ['--root', join(b.tmp, 'buildah-root'), '--runroot', join(b.tmp, 'buildah-run'), '--storage-driver', 'vfs'];
  const run = (args: string[]) => {
    const r = spawnSync('buildah', [...bh, ...args], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `buildah ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  run(['pull', `oci-archive:${join(b.tmp, 'busybox.tar')}`]);
  run(['bud', '--isolation', 'chroot', '--pull-never', '-t', 'localhost/cmp:buildah', ctx]);
  run(['push', 'localhost/cmp:buildah', `docker-archive:${join(b.tmp, 'buildah.tar')}:localhost/cmp:buildah`]);
  defer(t, () => { spawnSync('buildah', [...bh, 'rmi', '--all', '--force']); });
  await b.ok(['load', '-i', join(b.tmp, 'buildah.tar')]);
  await b.ok(['build', '-q', '-t', 'localhost/cmp:berth', ctx]);

  const config = async (ref: string) => {
    const c = JSON.parse(await b.ok(['image', 'inspect', ref]))[0].Config;
    const out = Object.fromEntries(FIELDS.map((k) => [k, c[k] ?? null]));
    // buildah stamps its own version in a label.
    if (out.Labels) delete (out.Labels as Record<string, string>)['io.buildah.version'];
    return out;
  };
  assert.deepEqual(await config('localhost/cmp:berth'), await config('localhost/cmp:buildah'));

  const files = async (ref: string) => (await b.ok(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', '-u', '0', ref, '-c', LIST], { timeoutMs: 120_000 })).split('\n')
    // buildah's chroot isolation leaves /run (its mount point for /run/secrets) in the image;
    // BuildKit and berth create no such directory.
    .filter((l) => !l.startsWith('/run '));
  const ours = await files('localhost/cmp:berth');
  const theirs = await files('localhost/cmp:buildah');
  assert.ok(ours.length > 250, `${ours.length} paths listed`);
  assert.deepEqual(ours, theirs);
});

const havePodman = spawnSync('podman', ['--version']).status === 0;

test('an image berth built (--output type=oci) runs in podman', { skip: (!isRoot && 'needs root') || (!havePodman && 'podman not installed'), timeout: 300_000 }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo from-berth > /hello\nUSER nobody\nCMD ["cat", "/hello"]\n');
  const archive = join(b.tmp, 'image.oci.tar');
  await b.ok(['build', '-q', '--output', `type=oci,dest=${archive}`, ctx]);
  // podman in the test's own directories; runc and ulimits under this host's hard limits.
  const pm = ['--root', join(b.tmp, 'podman-root'), '--runroot', join(b.tmp, 'podman-run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  defer(t, () => { spawnSync('podman', [...pm, 'rmi', '--all', '--force']); });
  const r = spawnSync('podman', [...pm, 'run', '--rm', '--runtime', 'runc', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768', '--network', 'none', `oci-archive:${archive}`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => l === 'from-berth').length, 1, r.stdout);
  const user = spawnSync('podman', [...pm, 'run', '--rm', '--runtime', 'runc', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768', '--network', 'none', `oci-archive:${archive}`, 'id', '-u'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(user.stdout.trim().split('\n').pop(), '65534', 'USER nobody carried over');
});
