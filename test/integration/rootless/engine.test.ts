// The whole engine as a user without root (issue #14), through the installed `berth` of this
// tree. A user the test makes, with subordinate id ranges, pulls from a local registry, runs
// with output and exit code, runs detached (logs, exec, top, stats, stop, rm), writes to a bind
// mount and a volume (owners mapped: the user's own id for container root, the range for
// others), uses the host's network and the default network (slirp4netns) with a published port,
// and cannot write what the user cannot (the host's /etc, --privileged too). Limits and low ports
// are refused with their reasons (user networks: networks.test.ts); nothing is left after rm (processes, mounts
// in its namespace, netns, files outside its state); a killed pause process is replaced in the
// old namespace. A second user with no ranges (one-id map, with the warning) runs its own
// containers and cannot see or touch the first's containers, images, state or sockets; an image
// the first pushes (a file of uid 1000) unpacks as the second's own, and a container user other
// than 0 is refused there with the reason. A user's own berthd serves it alone.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildOciLayout, skopeoPush } from '../../helpers/images.ts';
import { freePort, startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { killOnEnd, fileCleanups } from '../../helpers/cleanup.ts';
import { assertNoLeftovers, commOf, installTree, makeUser, pausePid, processesOf, skip, tmpFilesOf, ok, openToUsers, type Result } from './support.ts';

let reg: RegistryInstance | undefined;
let image = '';
const suite = fileCleanups();
let prefix = '';
const slirp = ['/usr/bin/slirp4netns', '/dev/net/tun'].every((p) => existsSync(p));

before(async () => {
  if (skip) return;
  prefix = installTree(suite);
  if (slirp) openToUsers(suite, '/dev/net/tun');
  reg = await startRegistry();
  suite.after(() => reg?.stop());
  const dir = makeTemp('berth-rootless-img-');
  try {
    const layout = buildOciLayout(join(dir, 'layout'), { tag: 'v1' });
    image = `${reg.host}/rootless/busybox:v1`;
    await skopeoPush(layout, image);
  } finally {
    removeTemp(dir);
  }
});

test('a user with subordinate ranges: pull, run, detached life cycle, volumes, host network, no leftovers', { skip }, async (t) => {
  const user = makeUser(t, prefix, { sub: true });
  const sub = user.sub!;

  // Per-user state, said by info; the namespace maps the user to 0 and its range from 1.
  const info = ok(await user.berth(['info']), 'info').stdout;
  assert.match(info, new RegExp(`DockerRootDir: ${user.home}/.local/share/berth\\n`));
  assert.match(info, new RegExp(`RunRoot: /tmp/berth-${user.uid}\\n`));
  assert.match(info, new RegExp(`Rootless: true \\(uid ${user.uid}; user namespace uid map: 0 ${user.uid} 1, 1 ${sub.start} ${sub.count}\\)`));
  const rr = statSync(user.runRoot);
  assert.equal(rr.uid, user.uid);
  assert.equal(rr.mode & 0o777, 0o700, 'run root private');
  const pause = pausePid(user);
  assert.equal(commOf(pause), 'berth-userns');

  // Pull from the local registry into the user's own store.
  ok(await user.berth(['pull', '-q', image]), 'pull');
  assert.match(ok(await user.berth(['images']), 'images').stdout, /rootless\/busybox\s+v1/);
  assert.ok(existsSync(join(user.home, '.local/share/berth/blobs/sha256')));

  // run --rm: output and exit code; container root is the user's namespace root.
  const r = await user.berth(['run', '--rm', '--network', 'none', image, 'sh', '-c', 'echo hi; id -u; cat /proc/self/uid_map; exit 3']);
  assert.equal(r.code, 3, r.stderr);
  const [hi, id, ...map] = r.stdout.trim().split('\n');
  assert.equal(hi, 'hi');
  assert.equal(id, '0');
  assert.deepEqual(map.map((l) => l.trim().split(/\s+/)), [['0', String(user.uid), '1'], ['1', String(sub.start), String(sub.count)]], 'the container is in the user\'s namespace');

  // run -d, logs, exec, stop, rm.
  const cid = ok(await user.berth(['run', '-d', '--name', 'life', '--network', 'none', image, 'sh', '-c', 'echo started; trap "exit 0" TERM; while :; do sleep 0.2; done']), 'run -d').stdout.trim();
  assert.match(cid, /^[0-9a-f]{64}$/);
  let logs = '';
  for (const end = Date.now() + 60_000; !logs.includes('started') && Date.now() < end;) {
    logs = ok(await user.berth(['logs', 'life']), 'logs').stdout;
    if (!logs.includes('started')) await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(logs, 'started\n');
  assert.equal(ok(await user.berth(['exec', 'life', 'sh', '-c', 'echo in-exec; id -u']), 'exec').stdout, 'in-exec\n0\n');
  assert.match(ok(await user.berth(['ps']), 'ps').stdout, /life/);
  // No cgroup: top finds the processes by the container's pid namespace.
  assert.match(ok(await user.berth(['top', 'life']), 'top').stdout, /sh -c echo started/);
  // ...and stats sums their /proc entries.
  const st = ok(await user.berth(['stats', '--no-stream', 'life']), 'stats').stdout.trim().split('\n');
  assert.match(st[1] ?? '', /life\s+[\d.]+%\s+[\d.]+(?:KiB|MiB)\s+\/\s+[\d.]+GiB.*\s(\d+)$/);
  assert.ok(Number(/(\d+)$/.exec(st[1])![1]) >= 1, 'stats counts the container\'s processes');
  const paused = await user.berth(['pause', 'life']);
  assert.notEqual(paused.code, 0);
  assert.match(paused.stderr, /no cgroup to freeze/);
  const ctr = processesOf(user.uid, sub).filter((p) => commOf(p) === 'sh');
  assert.ok(ctr.length >= 1, 'the container\'s process runs as the user on the host');
  ok(await user.berth(['stop', '-t', '5', 'life']), 'stop');
  assert.match(ok(await user.berth(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), 'ps -a').stdout, /life Exited \(0\)/);
  ok(await user.berth(['rm', 'life']), 'rm');
  assert.equal(ok(await user.berth(['ps', '-aq']), 'ps -aq').stdout, '');

  // A bind mount of the user's own directory: container root writes as the user; uid 1000 of
  // the container is the range's 1000th id.
  const data = join(user.home, 'data');
  ok(await user.run(['mkdir', '-m', '0777', data]), 'mkdir');
  ok(await user.berth(['run', '--rm', '--network', 'none', '-v', `${data}:/data`, image, 'sh', '-c', 'echo root > /data/by-root']), 'bind write');
  ok(await user.berth(['run', '--rm', '--network', 'none', '--user', '1000:1000', '-v', `${data}:/data`, image, 'sh', '-c', 'echo u > /data/by-1000']), 'bind write as 1000');
  assert.equal(statSync(join(data, 'by-root')).uid, user.uid);
  assert.equal(statSync(join(data, 'by-1000')).uid, sub.start + 999);
  assert.equal(statSync(join(data, 'by-1000')).gid, sub.start + 999);
  // Container root is no root on the host: a bind of the host's /etc stays read-only to it,
  // --privileged included (all capabilities, but of the user's namespace).
  const probe = `/etc/berth-rootless-probe-${process.pid}`;
  for (const extra of [[], ['--privileged']]) {
    const w = await user.berth(['run', '--rm', '--network', 'none', ...extra, '-v', '/etc:/hostetc', image, 'sh', '-c', `touch /hostetc/${probe.slice(5)}; echo touch=$?; chown 0 /hostetc/passwd; echo chown=$?`]);
    ok(w, `write to the host's /etc ${extra.join(' ')}`);
    assert.match(w.stdout, /touch=1\nchown=1\n/);
    assert.ok(!existsSync(probe), 'the container wrote into the host\'s /etc');
  }
  // A named volume lives in the user's state, written as the user.
  ok(await user.berth(['run', '--rm', '--network', 'none', '-v', 'vol1:/v', image, 'sh', '-c', 'echo v > /v/f']), 'volume write');
  const mp = JSON.parse(ok(await user.berth(['volume', 'inspect', 'vol1']), 'volume inspect').stdout)[0].Mountpoint as string;
  assert.equal(mp, join(user.home, '.local/share/berth/volumes/vol1/_data'));
  assert.equal(statSync(join(mp, 'f')).uid, user.uid);
  ok(await user.berth(['volume', 'rm', 'vol1']), 'volume rm');

  // The host's network (its /sys bound: sysfs needs the netns's owner).
  assert.equal(ok(await user.berth(['run', '--rm', '--network', 'host', image, 'hostname']), 'host net').stdout.trim(), hostname());

  // The default network: slirp4netns, with a published port from the host to busybox httpd.
  if (slirp) {
    const inside = ok(await user.berth(['run', '--rm', image, 'sh', '-c', 'ip -4 addr show tap0; ip route; cat /etc/resolv.conf']), 'default network').stdout;
    assert.match(inside, /inet 10\.0\.2\.100\/24/);
    assert.match(inside, /default via 10\.0\.2\.2/);
    assert.match(inside, /nameserver 10\.0\.2\.3/);
    const port = await freePort();
    ok(await user.berth(['run', '-d', '--name', 'web', '-p', `${port}:80`, image, 'httpd', '-f', '-p', '80', '-h', '/etc']), 'run -p');
    assert.match(ok(await user.berth(['port', 'web']), 'port').stdout, new RegExp(`80/tcp -> 0\\.0\\.0\\.0:${port}`));
    let body = '';
    for (const end = Date.now() + 60_000; !body && Date.now() < end;) {
      body = await fetch(`http://127.0.0.1:${port}/hostname`).then((res) => res.ok ? res.text() : '', () => '');
      if (!body) await new Promise((res) => setTimeout(res, 100));
    }
    assert.match(body, /^[0-9a-f]{12}\n$/, 'the container\'s hostname file through the published port');
    ok(await user.berth(['rm', '-f', 'web']), 'rm -f web');
    assert.ok(!processesOf(user.uid, sub).some((p) => commOf(p) === 'slirp4netns'), 'slirp4netns stopped with its container');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/hostname`), 'the port is closed after rm');
    const low = await user.berth(['run', '--rm', '-p', '80:80', image, 'true']);
    assert.equal(low.code, 125);
    assert.match(low.stderr, /rootless: host port 80 is below net\.ipv4\.ip_unprivileged_port_start \(\d+\)/);
  } else {
    const r = await user.berth(['run', '--rm', image, 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /the default network needs slirp4netns/);
  }
  // The default network (slirp4netns) is no bridge: network ls lists the predefined host and
  // none, and the user's own (networks.test.ts makes some).
  assert.equal(ok(await user.berth(['network', 'ls', '--format', '{{.Name}}']), 'network ls').stdout, 'host\nnone\n');
  assert.equal(ok(await user.berth(['network', 'ls', '-q', '--filter', 'type=custom']), 'network ls').stdout, '');
  ok(await user.berth(['system', 'prune', '-f']), 'system prune');
  // What the host forbids says why.
  if (existsSync('/sys/fs/cgroup/memory') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const lim = await user.berth(['run', '--rm', '--network', 'none', '--memory', '64m', image, 'true']);
    assert.equal(lim.code, 125);
    assert.match(lim.stderr, /resource limits cannot apply rootless here: .* \(cgroup v1 is not delegated to this user; cgroup v1 never is\)/);
  }
  assert.equal(ok(await user.berth(['ps', '-aq']), 'ps -aq').stdout, '', 'refused creates leave no container');

  await assertNoLeftovers(user);
  assert.equal(pausePid(user), pause, 'every command joined the same namespace');

  // The pause process killed while a container runs: the next command holds that container's
  // namespaces again (found through its conmon), so its mounts are where the engine looks.
  ok(await user.berth(['run', '-d', '--name', 'orphan', '--network', 'none', image, 'sleep', '1000']), 'run -d orphan');
  const userns = readlinkSync(`/proc/${pause}/ns/user`);
  process.kill(pause, 'SIGKILL');
  for (const end = Date.now() + 60_000; commOf(pause) === 'berth-userns' && !/^State:\s+Z/m.test(readFileSync(`/proc/${pause}/status`, 'utf8')) && Date.now() < end;) await new Promise((res) => setTimeout(res, 20));
  assert.match(ok(await user.berth(['ps', '--format', '{{.Names}} {{.Status}}']), 'ps after the kill').stdout, /^orphan Up/m);
  const again = pausePid(user);
  assert.notEqual(again, pause);
  assert.equal(readlinkSync(`/proc/${again}/ns/user`), userns, 'the new pause process holds the old namespace');
  assert.equal(ok(await user.berth(['exec', 'orphan', 'echo', 'still-here']), 'exec after the kill').stdout, 'still-here\n');
  ok(await user.berth(['rm', '-f', 'orphan']), 'rm -f orphan');
  await assertNoLeftovers(user);
});

test('isolation: a second user (no ranges: one-id map, warned) sees and touches nothing of the first', { skip }, async (t) => {
  const a = makeUser(t, prefix, { sub: true });
  const b = makeUser(t, prefix, { xdgRuntime: true });

  ok(await a.berth(['pull', '-q', image]), 'a pull');
  const cid = ok(await a.berth(['run', '-d', '--name', 'secret', '--network', 'none', image, 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.2; done']), 'a run -d').stdout.trim();
  const ctrPid = Number(ok(await a.berth(['inspect', '--format', '{{.State.Pid}}', 'secret']), 'a inspect').stdout.trim());
  assert.ok(ctrPid > 0);

  // b's first command makes its namespace of one id, with the warning; its state is its own.
  const first = await b.berth(['info']);
  ok(first, 'b info');
  assert.match(first.stderr, /has no subordinate ids in \/etc\/subuid and \/etc\/subgid: the user namespace maps only your own id/);
  assert.match(first.stdout, new RegExp(`RunRoot: ${b.env.XDG_RUNTIME_DIR}/berth\\n`));
  assert.match(first.stdout, new RegExp(`user namespace uid map: 0 ${b.uid} 1\\)`));
  assert.doesNotMatch((await b.berth(['info'])).stderr, /warning/, 'warned once, when the namespace is made');

  // b works on its own (built-in busybox: no pull), as its own id.
  const br = await b.berth(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo b-here; exit 4']);
  assert.equal(br.code, 4, br.stderr);
  assert.equal(br.stdout, 'b-here\n');
  ok(await b.berth(['run', '-d', '--name', 'bd', '--network', 'none', 'busybox', 'sh', '-c', 'echo b-started; trap "exit 0" TERM; while :; do sleep 0.2; done']), 'b run -d');
  let blogs = '';
  for (const end = Date.now() + 60_000; !blogs && Date.now() < end;) {
    blogs = ok(await b.berth(['logs', 'bd']), 'b logs').stdout;
    if (!blogs) await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(blogs, 'b-started\n');
  assert.equal(ok(await b.berth(['exec', 'bd', 'cat', '/proc/self/uid_map']), 'b exec').stdout.trim().split(/\s+/).join(' '), `0 ${b.uid} 1`);
  ok(await b.berth(['stop', '-t', '5', 'bd']), 'b stop');
  ok(await b.berth(['rm', 'bd']), 'b rm');

  // An image with a file of uid 1000, made and pushed by a (its range holds 1000), pulled by b:
  // b's namespace of one id unpacks it as b's own; a container user other than 0 is refused.
  ok(await a.berth(['run', '--name', 'mk', '--network', 'none', image, 'sh', '-c', 'touch /owned; chown 1000:1000 /owned']), 'a run mk');
  const owned = `${reg!.host}/rootless/owned:v1`;
  ok(await a.berth(['commit', 'mk', owned]), 'a commit');
  ok(await a.berth(['rm', 'mk']), 'a rm mk');
  ok(await a.berth(['push', owned]), 'a push');
  assert.match(ok(await a.berth(['run', '--rm', '--network', 'none', owned, 'stat', '-c', '%u:%g', '/owned']), 'a stat').stdout, /^1000:1000$/m);
  ok(await b.berth(['pull', '-q', owned]), 'b pull');
  assert.match(ok(await b.berth(['run', '--rm', '--network', 'none', owned, 'stat', '-c', '%u:%g', '/owned']), 'b stat').stdout, /^0:0$/m);
  const as1000 = await b.berth(['run', '--rm', '--network', 'none', '--user', '1000', owned, 'true']);
  assert.equal(as1000.code, 125);
  assert.match(as1000.stderr, /rootless without subordinate ids: the container cannot run as 1000:0, the user namespace maps only 0/);

  // Nothing of a's is visible to b.
  assert.equal(ok(await b.berth(['ps', '-aq']), 'b ps').stdout, '');
  assert.doesNotMatch(ok(await b.berth(['images']), 'b images').stdout, /rootless\/busybox/);
  ok(await b.berth(['rmi', owned]), 'b rmi');
  assert.match(ok(await a.berth(['images']), 'a images').stdout, /rootless\/owned/, 'b\'s rmi is b\'s alone');
  for (const args of [['stop', 'secret'], ['rm', '-f', cid], ['exec', cid, 'true'], ['logs', cid]]) {
    const r = await b.berth(args);
    assert.notEqual(r.code, 0, `b ${args.join(' ')} must fail`);
    assert.match(r.stderr, /No such container/);
  }
  // ...nor reachable by pointing at a's state: a's run root is a's alone, its home 0700.
  const other = await b.berth(['--run-root', a.runRoot, '--root', join(a.home, '.local/share/berth'), 'ps', '-a']);
  assert.equal(other.code, 125);
  assert.match(other.stderr, /is not a directory of this user|Permission denied|EACCES/);
  for (const path of [a.runRoot, join(a.runRoot, 'socket'), join(a.home, '.local/share/berth')]) {
    const r = await b.run(['ls', path]);
    assert.notEqual(r.code, 0, `b can list ${path}`);
  }
  // ...nor its processes: signals from b are refused.
  assert.notEqual((await b.run(['kill', '-9', String(ctrPid)])).code, 0, 'b killed a\'s container');
  assert.notEqual((await b.run(['kill', '-9', String(pausePid(a))])).code, 0, 'b killed a\'s pause process');
  // ...nor a's pause process's namespaces.
  assert.notEqual((await b.run(['nsenter', '-t', String(pausePid(a)), '-U', '-m', 'true'])).code, 0, 'b joined a\'s namespace');

  // a's container is unharmed and goes cleanly.
  assert.match(ok(await a.berth(['ps', '--format', '{{.Names}}']), 'a ps').stdout, /^secret$/m);
  ok(await a.berth(['rm', '-f', 'secret']), 'a rm -f');
  await assertNoLeftovers(a);
  await assertNoLeftovers(b);
});

test("a user's own berthd: commands run in its warm workers inside the user's namespace; another user cannot reach it", { skip }, async (t) => {
  const a = makeUser(t, prefix, { sub: true });
  const b = makeUser(t, prefix);
  const socket = join(a.runRoot, 'berthd.sock');
  // First commands at once make one namespace (berth-userns takes a lock in the run root).
  const firsts = await Promise.all([1, 2, 3].map(() => a.berth(['ps', '-q'])));
  for (const f of firsts) ok(f, 'concurrent first ps');
  assert.deepEqual(processesOf(a.uid).map(commOf), ['berth-userns'], 'one pause process');
  // setpriv, the client, the plain CLI and berth-userns all exec: the child's pid is berthd's.
  const service = spawn('setpriv', ['--reuid', String(a.uid), '--regid', String(a.gid), '--clear-groups', '--', 'berth', 'system', 'service', '--workers', '1'],
    { env: a.env, cwd: a.home, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  service.stderr!.setEncoding('utf8').on('data', (d: string) => { log += d; });
  killOnEnd(t, service);
  for (const end = Date.now() + 60_000; !existsSync(socket) && Date.now() < end;) await new Promise((res) => setTimeout(res, 50));
  assert.ok(existsSync(socket), `berthd did not listen: ${log}`);
  assert.equal(statSync(socket).uid, a.uid);
  // Its Docker API socket too, in the /tmp fallback run root (no XDG_RUNTIME_DIR): the user's,
  // 0600 (service-build.test.ts uses it).
  const api = join(a.runRoot, 'docker.sock');
  for (const end = Date.now() + 60_000; !existsSync(api) && Date.now() < end;) await new Promise((res) => setTimeout(res, 50));
  const apiSt = statSync(api);
  assert.deepEqual([apiSt.uid, apiSt.gid, apiSt.mode & 0o777], [a.uid, a.gid, 0o600], `Docker API socket: ${log}`);

  // A worker boots (loads and warms every command) at low priority: on a busy machine a client
  // may give up waiting for one ("no warm worker", before anything ran); ask again until one
  // serves.
  const viaDaemon = async (args: string[]): Promise<Result> => {
    let r = await a.run(['env', 'BERTH_DAEMON_REQUIRED=1', 'berth', ...args]);
    for (let i = 0; i < 60 && r.code === 125 && /no warm worker/.test(r.stderr); i++) {
      await new Promise((res) => setTimeout(res, 500));
      r = await a.run(['env', 'BERTH_DAEMON_REQUIRED=1', 'berth', ...args]);
    }
    return r;
  };
  const info = ok(await viaDaemon(['info']), 'info through berthd');
  assert.match(info.stdout, new RegExp(`Daemon: berthd at ${socket} \\(this command ran in a warm worker\\)`));
  assert.match(info.stdout, /Rootless: true/);
  const r = await viaDaemon(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo via-worker; exit 5']);
  assert.equal(r.code, 5, r.stderr);
  assert.equal(r.stdout, 'via-worker\n');

  // b has no berthd of its own, and a's is out of its reach (a's run root is 0700).
  const other = await b.run(['env', 'BERTH_DAEMON_REQUIRED=1', `BERTH_DAEMON_SOCKET=${socket}`, 'berth', 'ps']);
  assert.equal(other.code, 125);
  assert.match(other.stderr, /berthd cannot run this command/);
  const own = await b.run(['env', 'BERTH_DAEMON_REQUIRED=1', 'berth', 'ps']);
  assert.equal(own.code, 125);

  service.kill('SIGTERM');
  await new Promise((res) => service.once('exit', res));
  assert.ok(!existsSync(socket), 'berthd removed its socket');
  assert.ok(!existsSync(api), 'berthd removed its Docker API socket');
  await assertNoLeftovers(a);
});
