// Pods through the CLI (podman's commands): a pod on berth's default bridge network with a published
// port, two containers sharing its network, IPC, UTS and PID namespaces (berth-pause is pid 1),
// `ps --pod`, stop/start/rm, bad input, and nothing left on the host afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, fetchText, retry, snapshot } from './harness.ts';

const skip = !isRoot && 'needs root';

test('pod create/start/ls/inspect/stop/rm with containers sharing its namespaces', { skip }, async (t) => {
  const b = new Berth();
  t.after(async () => { await b.run(['pod', 'rm', '-f', '-a']); await b.teardown(); });
  const before = snapshot(b);
  // Not a kernel-chosen free port: concurrent tests on this machine that ask for one may be
  // handed the same, and another test's DNAT for it then wins (seen: "resolve_deny" answers).
  const port = 10000 + (process.pid % 10000);
  const podId = (await b.ok(['pod', 'create', '--name', 'berth-test-pod', '--hostname', 'podhost', '--share', 'ipc,net,uts,pid', '-p', `${port}:80`, '--label', 'tier=web'])).trim();
  assert.match(podId, /^[0-9a-f]{64}$/);
  assert.match(await b.ok(['pod', 'ls']), /berth-test-pod\s+Created/);
  await b.ok(['pod', 'start', 'berth-test-pod']);
  await b.ok(['run', '-d', '--pod', 'berth-test-pod', '--name', 'berth-test-web', 'busybox', 'sh', '-c', 'mkdir /www && echo from-pod > /www/index.html && exec httpd -f -p 80 -h /www']);
  await b.ok(['run', '-d', '--pod', 'berth-test-pod', '--name', 'berth-test-side', 'busybox', 'sleep', '300']);

  // One network: the side container reaches the web server on localhost; the host through the published port.
  // Retried until httpd answers (it starts meanwhile); -Y off: no proxy from any environment.
  const viaLo = await retry(async () => {
    const r = (await b.ok(['exec', 'berth-test-side', 'wget', '-Y', 'off', '-qO-', 'http://127.0.0.1/'])).trim();
    if (r !== 'from-pod') throw new Error(`got ${JSON.stringify(r)}`);
    return r;
  });
  assert.equal(viaLo, 'from-pod');
  // Retried until the pod answers (the DNAT is in place once the pod started; retried anyway).
  const viaHost = await retry(async () => {
    const r = (await fetchText(`http://127.0.0.1:${port}/`)).body.trim();
    if (r !== 'from-pod') throw new Error(`got ${JSON.stringify(r)}`);
    return r;
  }, 30_000);
  assert.equal(viaHost, 'from-pod');
  // One UTS and PID namespace: the pod's hostname; the infra process is pid 1 and both containers' processes are seen.
  assert.equal((await b.ok(['exec', 'berth-test-side', 'hostname'])).trim(), 'podhost');
  const ps = await b.ok(['exec', 'berth-test-side', 'ps', '-o', 'pid,args']);
  assert.match(ps, /^\s*1\s+\/pause$/m);
  assert.match(ps, /httpd -f -p 80/);
  // One IPC namespace.
  const ipc = async (n: string) => (await b.ok(['exec', n, 'readlink', '/proc/self/ns/ipc'])).trim();
  assert.equal(await ipc('berth-test-web'), await ipc('berth-test-side'));

  const psPod = await b.ok(['ps', '--pod', '--filter', `pod=berth-test-pod`]);
  assert.match(psPod, /POD ID\s+PODNAME/);
  assert.match(psPod, new RegExp(`berth-test-web\\s+${podId.slice(0, 12)}\\s+berth-test-pod`));
  const ins = JSON.parse(await b.ok(['pod', 'inspect', 'berth-test-pod'])) as { Id: string; State: string; Containers: unknown[]; IPs: string[]; Labels: Record<string, string> }[];
  assert.equal(ins[0].Id, podId);
  assert.equal(ins[0].State, 'running');
  assert.equal(ins[0].Containers.length, 2);
  assert.match(ins[0].IPs[0], /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(ins[0].Labels, { tier: 'web' });

  // Bad input: clear errors, nothing made.
  let r = await b.run(['pod', 'create', '--name', 'berth-test-pod']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /already in use/);
  r = await b.run(['pod', 'create', '--share', 'net,user']);
  assert.match(r.stderr, /unknown namespace "user"/);
  r = await b.run(['run', '--rm', '--pod', 'no-such-pod', 'busybox', 'true']);
  assert.match(r.stderr, /no such pod: no-such-pod/);
  r = await b.run(['pod', 'rm', 'berth-test-pod']);
  assert.match(r.stderr, /is running: stop it first/);

  await b.ok(['pod', 'stop', '-t', '1', 'berth-test-pod']);
  assert.match(await b.ok(['pod', 'ls', '--filter', 'status=stopped']), /berth-test-pod\s+Exited/);
  assert.equal((await b.ok(['ps', '-q', '--filter', 'pod=berth-test-pod'])).trim(), '');
  await b.ok(['pod', 'rm', 'berth-test-pod']);
  assert.equal((await b.ok(['pod', 'ls', '-q'])).trim(), '');
  assert.equal((await b.ok(['ps', '-aq'])).trim(), '');
  assertNoLeaks(b, before);
});
