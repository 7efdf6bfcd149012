// How berthd serves the Docker API besides its own unix socket: on TCP, refused without TLS
// client verification, and with it the docker CLI with a certificate from the CA gets in
// (attach streams included), one without does not; and on a socket systemd passes (socket
// activation, contrib/systemd/berth-docker.socket).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { freePort } from '../../helpers/registry.ts';
import { ApiDaemon, Berth, DOCKER } from './harness.ts';
import { waitFor } from '../engine/harness.ts';

const skip = !isRoot ? 'needs root' : spawnSync('openssl', ['version']).status !== 0 ? 'needs openssl' : false;

let b: Berth;
let api: ApiDaemon;
let certs: string;
let port: number;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as dockerd's docs make them. */
function makeCerts(): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(certs, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '1', '-extfile', 'server.ext']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=client']);
  writeFileSync(join(certs, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '1', '-extfile', 'client.ext']);
}

before(async () => {
  if (skip) return;
  b = new Berth();
  certs = join(b.tmp, 'certs');
  mkdirSync(certs);
  makeCerts();
  await b.ok(['image', 'build-busybox']);
  port = await freePort();
});

after(async () => {
  if (skip) return;
  await api?.stop();
  await b.teardown();
});

test('--docker-tcp without TLS is refused with a clear error', { skip }, () => {
  const r = spawnSync(process.execPath, b.argv(['system', 'service', '--socket', join(b.tmp, 'x.sock'), '--docker-socket', '', '--docker-tcp', `127.0.0.1:${port}`]), { env: { ...b.env, BERTH_DAEMON_SOCKET: '' }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 125);
  assert.match(r.stderr, /--docker-tcp requires --tlscacert, --tlscert and --tlskey/);
});

test('with TLS: the docker CLI with a client certificate runs containers; without one it is refused', { skip }, async () => {
  api = new ApiDaemon(b);
  const flags = ['--docker-tcp', `127.0.0.1:${port}`, '--tlscacert', join(certs, 'ca.pem'), '--tlscert', join(certs, 'server-cert.pem'), '--tlskey', join(certs, 'server-key.pem')];
  await api.start(flags, async () => /Docker API on tcp:/.test(api.log));
  const env = { ...api.env(), DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
  assert.equal((await api.ok(['version', '--format', '{{.Server.APIVersion}}'], { env })).trim(), '1.44');
  // A client's TLS half-close (close_notify) must not end the attach stream's output.
  assert.equal(await api.ok(['run', '--rm', 'busybox', 'echo', 'over-tls'], { env }), 'over-tls\n');
  assert.equal(await api.ok(['run', '--rm', '-i', 'busybox', 'cat'], { env, input: 'stdin over tls\n' }), 'stdin over tls\n');
  const noCert = await api.docker(['version'], { env: { ...api.env(), DOCKER_HOST: `tcp://127.0.0.1:${port}` } });
  assert.notEqual(noCert.code, 0);
  // A TLS client without a certificate does not complete the handshake.
  const handshake = await new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ca: readFileSync(join(certs, 'ca.pem')) }, () => { s.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n'); });
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('error', (e) => resolve(`error: ${e.message}`));
    s.on('close', () => resolve(got || 'closed'));
  });
  assert.doesNotMatch(handshake, /200 OK/);
});

const ACTIVATE = '/usr/bin/systemd-socket-activate';

test('socket activation: berthd serves the socket systemd passes', { skip: skip || (spawnSync(ACTIVATE, ['--help']).status !== 0 && `needs ${ACTIVATE}`) }, async () => {
  await api?.stop();
  const sock = join(b.tmp, 'activated.sock');
  const argv = b.argv(['system', 'service', '--socket', join(b.tmp, 'berthd2.sock'), '--workers', '1']);
  const d = spawn(ACTIVATE, ['-l', sock, process.execPath, ...argv], { env: { ...b.env, BERTH_DAEMON_SOCKET: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  d.stderr!.on('data', (x) => (log += x));
  try {
    await waitFor(async () => /Listening on/.test(log), 60_000);
    const env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(b.tmp, 'docker-config') };
    const r = spawnSync(DOCKER, ['run', '--rm', 'busybox', 'echo', 'activated'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stdout, 'activated\n', r.stderr + log);
    // berthd's stderr reaches this process asynchronously.
    await waitFor(async () => /Docker API on the socket systemd passed/.test(log), 60_000);
  } finally {
    const done = new Promise((r) => d.once('exit', r));
    d.kill('SIGTERM');
    await done;
  }
});
