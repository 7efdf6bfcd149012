// The real docker CLI (28.x) against berthd's Docker API: what `run`, `ps`, `logs`, `exec`,
// `inspect`, `stop`, `rm`, `images`, `pull`, `tag`, `network` and `volume` need, with the
// engine's state shared with the berth CLI, and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { encodeClientFrame, OP_CLOSE, OP_TEXT } from '../../../src/dockerapi/websocket.ts';
import { isRoot } from '../../helpers/rootfs.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { waitFor } from '../engine/harness.ts';
import { useApiFixture, type ApiDaemon, type Berth, DOCKER } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(DOCKER) ? `needs the docker CLI at ${DOCKER}` : false;

let b: Berth;
let api: ApiDaemon;
const fx = useApiFixture(skip, (f) => ({ b, api } = f));

test('docker version and info talk to berth at API 1.44', { skip }, async () => {
  const v = JSON.parse(await api.ok(['version', '--format', '{{json .Server}}'])) as { ApiVersion: string; MinAPIVersion: string; Components: { Name: string }[] };
  assert.equal(v.ApiVersion, '1.44');
  assert.equal(v.MinAPIVersion, '1.24');
  assert.equal(v.Components[0].Name, 'Engine');
  assert.match(await api.ok(['info', '--format', '{{.Images}} {{.OSType}}']), /^1 linux/);
});

test('run --rm: output on the right streams and the exit code', { skip }, async () => {
  const hi = await api.docker(['run', '--rm', 'busybox', 'echo', 'hi']);
  assert.deepEqual([hi.code, hi.stdout], [0, 'hi\n']);
  const three = await api.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(three.code, 3);
  assert.equal(three.stdout, 'out\n');
  assert.equal(three.stderr, 'err\n');
  const missing = await api.docker(['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(missing.code, 127, missing.stderr);
  assert.equal((await api.ok(['ps', '-aq'])).trim(), '', 'every --rm container is gone');
});

test('run -i with piped stdin', { skip }, async () => {
  const r = await api.docker(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'tr a-z A-Z; echo done'], { input: 'hello\nworld\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'HELLO\nWORLD\ndone\n');
});

/** Shell: polls (every 0.1 s, for at most a minute) while the command `cond` succeeds. */
const whileTrue = (cond: string) => `n=0; while ${cond} && [ $n -lt 600 ]; do n=$((n+1)); sleep 0.1; done`;

test('run -it through a pty: the shell, and its exit code', { skip }, async () => {
  // The keys are typed once the container runs (its stdin attached), and script's input stays
  // open until the container is gone: an early end of input would be a ^D to the shell.
  const feed = join(b.tmp, 'run-it-feed.sh');
  writeFileSync(feed, `${whileTrue(`[ "$(${DOCKER} inspect -f '{{.State.Running}}' ttyrun 2>/dev/null)" != true ]`)}
printf 'echo tty-$((6*7))\\r'; printf 'exit 5\\r'
${whileTrue(`${DOCKER} inspect ttyrun >/dev/null 2>&1`)}
`);
  const r = spawnSync('sh', ['-c', `sh ${feed} | script -eqfc "${DOCKER} run --rm -it --name ttyrun busybox sh" /dev/null`], { env: api.env(), encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 5, r.stdout + r.stderr);
  assert.match(r.stdout, /tty-42/);
});

test('exec -it: the terminal has the CLI\'s size at start and follows its resize', { skip }, async () => {
  const sig = join(b.tmp, 'exec-size-sig');
  mkdirSync(sig);
  await api.ok(['run', '-d', '--name', 'sizer', '-v', `${sig}:/sig`, 'busybox', 'sleep', '300']);
  try {
    // Inside script's pty: a size for the CLI, then a resize while the exec runs (stty on the
    // pty sends SIGWINCH to the CLI, which posts /exec/{id}/resize); the shell in the container
    // reports its size at start and again on its own SIGWINCH.
    // The resize comes once the shell has its trap (it touches /sig/trapped, a host directory),
    // not after a fixed delay: earlier, its SIGWINCH would be ignored and the exec run forever.
    const sh = join(b.tmp, 'exec-size.sh');
    writeFileSync(sh, `stty rows 33 cols 101
(${whileTrue(`[ ! -e ${sig}/trapped ]`)}; stty rows 50 cols 132 </dev/tty) &
exec ${DOCKER} exec -it sizer sh -c 'stty size; trap "stty size; exit 3" WINCH; touch /sig/trapped; while :; do sleep 0.1; done'
`);
    const r = spawnSync('script', ['-eqfc', `sh ${sh}`, '/dev/null'], { env: api.env(), encoding: 'utf8', timeout: 120_000, input: '' });
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /33 101\r?\n(.|\n)*50 132/);
  } finally {
    await api.ok(['rm', '-f', 'sizer']);
  }
});

test('import: a rootfs tarball (plain from a file, gzip on stdin, from a URL with --change) runs; not a tar or a missing URL is refused', { skip }, async () => {
  const root = join(b.tmp, 'import-root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  symlinkSync('busybox', join(root, 'bin', 'sh'));
  writeFileSync(join(root, 'greeting'), 'imported\n');
  const tar = join(b.tmp, 'rootfs.tar');
  assert.equal(spawnSync('tar', ['-C', root, '-cf', tar, '.']).status, 0);
  const id = (await api.ok(['import', '--message', 'from a tarball', tar, 'imported:v1'])).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await api.ok(['image', 'inspect', '--format', '{{.Id}} {{.Os}} {{len .RootFS.Layers}}', 'imported:v1'])).trim(), `${id} linux 1`);
  assert.match(await api.ok(['history', '--format', '{{.Comment}}', 'imported:v1']), /^from a tarball$/m);
  assert.equal(await api.ok(['run', '--rm', 'imported:v1', '/bin/sh', '-c', 'cat /greeting']), 'imported\n');
  // gzip through stdin ("-"), the same files: the same layer content.
  const gz = spawnSync('gzip', ['-c', tar]);
  const r = spawnSync(DOCKER, ['import', '-', 'imported:gz'], { env: api.env(), input: gz.stdout });
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(await api.ok(['run', '--rm', 'imported:gz', '/bin/busybox', 'cat', '/greeting']), 'imported\n');
  const bad = await api.docker(['import', '-', 'imported:bad'], { input: 'not a tarball at all' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /not a tar archive/);
  // From a URL (fromSrc=URL): berthd downloads it; the same layer as from the file.
  const served = createServer((req, res) => {
    if (req.url !== '/rootfs.tar') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    createReadStream(tar).pipe(res);
  });
  await new Promise<void>((r) => served.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(served.address() as AddressInfo).port}`;
    const fromUrl = (await api.ok(['import', '--change', 'CMD ["/bin/busybox", "cat", "/greeting"]', `${url}/rootfs.tar`, 'imported:url'])).trim();
    assert.match(fromUrl, /^sha256:[0-9a-f]{64}$/);
    const layers = '{{json .RootFS.Layers}}';
    assert.equal(await api.ok(['image', 'inspect', '--format', layers, 'imported:url']), await api.ok(['image', 'inspect', '--format', layers, 'imported:v1']));
    // Its --change gave it a command.
    assert.equal(await api.ok(['run', '--rm', 'imported:url']), 'imported\n');
    const missing = await api.docker(['import', `${url}/nothing.tar`, 'imported:missing']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /downloading http:\/\/127\.0\.0\.1:\d+\/nothing\.tar: 404 Not Found/);
    const raw = await api.http('POST', '/v1.44/images/create?fromSrc=ftp://x/y.tar&repo=imported&tag=ftp');
    assert.equal(raw.status, 400, raw.body);
  } finally {
    served.close();
  }
  await api.ok(['rmi', 'imported:v1', 'imported:gz', 'imported:url']);
  assert.doesNotMatch(await api.ok(['images', '--format', '{{.Repository}}']), /imported/);
});

test('run -d, logs (-f), exec, inspect --format, ps --format, stop, rm', { skip }, async () => {
  const id = (await api.ok(['run', '-d', '--name', 'ticker', '-l', 'role=test', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; echo started; echo warn >&2; while true; do sleep 0.2; done'])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = await api.ok(['ps', '--format', '{{.ID}}|{{.Names}}|{{.Image}}|{{.Status}}|{{.Labels}}']);
  assert.match(ps, new RegExp(`^${id.slice(0, 12)}\\|ticker\\|busybox\\|Up .*\\|role=test\\n$`));
  assert.equal((await api.ok(['inspect', '--format', '{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Image}} {{index .Config.Labels "role"}}', 'ticker'])).trim(), 'running true /ticker busybox test');
  // The container is the engine's: the berth CLI on the same roots sees it.
  assert.match(await b.ok(['ps', '--format', '{{.Names}}']), /^ticker$/m);
  // Both lines once the container has written them (not after a fixed delay), and nothing more.
  let logs = await api.docker(['logs', 'ticker']);
  await waitFor(async () => (logs = await api.docker(['logs', 'ticker'])).stdout.includes('started') && logs.stderr.includes('warn'), 60_000);
  assert.equal(logs.stdout, 'started\n');
  assert.equal(logs.stderr, 'warn\n');
  assert.equal((await api.docker(['logs', '--tail', '0', 'ticker'])).stdout, '');
  const exec = await api.docker(['exec', 'ticker', 'sh', '-c', 'echo from-exec; exit 7']);
  assert.deepEqual([exec.code, exec.stdout], [7, 'from-exec\n']);
  assert.equal(await api.ok(['exec', '-i', 'ticker', 'cat'], { input: 'through stdin\n' }), 'through stdin\n');
  // logs -f ends when the container stops.
  const follow = api.docker(['logs', '-f', 'ticker'], { timeoutMs: 120_000 });
  await new Promise((r) => setTimeout(r, 500));
  await api.ok(['stop', 'ticker']);
  const f = await follow;
  assert.equal(f.code, 0);
  assert.equal(f.stdout, 'started\n');
  assert.match(await api.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /^ticker Exited \(0\) /m);
  assert.equal((await api.docker(['start', 'ticker'])).code, 0);
  assert.equal((await api.docker(['rm', 'ticker'])).code, 1, 'a running container is not removed without -f');
  await api.ok(['rm', '-f', 'ticker']);
  assert.equal((await api.ok(['ps', '-aq'])).trim(), '');
});

test('a container the berth CLI made is the API\'s too', { skip }, async () => {
  await b.ok(['run', '-d', '--name', 'fromcli', 'busybox', 'sleep', '30']);
  assert.match(await api.ok(['ps', '--format', '{{.Names}}']), /^fromcli$/m);
  assert.equal((await api.ok(['exec', 'fromcli', 'echo', 'ok'])).trim(), 'ok');
  await api.ok(['rm', '-f', 'fromcli']);
  assert.doesNotMatch(await b.ok(['ps', '-a', '--format', '{{.Names}}']), /fromcli/);
});

test('errors reach the CLI in docker\'s words', { skip }, async () => {
  const nf = await api.docker(['inspect', 'nosuch']);
  assert.equal(nf.code, 1);
  assert.match(nf.stderr, /No such (object|container): nosuch/);
  await api.ok(['create', '--name', 'dup', 'busybox', 'true']);
  const dup = await api.docker(['create', '--name', 'dup', 'busybox', 'true']);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /Conflict\. The container name "\/dup" is already in use/);
  const kill = await api.docker(['kill', 'dup']);
  assert.equal(kill.code, 1);
  assert.match(kill.stderr, /is not running/);
  await api.ok(['rm', 'dup']);
  const img = await api.docker(['run', '--rm', 'no-such-image-anywhere:1', 'true']);
  assert.equal(img.code, 125);
  assert.match(img.stderr, /Unable to find image 'no-such-image-anywhere:1' locally/);
});

test('images, tag, rmi, push and pull with a registry, and docker.io through a mirror', { skip }, async () => {
  assert.match(await api.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), /^busybox:latest$/m);
  await api.ok(['tag', 'busybox', 'mybox:1']);
  assert.match(await api.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), /^mybox:1$/m);
  assert.equal((await api.ok(['image', 'inspect', '--format', '{{.Os}}', 'mybox:1'])).trim(), 'linux');
  let reg: RegistryInstance | undefined;
  try {
    reg = await startRegistry();
    const ref = `${reg.host}/team/box:1`;
    await api.ok(['tag', 'busybox', ref]);
    const push = await api.docker(['push', ref]);
    assert.equal(push.code, 0, push.stderr + push.stdout);
    await api.ok(['rmi', ref]);
    const pull = await api.docker(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Pull complete|Already exists|Download complete|Digest: sha256:/);
    assert.equal((await api.ok(['run', '--rm', ref, 'echo', 'pulled'])).trim(), 'pulled');
    await api.ok(['rmi', ref]);
    // A mirror of docker.io (dockerd's registry-mirrors): docker.io/library/mirrored:1 comes
    // from the local registry; there is no internet here to fall back to.
    await api.ok(['tag', 'busybox', `${reg.host}/library/mirrored:1`]);
    await api.ok(['push', `${reg.host}/library/mirrored:1`]);
    await api.ok(['rmi', `${reg.host}/library/mirrored:1`]);
    writeFileSync(api.registriesConfig, JSON.stringify({ 'registry-mirrors': [`http://${reg.host}`] }));
    const mirrored = await api.docker(['pull', 'mirrored:1']);
    assert.equal(mirrored.code, 0, mirrored.stderr + mirrored.stdout);
    assert.match(await api.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), /^mirrored:1$/m);
    await api.ok(['rmi', 'mirrored:1']);
  } finally {
    await reg?.stop();
  }
  assert.match(await api.ok(['rmi', 'mybox:1']), /Untagged: mybox:1/);
  assert.doesNotMatch(await api.ok(['images', '--format', '{{.Repository}}']), /mybox/);
});

test('a user network: two containers reach each other by name and alias', { skip }, async () => {
  await api.ok(['network', 'create', 'apinet']);
  assert.match(await api.ok(['network', 'ls', '--format', '{{.Name}}']), /^apinet$/m);
  await api.ok(['run', '-d', '--name', 'server', '--network', 'apinet', '--network-alias', 'db', 'busybox', 'sleep', '60']);
  assert.equal((await api.docker(['run', '--rm', '--network', 'apinet', 'busybox', 'ping', '-c1', '-W3', 'server'])).code, 0);
  assert.equal((await api.docker(['run', '--rm', '--network', 'apinet', 'busybox', 'ping', '-c1', '-W3', 'db'])).code, 0);
  assert.match(await api.ok(['network', 'inspect', '--format', '{{range .Containers}}{{.Name}} {{end}}', 'apinet']), /server/);
  assert.match(await api.ok(['inspect', '--format', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}{{end}}', 'server']), /^apinet=10\.\d+\.\d+\.\d+/);
  await api.ok(['rm', '-f', 'server']);
  await api.ok(['network', 'rm', 'apinet']);
  assert.doesNotMatch(await api.ok(['network', 'ls', '--format', '{{.Name}}']), /apinet/);
});

test('a named volume outlives its containers', { skip }, async () => {
  await api.ok(['volume', 'create', '--label', 'k=v', 'apivol']);
  await api.ok(['run', '--rm', '-v', 'apivol:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
  assert.equal(await api.ok(['run', '--rm', '-v', 'apivol:/data:ro', 'busybox', 'cat', '/data/f']), 'kept\n');
  assert.match(await api.ok(['volume', 'ls', '--filter', 'label=k=v', '--format', '{{.Name}}']), /^apivol$/m);
  await api.ok(['volume', 'rm', 'apivol']);
  assert.doesNotMatch(await api.ok(['volume', 'ls', '-q']), /apivol/);
});

test('cp both ways (a directory never replaced by a file), diff, top, stats --no-stream, rename, update, commit (--change), export', { skip }, async () => {
  await api.ok(['run', '-d', '--name', 'files', 'busybox', 'sh', '-c', 'mkdir -p /data/sub; echo inside > /data/sub/f; sleep 60']);
  await waitFor(async () => (await api.docker(['exec', 'files', 'test', '-f', '/data/sub/f'])).code === 0);
  const out = join(b.tmp, 'cp-out');
  await api.ok(['cp', 'files:/data/sub', out]);
  assert.equal(readFileSync(join(out, 'f'), 'utf8'), 'inside\n');
  writeFileSync(join(b.tmp, 'to-ctr.txt'), 'from host\n');
  await api.ok(['cp', join(b.tmp, 'to-ctr.txt'), 'files:/data/']);
  assert.equal(await api.ok(['exec', 'files', 'cat', '/data/to-ctr.txt']), 'from host\n');
  // A file over a directory is refused (docker cp sends noOverwriteDirNonDir), as dockerd does.
  mkdirSync(join(b.tmp, 'clash'));
  writeFileSync(join(b.tmp, 'clash', 'sub'), 'a file\n');
  const clash = await api.docker(['cp', join(b.tmp, 'clash', 'sub'), 'files:/data/']);
  assert.notEqual(clash.code, 0);
  assert.match(clash.stderr, /cannot overwrite directory "\/data\/sub" with non-directory "sub"/);
  assert.equal(await api.ok(['exec', 'files', 'cat', '/data/sub/f']), 'inside\n');
  // cp -a (copyUIDGID): the container's user owns what lands; without it the archive's owner.
  await api.ok(['run', '-d', '--name', 'owned', '-u', '1234:5678', 'busybox', 'sleep', '60']);
  await api.ok(['cp', '-a', join(b.tmp, 'to-ctr.txt'), 'owned:/tmp/a.txt']);
  await api.ok(['cp', join(b.tmp, 'to-ctr.txt'), 'owned:/tmp/plain.txt']);
  assert.equal(await api.ok(['exec', 'owned', 'stat', '-c', '%u:%g', '/tmp/a.txt', '/tmp/plain.txt']), '1234:5678\n0:0\n');
  await api.ok(['rm', '-f', 'owned']);
  const missing = await api.docker(['cp', 'files:/no/such/path', out]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Could not find the file \/no\/such\/path/);
  assert.deepEqual((await api.ok(['diff', 'files'])).trim().split('\n'), ['A /data', 'A /data/sub', 'A /data/sub/f', 'A /data/to-ctr.txt']);
  assert.match(await api.ok(['top', 'files']), /sleep 60/);
  const stats = await api.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.MemUsage}}', 'files']);
  assert.match(stats, /^files [1-9]\d* [\d.]+[KMG]?i?B \/ /);
  await api.ok(['rename', 'files', 'files2']);
  await api.ok(['update', '--memory', '64m', '--memory-swap', '128m', 'files2']);
  assert.equal((await api.ok(['inspect', '--format', '{{.Name}} {{.HostConfig.Memory}}', 'files2'])).trim(), `/files2 ${64 << 20}`);
  const id = (await api.ok(['commit', 'files2', 'snap:1'])).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await api.ok(['run', '--rm', 'snap:1', 'cat', '/data/to-ctr.txt']), 'from host\n');
  // --change: the image's config, over the container's.
  await api.ok(['commit', '--change', 'ENV GREETING=changed', '--change', 'CMD echo $GREETING', '--change', 'WORKDIR /data', 'files2', 'snap:2']);
  assert.equal(await api.ok(['run', '--rm', 'snap:2']), 'changed\n');
  assert.equal((await api.ok(['image', 'inspect', '--format', '{{.Config.WorkingDir}} {{json .Config.Cmd}}', 'snap:2'])).trim(), '/data ["/bin/sh","-c","echo $GREETING"]');
  const badChange = await api.docker(['commit', '--change', 'RUN true', 'files2', 'snap:3']);
  assert.notEqual(badChange.code, 0);
  assert.match(badChange.stderr, /RUN is not a valid change command/);
  await api.ok(['rmi', 'snap:2']);
  const tarList = spawnSync('sh', ['-c', `${DOCKER} export files2 | tar -t | grep -c data/sub/f`], { env: api.env(), encoding: 'utf8' });
  assert.equal(tarList.stdout.trim(), '1');
  await api.ok(['rm', '-f', 'files2']);
  await api.ok(['rmi', 'snap:1']);
});

test('events while a container runs; system df; save and load; prune', { skip }, async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await api.ok(['run', '--rm', '--name', 'evented', 'busybox', 'true']);
  const until = Math.floor(Date.now() / 1000) + 1;
  await new Promise((r) => setTimeout(r, 1100));
  const ev = await api.ok(['events', '--since', String(since), '--until', String(until), '--filter', 'container=evented', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
  assert.deepEqual(ev.trim().split('\n').filter((l) => /create|start|die|destroy/.test(l)), ['container create evented', 'container start evented', 'container die evented', 'container destroy evented']);
  // A live stream (no --since: past events never show): containers run until one's start comes
  // through, which it does once the CLI has subscribed, however long that takes.
  const live = spawn(DOCKER, ['events', '--filter', 'event=start', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], { env: api.env(), stdio: ['ignore', 'pipe', 'pipe'] });
  const liveClosed = new Promise((r) => live.once('close', r));
  let liveOut = '';
  live.stdout!.on('data', (d: Buffer) => { liveOut += d; });
  try {
    await waitFor(async () => {
      await api.ok(['run', '--rm', '--name', 'live', 'busybox', 'true']);
      return /^start live$/m.test(liveOut);
    }, 120_000);
  } finally {
    live.kill('SIGKILL');
    await liveClosed;
  }
  const df = await api.ok(['system', 'df', '--format', '{{.Type}} {{.TotalCount}}']);
  assert.match(df, /^Images 1$/m);
  const tar = join(b.tmp, 'saved.tar');
  await api.ok(['save', '-o', tar, 'busybox']);
  await api.ok(['tag', 'busybox', 'keep:1']);
  assert.match(await api.ok(['load', '-i', tar]), /Loaded image: busybox:latest/);
  await api.ok(['rmi', 'keep:1']);
  await api.ok(['create', '--name', 'stopped', 'busybox', 'true']);
  assert.match(await api.ok(['container', 'prune', '-f']), /Total reclaimed space/);
  assert.equal((await api.ok(['ps', '-aq'])).trim(), '');
  await api.ok(['network', 'create', 'unused']);
  assert.match(await api.ok(['network', 'prune', '-f']), /unused/);
});

test('websocket attach: stdin in, output out, as messages', { skip }, async () => {
  const id = (await api.ok(['run', '-d', '-i', '--name', 'wsbox', 'busybox', 'sh', '-c', 'while read l; do echo "got $l"; done'])).trim();
  const got = await new Promise<string>((resolve, reject) => {
    const s = connect(api.socket);
    let buf = Buffer.alloc(0);
    let text = '';
    let upgraded = false;
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer; so far: ${JSON.stringify(text)}`)); }, 60_000);
    s.on('connect', () => s.write(`GET /v1.44/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!/^HTTP\/1.1 101 /.test(head) || !head.includes('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')) { reject(new Error(head)); s.destroy(); return; }
        upgraded = true;
        buf = buf.subarray(end + 4);
        s.write(encodeClientFrame(OP_TEXT, 'over websocket\n'));
      }
      // Server frames are unmasked: decode them with the length rules by hand.
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f, off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        if (buf.length < off + len) return;
        text += buf.subarray(off, off + len).toString();
        buf = buf.subarray(off + len);
      }
      if (text.includes('got over websocket')) { clearTimeout(timer); s.write(encodeClientFrame(OP_CLOSE, Buffer.from([3, 232]))); s.end(); resolve(text); }
    });
    s.on('error', reject);
  });
  assert.match(got, /got over websocket\n/);
  await api.ok(['rm', '-f', 'wsbox']);
});

test("an old client's attach without Upgrade gets the stream as the body, until close", { skip }, async () => {
  // The output comes once the attach has its answer (the test creates /sig/go then), not after
  // a fixed delay that a slow attach could miss (an attach gets only what is written after it).
  const sig = join(b.tmp, 'oldclient-sig');
  mkdirSync(sig);
  await api.ok(['run', '-d', '--name', 'oldclient', '-v', `${sig}:/sig`, 'busybox', 'sh', '-c', 'while [ ! -e /sig/go ]; do sleep 0.1; done; echo late-output']);
  const got = await new Promise<Buffer>((resolve) => {
    const s = connect(api.socket);
    let out = Buffer.alloc(0);
    s.on('connect', () => s.write('POST /v1.24/containers/oldclient/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'));
    s.on('data', (d: Buffer) => {
      out = Buffer.concat([out, d]);
      if (out.includes('\r\n\r\n') && !existsSync(join(sig, 'go'))) writeFileSync(join(sig, 'go'), '');
    });
    const timer = setTimeout(() => s.destroy(), 120_000);
    s.on('close', () => { clearTimeout(timer); resolve(out); });
  });
  const text = got.toString('latin1');
  assert.match(text, /^HTTP\/1.1 200 OK\r\n/);
  assert.match(text, /Content-Type: application\/vnd.docker.raw-stream/);
  assert.doesNotMatch(text, /Transfer-Encoding/i);
  const body = got.subarray(got.indexOf('\r\n\r\n') + 4);
  assert.deepEqual([...body.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 12]);
  assert.equal(body.subarray(8).toString(), 'late-output\n');
  await api.ok(['rm', '-f', 'oldclient']);
});

test('exec -t: the last of a large output arrives before the exec ends', { skip }, async () => {
  // With a terminal the output goes through berth-recvtty's relay, and the exec's end must not
  // cut off what the relay still holds. (The wait for it was once inverted; on this machine the
  // relay had always passed everything on before the runtime's exit, so this test passed with
  // that code too: it guards the whole path, not that one line.)
  await api.ok(['run', '-d', '--name', 'bigout', 'busybox', 'sleep', '1000']);
  try {
    for (let i = 0; i < 3; i++) {
      const r = await api.docker(['exec', '-t', 'bigout', 'sh', '-c', 'seq 1 20000; echo last-line'], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\r\n');
      assert.equal(lines.length, 20002, `run ${i}: ${lines.length - 1} lines, ends ${JSON.stringify(r.stdout.slice(-40))}`);
      assert.deepEqual(lines.slice(-3), ['20000', 'last-line', '']);
    }
  } finally {
    await api.ok(['rm', '-f', 'bigout']);
  }
});


test('bad requests: docker status and message, service up, nothing half-created', { skip }, async () => {
  const bad = await api.http('POST', '/v1.44/containers/create?name=half', '{"Image":"busybox","Cmd":[1,2]}');
  assert.equal(bad.status, 400);
  assert.match((JSON.parse(bad.body) as { message: string }).message, /Config.Cmd/);
  const badMount = await api.http('POST', '/v1.44/containers/create?name=half', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: ['relative:path:bogus'] } }));
  assert.equal(badMount.status, 400);
  const noCmdImage = await api.http('POST', '/v1.44/containers/create?name=half', JSON.stringify({ Image: 'busybox', HostConfig: { NetworkMode: 'no-such-net' } }));
  assert.ok(noCmdImage.status >= 400, noCmdImage.body);
  assert.equal((await api.ok(['ps', '-aq'])).trim(), '');
  assert.ok(api.running);
  assert.equal((await api.http('GET', '/_ping')).status, 200);
});

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
  assert.equal(existsSync(api.socket), false, 'the socket goes with berthd');
});
