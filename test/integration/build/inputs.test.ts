// berth build's inputs and outputs: -f (a path, and - for stdin), a tar context on stdin,
// --build-arg, --label, --iidfile, ADD of a local tar, #! heredoc scripts, ONBUILD triggers in a
// later build, two independent stages, and --output (an OCI archive that oci-image-tool accepts,
// a local directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';
import { Berth } from '../engine/harness.ts';
import { startRegistry } from '../../helpers/registry.ts';

const skip = !isRoot && 'needs root';

test('Dockerfile and context sources, build args, labels, iidfile', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(join(ctx, 'docker'), { recursive: true });
  writeFileSync(join(ctx, 'docker/Dockerfile.dev'), 'FROM busybox\nARG WHO=nobody\nARG UNUSED_DEFAULT=1\nCOPY hello /hello\nRUN echo "$WHO" > /who\n');
  writeFileSync(join(ctx, 'hello'), 'hi\n');
  const iid = join(b.tmp, 'iid');
  const r = await b.run(['build', '-f', join(ctx, 'docker/Dockerfile.dev'), '--build-arg', 'WHO=alice', '--build-arg', 'NOT_DECLARED=1', '--label', 'team=core', '--iidfile', iid, '-t', 'in:1', ctx]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARNING: one or more build-args \[NOT_DECLARED\] were not consumed/);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'in:1', 'cat', '/who', '/hello']), 'alice\nhi\n');
  const inspect = JSON.parse(await b.ok(['image', 'inspect', 'in:1']))[0];
  assert.equal(readFileSync(iid, 'utf8'), inspect.Id);
  assert.equal(inspect.Config.Labels.team, 'core');

  // --add-host and --shm-size reach every RUN; the classic builder's --rm/--force-rm are accepted.
  const hostsCtx = join(b.tmp, 'hosts-ctx');
  mkdirSync(hostsCtx);
  writeFileSync(join(hostsCtx, 'Dockerfile'), 'FROM busybox\nRUN grep myhost /etc/hosts && df -k /dev/shm | tail -1\n');
  const hosts = await b.run(['build', '--rm', '--force-rm', '--add-host', 'myhost:10.1.2.3', '--shm-size', '128m', hostsCtx]);
  assert.equal(hosts.code, 0, hosts.stderr);
  assert.match(hosts.stderr, /10\.1\.2\.3\tmyhost/);
  assert.match(hosts.stderr, /shm\s+131072 /);

  // -f - : the Dockerfile on stdin, the context a directory.
  const stdinDf = await b.ok(['build', '-q', '-f', '-', ctx], { input: 'FROM busybox\nCOPY hello /from-stdin\n' });
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', stdinDf.trim(), 'cat', '/from-stdin']), 'hi\n');
  // - : a tar of the context on stdin (its Dockerfile inside).
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hello /from-tar\n');
  const tar = execFileSync('tar', ['-c', '-C', ctx, '.']);
  const fromTar = await new Promise<string>((res, rej) => {
    const c = b.spawn(['build', '-q', '-']);
    killOnEnd(t, c);
    let out = '';
    let err = '';
    c.stdout!.on('data', (d) => { out += d; });
    c.stderr!.on('data', (d) => { err += d; });
    c.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`exit ${code}: ${err}`))));
    c.stdin!.end(tar);
  });
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', fromTar.trim(), 'cat', '/from-tar']), 'hi\n');
  const both = await b.run(['build', '-f', '-', '-'], { input: '' });
  assert.equal(both.code, 125);
  assert.match(both.stderr, /can't use stdin for both build context and dockerfile/);
});

test('ADD of a local tar, #! heredoc scripts, ONBUILD triggers, independent stages, --output', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(join(ctx, 'pkg/sub'), { recursive: true });
  writeFileSync(join(ctx, 'pkg/sub/file'), 'packed\n');
  execFileSync('tar', ['-czf', join(ctx, 'pkg.tgz'), '-C', ctx, 'pkg']);
  writeFileSync(join(ctx, 'Dockerfile'), [
    'FROM busybox AS one', 'RUN echo one > /one',
    'FROM busybox AS two', 'RUN echo two > /two',
    'FROM busybox',
    'ADD pkg.tgz /opt/',
    'COPY --from=one /one /one', 'COPY --from=two /two /two',
    'RUN <<EOF', '#!/bin/sh -e', 'echo "ran as $0" > /script-out', 'EOF',
    'ONBUILD RUN echo triggered > /onbuild',
    '',
  ].join('\n'));
  const r = await b.run(['build', '-t', 'parent:1', ctx]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'parent:1', 'cat', '/opt/pkg/sub/file', '/one', '/two', '/script-out']), 'packed\none\ntwo\nran as /dev/pipes/EOF\n');
  assert.equal((await b.run(['run', '--rm', '--network', 'none', 'parent:1', 'test', '-e', '/onbuild'])).code, 1, 'ONBUILD does not run in its own image');
  const cfg = JSON.parse(await b.ok(['image', 'inspect', 'parent:1']))[0].Config;
  assert.deepEqual(cfg.OnBuild, ['RUN echo triggered > /onbuild']);

  const child = join(b.tmp, 'child');
  mkdirSync(child);
  writeFileSync(join(child, 'Dockerfile'), 'FROM parent:1\nRUN cat /onbuild\n');
  const c = await b.run(['build', '-t', 'child:1', child]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /triggered/);
  assert.equal(JSON.parse(await b.ok(['image', 'inspect', 'child:1']))[0].Config.OnBuild, null);

  const oci = join(b.tmp, 'out.oci.tar');
  await b.ok(['build', '-q', '--output', `type=oci,dest=${oci}`, child]);
  assert.ok(existsSync(oci));
  if (spawnSync('oci-image-tool', ['--version']).status === 0) {
    const dir = join(b.tmp, 'oci-dir');
    mkdirSync(dir);
    execFileSync('tar', ['-xf', oci, '-C', dir]);
    const v = spawnSync('oci-image-tool', ['validate', '--type', 'image', dir], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
  }
  // -o - : a tar of the result's files on stdout.
  const streamed = await new Promise<Buffer>((res, rej) => {
    const c = b.spawn(['build', '-q', '-o', '-', child]);
    killOnEnd(t, c);
    const parts: Buffer[] = [];
    c.stdout!.on('data', (d: Buffer) => parts.push(d));
    c.on('close', (code) => (code === 0 ? res(Buffer.concat(parts)) : rej(new Error(`exit ${code}`))));
  });
  const listing = execFileSync('tar', ['-t'], { input: streamed, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.match(listing, /^\.\/onbuild$/m);
  const local = join(b.tmp, 'local-out');
  await b.ok(['build', '-q', '-o', local, child]);
  assert.equal(readFileSync(join(local, 'onbuild'), 'utf8'), 'triggered\n');
  assert.equal(readFileSync(join(local, 'opt/pkg/sub/file'), 'utf8'), 'packed\n');
});

test('ADD https?:// URLs: mode 0600, Last-Modified, --checksum checked, never unpacked', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const tgz = execFileSync('tar', ['-cz', '-C', '/etc', 'hostname']);
  const server = createServer((req, res) => {
    if (req.url === '/files/data.txt') { res.writeHead(200, { 'last-modified': 'Tue, 14 Nov 2023 22:13:20 GMT' }); res.end('remote data\n'); }
    else if (req.url === '/files/a.tgz') { res.writeHead(200); res.end(tgz); }
    else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  defer(t, () => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
  const sum = `sha256:${createHash('sha256').update('remote data\n').digest('hex')}`;
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), `FROM busybox\nADD --checksum=${sum} ${base}/data.txt /dl/\nADD ${base}/a.tgz /dl/a.tgz\nADD ${base}/data.txt /renamed\n`);
  const r = await b.run(['build', '-t', 'remote:1', ctx]);
  assert.equal(r.code, 0, r.stderr);
  const out = await b.ok(['run', '--rm', '--network', 'none', 'remote:1', 'sh', '-c', 'cat /dl/data.txt /renamed; stat -c "%a %Y" /dl/data.txt; test -f /dl/a.tgz && echo not-unpacked']);
  assert.equal(out, 'remote data\nremote data\n600 1700000000\nnot-unpacked\n');
  writeFileSync(join(ctx, 'Dockerfile'), `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/data.txt /x\n`);
  const bad = await b.run(['build', ctx]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /digest mismatch for http:\/\/127\.0\.0\.1:\d+\/files\/data\.txt/);
  writeFileSync(join(ctx, 'Dockerfile'), `FROM busybox\nADD ${base}/missing /x\n`);
  const missing = await b.run(['build', ctx]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /failed to load .*\/missing: 404/);
});

test('--push uploads each tag to its registry (a local docker-registry)', { skip }, async (t) => {
  const b = new Berth();
  const other = new Berth();
  defer(t, () => b.teardown());
  defer(t, () => other.teardown());
  const reg = await startRegistry();
  defer(t, () => reg.stop());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo pushed-content > /p\n');
  const ref = `${reg.host}/berth-build/pushed:1`;
  const r = await b.run(['build', '--push', '-t', ref, ctx]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`pushed ${ref.replace(/[.]/g, '\\.')}@sha256:[0-9a-f]{64}`));
  assert.equal(await other.ok(['run', '--rm', '--network', 'none', ref, 'cat', '/p']), 'pushed-content\n');
  const untagged = await b.run(['build', '--push', ctx]);
  assert.equal(untagged.code, 1);
  assert.match(untagged.stderr, /--push needs a name/);
});

test('--output type=image,compression=zstd writes zstd layers that run', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo zstd-layer > /z\n');
  const id = (await b.ok(['build', '-q', '--output', 'type=image,compression=zstd', '-t', 'z:1', ctx])).trim();
  const out = join(b.tmp, 'z.oci');
  await b.ok(['save', '--format', 'oci-dir', '-o', out, 'z:1']);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(out, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
  assert.deepEqual(manifest.layers.map((l: { mediaType: string }) => l.mediaType.split('+')[1]), ['gzip', 'zstd'], 'the base keeps gzip, the new layer is zstd');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', id, 'cat', '/z']), 'zstd-layer\n');
  const bad = await b.run(['build', '--output', 'type=image,compression=lz4', ctx]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /compression=lz4: expected gzip or zstd/);
});

test('RUN --mount=type=ssh gets the --ssh socket; --security=insecure needs --allow security.insecure', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const sock = join(b.tmp, 'agent.sock');
  const agent = createNetServer(() => { /* an agent stand-in: the socket only has to be there */ });
  await new Promise<void>((r) => agent.listen(sock, r));
  defer(t, () => new Promise<void>((r) => agent.close(() => r())));
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "agent at $SSH_AUTH_SOCK"\n');
  const r = await b.run(['build', '--ssh', `default=${sock}`, ctx]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /agent at \/run\/buildkit\/ssh_agent\.0/);
  const req = join(b.tmp, 'ctx2');
  mkdirSync(req);
  writeFileSync(join(req, 'Dockerfile'), 'FROM busybox\nRUN --mount=type=ssh,required=true true\n');
  const missing = await b.run(['build', req]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no SSH agent socket "default"/);

  const ins = join(b.tmp, 'ctx3');
  mkdirSync(ins);
  writeFileSync(join(ins, 'Dockerfile'), 'FROM busybox\nRUN --security=insecure mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo mounted-inside && umount /mnt/t\n');
  const denied = await b.run(['build', ins]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /needs --allow security\.insecure/);
  const allowed = await b.run(['build', '--allow', 'security.insecure', ins]);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stderr, /mounted-inside/);
});
