// The systemd user units for a user's berthd (contrib/systemd/user, docs/rootless.md): checked
// with `systemd-analyze --user verify` where it exists (these VMs have no user sessions, so the
// units are not run by a user manager here), and what berth-docker.socket does, done by
// systemd-socket-activate as a user the test makes: the socket passed to `berth system service`
// (fd 3, LISTEN_FDS/LISTEN_PID) survives the hop into the user's namespace, and the docker CLI
// gets the user's rootless berthd through it. After SIGTERM berthd is gone with its workers.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killOnEnd, fileCleanups } from '../../helpers/cleanup.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { TOP } from '../runtime/support.ts';
import { commOf, installTree, makeUser, processesOf, skip, ok, type Result } from './support.ts';

const UNITS = join(TOP, 'contrib/systemd/user');
const DOCKER = '/usr/local/bin/docker';
const suite = fileCleanups();
let prefix = '';

before(() => {
  if (!skip && existsSync('/usr/bin/systemd-socket-activate') && existsSync(DOCKER)) prefix = installTree(suite);
});

test('the user units pass systemd-analyze --user verify; berthd keeps the containers on stop', { skip: !existsSync('/usr/bin/systemd-analyze') && 'needs systemd-analyze' }, () => {
  // A user manager's runtime directory is all it needs to resolve %t without a session.
  const xdg = makeTemp('berth-units-xdg-');
  try {
    const r = spawnSync('systemd-analyze', ['--user', 'verify', join(UNITS, 'berthd.service'), join(UNITS, 'berth-docker.socket')],
      { env: { ...process.env, XDG_RUNTIME_DIR: xdg }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // verify exits 0 on settings it ignores: any word from it is a defect.
    assert.equal(r.stderr.trim(), '', 'systemd-analyze has nothing to say');
  } finally {
    removeTemp(xdg);
  }
  const service = readFileSync(join(UNITS, 'berthd.service'), 'utf8');
  assert.match(service, /^KillMode=process$/m, 'stopping berthd must not kill the user\'s containers (they live in its cgroup)');
  assert.match(service, /^ExecStart=\/usr\/local\/bin\/berth system service$/m);
  const socket = readFileSync(join(UNITS, 'berth-docker.socket'), 'utf8');
  assert.match(socket, /^ListenStream=%t\/berth\/docker\.sock$/m);
  assert.match(socket, /^SocketMode=0600$/m);
  assert.match(socket, /^DirectoryMode=0700$/m, 'berth refuses a run root others can enter');
});

test('socket activation as the user: berthd serves the Docker API on the socket passed to it', {
  skip: skip || (!existsSync('/usr/bin/systemd-socket-activate') && 'needs systemd-socket-activate') || (!existsSync(DOCKER) && 'needs the docker CLI'),
}, async (t) => {
  const user = makeUser(t, prefix, { sub: true, xdgRuntime: true });
  const socket = join(user.runRoot, 'docker.sock');
  ok(await user.berth(['image', 'build-busybox']), 'build-busybox');
  // What systemd does for berth-docker.socket: the directory 0700, the socket listening, and
  // berthd started on the first connection with the socket as fd 3.
  ok(await user.run(['mkdir', '-p', '-m', '0700', user.runRoot]), 'mkdir');
  const env = Object.keys(user.env).flatMap((k) => ['-E', k]);
  const activator = spawn('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--',
    'systemd-socket-activate', ...env, '-l', socket, 'berth', 'system', 'service', '--workers', '1'],
  { env: user.env, cwd: user.home, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  activator.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
  killOnEnd(t, activator);
  for (const end = Date.now() + 60_000; !existsSync(socket) && Date.now() < end;) await new Promise((res) => setTimeout(res, 50));

  const docker = (args: string[]) => user.run(['env', `DOCKER_HOST=unix://${socket}`, DOCKER, ...args], { timeout: 120_000 });
  assert.match(ok(await docker(['info', '--format', '{{.SecurityOptions}}']), 'docker info').stdout, /name=rootless/);
  assert.match(log, /berthd: Docker API on the socket systemd passed \(socket activation\)/, log);
  assert.equal(ok(await docker(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'activated']), 'docker run').stdout, 'activated\n');

  // berthd is the activator's process (every hop an exec); SIGTERM ends it and its workers.
  activator.kill('SIGTERM');
  await new Promise((res) => activator.once('exit', res));
  for (const end = Date.now() + 60_000; processesOf(user.uid, user.sub).some((p) => commOf(p) !== 'berth-userns') && Date.now() < end;) await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(processesOf(user.uid, user.sub).map(commOf), ['berth-userns'], 'only the namespace holder is left');
  assert.ok(!existsSync(join(user.runRoot, 'berthd.sock')), 'berthd removed its own socket');
});
