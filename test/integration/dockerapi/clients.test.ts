// Other real clients of berthd's Docker API: Debian's docker-compose 1.29 (a two-service project
// with a network, a volume and a published port, up and down) and the Python SDK (python3-docker
// 5.0.3: run, logs, exec, stop, remove, NotFound).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { freePort } from '../../helpers/registry.ts';
import { waitFor } from '../engine/harness.ts';
import { useApiFixture, type ApiDaemon, type Berth } from './harness.ts';

const COMPOSE = '/usr/bin/docker-compose';
const PYTHON = '/usr/bin/python3';
const hasSdk = existsSync(PYTHON) && existsSync('/usr/lib/python3/dist-packages/docker');
const skip = !isRoot ? 'needs root' : false;

let b: Berth;
let api: ApiDaemon;
const fx = useApiFixture(skip, (f) => ({ b, api } = f));

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => { let t = ''; res.on('data', (d) => (t += d)); res.on('end', () => resolve(t)); }).on('error', reject);
  });
}

test('docker-compose 1.29: up a two-service project, reach it, down -v', { skip: skip || (!existsSync(COMPOSE) && `needs ${COMPOSE} (Debian's docker-compose)`) }, async () => {
  const dir = join(b.tmp, 'compose');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, 'docker-compose.yml'), `version: "3.7"
services:
  db:
    image: busybox
    command: sh -c 'mkdir -p /www; cat /data/seed > /www/index.html 2>/dev/null || echo hello-from-db > /www/index.html; httpd -f -p 80 -h /www'
    volumes:
      - data:/data
    ports:
      - "127.0.0.1:${port}:80"
  web:
    image: busybox
    command: sh -c 'until wget -qO- http://db/; do sleep 0.2; done; sleep 300'
    depends_on:
      - db
volumes:
  data:
`);
  const env = api.env({ COMPOSE_API_VERSION: 'auto' });
  const compose = (args: string[]) => run(COMPOSE, ['-p', 'bproj', ...args], { cwd: dir, env });
  try {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, up.stderr + up.stdout + api.log);
    const ps = await compose(['ps']);
    assert.match(ps.stdout, /bproj_db_1 .* Up /);
    assert.match(ps.stdout, /bproj_web_1 .* Up /);
    assert.equal(ps.stdout.split('\n').filter((l) => l.startsWith('bproj_')).length, 2, ps.stdout);
    // Published port from the host; the web service reached db by its service name.
    let page = '';
    await waitFor(async () => { page = await httpGet(`http://127.0.0.1:${port}/`).catch(() => ''); return page !== ''; }, 60_000);
    assert.equal(page, 'hello-from-db\n');
    await waitFor(async () => (await compose(['logs', 'web'])).stdout.includes('hello-from-db'), 60_000);
    assert.match(await api.ok(['network', 'ls', '--format', '{{.Name}}']), /^bproj_default$/m);
    assert.match(await api.ok(['volume', 'ls', '--format', '{{.Name}}']), /^bproj_data$/m);
    const down = await compose(['down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await api.ok(['ps', '-aq'])).trim(), '');
    assert.doesNotMatch(await api.ok(['network', 'ls', '--format', '{{.Name}}']), /bproj/);
    assert.doesNotMatch(await api.ok(['volume', 'ls', '--format', '{{.Name}}']), /bproj/);
  } finally {
    await compose(['down', '-v', '-t', '1']);
  }
});

test('python3-docker: run, logs, exec, stop, remove', { skip: skip || (!hasSdk && 'needs python3-docker') }, async () => {
  const script = join(b.tmp, 'sdk.py');
  writeFileSync(script, `import docker, sys, time
c = docker.DockerClient(base_url=sys.argv[1])
assert c.ping()
out = c.containers.run("busybox", ["sh", "-c", "echo sdk-hi"], remove=True)
print("run", out.decode().strip())
try:
    c.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 4"], remove=True)
except docker.errors.ContainerError as e:
    print("failed", e.exit_status)
ctr = c.containers.run("busybox", ["sh", "-c", "echo started; sleep 60"], detach=True, name="sdkbox")
for _ in range(50):
    if b"started" in ctr.logs(): break
    time.sleep(0.1)
print("logs", ctr.logs().decode().strip())
r = ctr.exec_run(["sh", "-c", "echo in-exec; exit 3"])
print("exec", r.exit_code, r.output.decode().strip())
ctr.reload(); print("status", ctr.status)
ctr.kill(); print("wait", ctr.wait()["StatusCode"])
ctr.remove()
print("left", len(c.containers.list(all=True)))
try:
    c.containers.get("sdkbox")
except docker.errors.NotFound as e:
    print("notfound", e.status_code)
`);
  const r = await run(PYTHON, [script, `unix://${api.socket}`], { env: { ...process.env } });
  assert.equal(r.code, 0, r.stderr + api.log);
  assert.equal(r.stdout, 'run sdk-hi\nfailed 4\nlogs started\nexec 3 in-exec\nstatus running\nwait 137\nleft 0\nnotfound 404\n');
});

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
});
