// A user's berthd serves the Docker API in the user's own run root (issue #14, as rootless docker
// does): $XDG_RUNTIME_DIR/berth/docker.sock, mode 0600 and the user's (not root:berth), where the
// docker CLI run as that user runs a container and lists containers, and another user cannot
// connect; `docker build` there works too. And `berth build` of a small Dockerfile (RUN on the default network, which is
// slirp4netns rootless; COPY; CMD) as the user, whose result `berth run --rm` prints.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { killOnEnd, fileCleanups } from '../../helpers/cleanup.ts';
import { commOf, installTree, makeUser, processesOf, skip, userMounts, ok, openToUsers, type Result } from './support.ts';

const suite = fileCleanups();
let prefix = '';
const DOCKER = '/usr/local/bin/docker';
const slirp = ['/usr/bin/slirp4netns', '/dev/net/tun'].every((p) => existsSync(p));

before(() => {
  if (skip) return;
  prefix = installTree(suite);
  if (slirp) openToUsers(suite, '/dev/net/tun');
});

async function settle(uid: number): Promise<string[]> {
  const others = () => processesOf(uid).map((p) => `${p} ${commOf(p)}`).filter((p) => !p.endsWith(' berth-userns'));
  for (const end = Date.now() + 60_000; others().length && Date.now() < end;) await new Promise((res) => setTimeout(res, 50));
  return others();
}

test("a user's berthd serves the Docker API at $XDG_RUNTIME_DIR/berth/docker.sock, the user's alone", { skip: skip || (!existsSync(DOCKER) && 'needs the docker CLI') }, async (t) => {
  const a = makeUser(t, prefix, { sub: true, xdgRuntime: true });
  const b = makeUser(t, prefix);
  assert.equal(a.runRoot, join(a.env.XDG_RUNTIME_DIR!, 'berth'));
  const socket = join(a.runRoot, 'docker.sock');
  const service = spawn('setpriv', ['--reuid', String(a.uid), '--regid', String(a.gid), '--clear-groups', '--', 'berth', 'system', 'service', '--workers', '1'],
    { env: a.env, cwd: a.home, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  service.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
  killOnEnd(t, service);
  for (const end = Date.now() + 60_000; !log.includes('Docker API on') && Date.now() < end;) await new Promise((res) => setTimeout(res, 50));
  assert.match(log, new RegExp(`Docker API on unix://${socket}\\n`), log);

  // The user's, mode 0600: not group-accessible (no berth group), as rootless docker's.
  const st = statSync(socket);
  assert.ok(st.isSocket());
  assert.equal(st.uid, a.uid, 'owned by the user');
  assert.equal(st.gid, a.gid, "the user's group, not berth");
  assert.equal(st.mode & 0o777, 0o600);

  // The built-in busybox (from the host's busybox-static: no network here), in the user's store.
  ok(await a.berth(['image', 'build-busybox']), 'image build-busybox');
  const docker = (u: typeof a, args: string[]) => u.run(['env', `DOCKER_HOST=unix://${socket}`, DOCKER, ...args], { timeout: 120_000 });
  const run = ok(await docker(a, ['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo hi; id -u']), 'docker run');
  assert.equal(run.stdout, 'hi\n0\n');
  const d = ok(await docker(a, ['run', '-d', '--name', 'api-sleeper', '--network', 'none', 'busybox', 'sleep', '300']), 'docker run -d').stdout.trim();
  const ps = ok(await docker(a, ['ps', '--format', '{{.ID}} {{.Names}}']), 'docker ps').stdout;
  assert.equal(ps.trim(), `${d.slice(0, 12)} api-sleeper`);
  // The container is the user's: berth (the plain CLI, same state) sees it too.
  assert.match(ok(await a.berth(['ps']), 'berth ps').stdout, /api-sleeper/);
  assert.match(ok(await docker(a, ['info', '--format', '{{.SecurityOptions}}']), 'docker info').stdout, /name=rootless/);

  // Another user cannot connect (the socket and its run root are the user's alone).
  const other = await docker(b, ['ps']);
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /permission denied/i);

  // docker build through the API (the classic builder's endpoint), as the user.
  const ctx = join(a.home, 'api-ctx');
  ok(await a.run(['sh', '-c', `mkdir -p ${ctx} && printf 'from-api\\n' > ${ctx}/f && printf '%s\\n' 'FROM busybox' 'RUN echo ran > /r' 'COPY f /f' 'CMD ["cat", "/r", "/f"]' > ${ctx}/Dockerfile`]), 'api context');
  ok(await a.run(['env', `DOCKER_HOST=unix://${socket}`, 'DOCKER_BUILDKIT=0', DOCKER, 'build', '-q', '-t', 'api-built:1', ctx], { timeout: 240_000 }), 'docker build');
  assert.equal(ok(await docker(a, ['run', '--rm', '--network', 'none', 'api-built:1']), 'docker run of the build').stdout, 'ran\nfrom-api\n');

  ok(await docker(a, ['rm', '-f', 'api-sleeper']), 'docker rm -f');
  assert.equal(ok(await docker(a, ['ps', '-aq']), 'docker ps -a').stdout, '');
  service.kill('SIGTERM');
  await new Promise((res) => service.once('exit', res));
  assert.ok(!existsSync(socket), 'berthd removed the Docker API socket');
  assert.deepEqual(await settle(a.uid), [], 'processes left');
  assert.deepEqual(userMounts(a, [a.home, a.runRoot]), [], 'mounts left in the user namespace');
});

test('berth build of a small Dockerfile as the user (RUN on slirp4netns, COPY, CMD), then run --rm of it', { skip: skip || (!slirp && 'needs slirp4netns and /dev/net/tun') }, async (t) => {
  const a = makeUser(t, prefix, { sub: true });
  const ctx = join(a.home, 'ctx');
  ok(await a.run(['mkdir', '-p', ctx]), 'mkdir');
  ok(await a.run(['sh', '-c', `printf 'copied\\n' > ${ctx}/note.txt && printf '%s\\n' 'FROM busybox' 'RUN echo built > /built.txt && ip -4 addr show tap0 | grep -o "inet [0-9.]*" > /net.txt' 'COPY note.txt /note.txt' 'CMD ["sh", "-c", "cat /built.txt /note.txt /net.txt; id -u"]' > ${ctx}/Dockerfile`]), 'context');
  const b = await a.berth(['build', '-q', '-t', 'rl-hello:1', ctx], { timeout: 240_000 });
  ok(b, 'build');
  const out = ok(await a.berth(['run', '--rm', '--network', 'none', 'rl-hello:1']), 'run --rm').stdout;
  assert.equal(out, 'built\ncopied\ninet 10.0.2.100\n0\n');
  // RUN --network none works too, and the build leaves no slirp4netns or netns behind.
  ok(await a.run(['sh', '-c', `printf '%s\\n' 'FROM busybox' 'RUN ls /sys/class/net > /nets' 'CMD ["cat", "/nets"]' > ${ctx}/Dockerfile`]), 'context 2');
  ok(await a.berth(['build', '-q', '--network', 'none', '-t', 'rl-none:1', ctx], { timeout: 240_000 }), 'build --network none');
  assert.equal(ok(await a.berth(['run', '--rm', '--network', 'none', 'rl-none:1']), 'run none').stdout, 'lo\n');
  assert.deepEqual(await settle(a.uid), [], 'processes left (slirp4netns of the build)');
  assert.deepEqual(userMounts(a, [a.home, a.runRoot]), [], 'mounts left in the user namespace');
  const netns = join(a.runRoot, 'netns');
  const left = existsSync(netns) ? (await a.run(['ls', '-A', netns])).stdout.trim() : '';
  assert.equal(left, '', 'netns left');
});
