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
const FIELDS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal', 'OnBuild', 'Healthcheck', 'Shell'];

const DOCKERFILE_SCOPES = `ARG BASE=busybox
ARG GLOBAL=g1
FROM \${BASE} AS first
ARG GLOBAL
ARG LOCAL=l1
ENV E1=\${GLOBAL}-\${LOCAL} E2="two words" E3=$E1
ENV PATH=/opt/bin:$PATH
LABEL combined="\${E1}:\${E2}" plain=yes
WORKDIR /w/\${LOCAL}
WORKDIR rel
RUN echo "app:x:1000:1000::/home/app:/bin/sh" >> /etc/passwd && echo "app:x:1000:" >> /etc/group
COPY --chown=1000:1000 dir/ /copied/
COPY --chmod=0700 top.txt /moded
COPY dir/* /flat/
USER app
RUN touch /tmp/owned-by-app && echo $E3 > /tmp/e3
USER root
SHELL ["/bin/sh", "-e", "-c"]
RUN echo "$GLOBAL $LOCAL" > /args
EXPOSE 8080 9090/udp
HEALTHCHECK --interval=30s --timeout=5s --retries=2 CMD wget -q -O- localhost:8080 || exit 1
STOPSIGNAL SIGQUIT
ONBUILD RUN echo child
VOLUME ["/data", "/logs"]
ENTRYPOINT ["/bin/sh"]
`;

/** Builds `ctx` with buildah and with berth in `b`; returns both images' configs and file lists. */
async function buildBoth(t: Parameters<typeof defer>[0], b: Berth, ctx: string, name: string) {
  await b.ok(['image', 'build-busybox']);
  await b.ok(['save', '--format', 'oci-archive', '-o', join(b.tmp, 'busybox.tar'), 'busybox']);
  const bh = ['--root', join(b.tmp, 'buildah-root'), '--runroot', join(b.tmp, 'buildah-run'), '--storage-driver', 'vfs'];
  const run = (args: string[]) => {
    const r = spawnSync('buildah', [...bh, ...args], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `buildah ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  defer(t, () => { spawnSync('buildah', [...bh, 'rmi', '--all', '--force']); });
  run(['pull', `oci-archive:${join(b.tmp, 'busybox.tar')}`]);
  run(['bud', '--isolation', 'chroot', '--pull-never', '--format', 'docker', '-t', `localhost/${name}:buildah`, ctx]);
  run(['push', `localhost/${name}:buildah`, `docker-archive:${join(b.tmp, `${name}.tar`)}:localhost/${name}:buildah`]);
  await b.ok(['load', '-i', join(b.tmp, `${name}.tar`)]);
  await b.ok(['build', '-q', '-t', `localhost/${name}:berth`, ctx]);
  const config = async (ref: string) => {
    const c = JSON.parse(await b.ok(['image', 'inspect', ref]))[0].Config;
    const out = Object.fromEntries(FIELDS.map((k) => [k, c[k] ?? null]));
    // buildah stamps its own version in a label.
    if (out.Labels) delete (out.Labels as Record<string, string>)['io.buildah.version'];
    // No triggers: docker's format writes [] (buildah --format docker), berth leaves it out.
    if (Array.isArray(out.OnBuild) && out.OnBuild.length === 0) out.OnBuild = null;
    return out;
  };
  const files = async (ref: string) => (await b.ok(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', '-u', '0', ref, '-c', LIST], { timeoutMs: 120_000 })).split('\n')
    // buildah's chroot isolation leaves /run (its mount point for /run/secrets) in the image;
    // BuildKit and berth create no such directory.
    .filter((l) => !l.startsWith('/run '));
  return {
    ours: { config: await config(`localhost/${name}:berth`), files: await files(`localhost/${name}:berth`) },
    theirs: { config: await config(`localhost/${name}:buildah`), files: await files(`localhost/${name}:buildah`) },
  };
}

test('berth build and buildah bud give the same config and the same files', { skip, timeout: 600_000 }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(join(ctx, 'd'), { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(ctx, 'a.txt'), 'hello\n');
  writeFileSync(join(ctx, 'd/x'), 'x\n');
  symlinkSync('a.txt', join(ctx, 'link'));
  const { ours, theirs } = await buildBoth(t, b, ctx, 'cmp');
  assert.deepEqual(ours.config, theirs.config);
  assert.ok(ours.files.length > 250, `${ours.files.length} paths listed`);
  assert.deepEqual(ours.files, theirs.files);
});

test('ARG/ENV scoping and expansion, WORKDIR, SHELL, HEALTHCHECK, ONBUILD: as buildah', { skip, timeout: 600_000 }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(join(ctx, 'dir/sub'), { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE_SCOPES);
  writeFileSync(join(ctx, 'dir/a'), 'a\n');
  writeFileSync(join(ctx, 'dir/sub/b'), 'b\n');
  writeFileSync(join(ctx, 'top.txt'), 'top\n');
  const { ours, theirs } = await buildBoth(t, b, ctx, 'scopes');
  // Where docker (BuildKit) and buildah 1.28 differ, berth does as docker: an ENTRYPOINT drops an
  // inherited CMD to null (buildah: []), and ENV PATH=… updates PATH where it stands in the list
  // (buildah moves it last). The rest must match.
  assert.equal(ours.config.Cmd, null);
  assert.deepEqual(theirs.config.Cmd, []);
  assert.equal((ours.config.Env as string[])[0].split('=')[0], 'PATH');
  for (const side of [ours, theirs]) { side.config.Cmd = null; side.config.Env = [...(side.config.Env as string[])].sort(); }
  assert.deepEqual(ours.config, theirs.config);
  assert.deepEqual(ours.files, theirs.files);
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
