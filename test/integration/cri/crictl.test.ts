// crictl (cri-tools 1.26, built by hand outside the repository: set BERTH_CRICTL, or put it on
// PATH, or at /opt/cri-tools/build/bin/linux/amd64/crictl) drives berthd's CRI through a pod's
// life: pull → runp → create → start → exec → logs → stats → hostPort → stop → rm → stopp → rmp,
// then the host is checked for leftovers. The pod network is a CNI conflist of the test's own
// (bridge + portmap) in a configuration directory of its own, as kubelet deployments install one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { Berth, BERTH_MAIN } from '../engine/harness.ts';
import { buildOciLayout, skopeoPush } from '../../helpers/images.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { criClient } from '../../helpers/cri-client.ts';

const DEFAULT_CRICTL = '/opt/cri-tools/build/bin/linux/amd64/crictl';
function findCrictl(): string | undefined {
  if (process.env.BERTH_CRICTL) return process.env.BERTH_CRICTL;
  if (existsSync(DEFAULT_CRICTL)) return DEFAULT_CRICTL;
  const r = spawnSync('sh', ['-c', 'command -v crictl'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const CRICTL = findCrictl();
const isRoot = process.getuid?.() === 0;
const skip = !isRoot ? 'needs root'
  : !CRICTL ? 'crictl not found: build cri-tools v1.26.1 (make crictl) and set BERTH_CRICTL, or put crictl on PATH'
  : !existsSync('/usr/bin/docker-registry') || spawnSync('sh', ['-c', 'command -v skopeo']).status !== 0 ? 'needs docker-registry and skopeo'
  : false;

function crictl(sock: string, args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, '--image-endpoint', `unix://${sock}`, '--timeout', '60s', ...args],
      { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
  });
}

async function ok(sock: string, args: string[]): Promise<string> {
  const r = await crictl(sock, args);
  if (r.code !== 0) throw new Error(`crictl ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url}: timeout`)));
  });
}

async function waitFile(path: string, child: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!existsSync(path)) {
    if (child.exitCode !== null) throw new Error(`berthd exited ${child.exitCode}: ${log()}`);
    if (Date.now() > end) throw new Error(`berthd did not make ${path}: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pidsMentioning(text: string): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text)) out.push(p);
    } catch { /* gone */ }
  }
  return out;
}

test('crictl: a pod and its container through their whole life, and nothing left behind', { skip, timeout: 600_000 }, async (t) => {
  const b = new Berth();
  let reg: RegistryInstance | undefined;
  let berthd: ChildProcess | undefined;
  const tag = `${process.pid % 10000}`;
  const bridge = `bcri${tag}`;
  const subnet = `10.${200 + (process.pid % 50)}.${process.pid % 250}.0/24`;
  const sock = join(b.tmp, 'cri.sock');
  let daemonLog = '';
  t.after(async () => {
    if (berthd && berthd.exitCode === null) {
      await crictl(sock, ['rmp', '-f', '-a']).catch(() => {});
      berthd.kill('SIGTERM');
      await new Promise((r) => { berthd!.once('exit', r); setTimeout(r, 10_000); });
    }
    await reg?.stop();
    spawnSync('ip', ['link', 'del', bridge]);
    await b.teardown();
  });

  // The image: busybox from Debian's busybox-static, in a local registry.
  reg = await startRegistry();
  const layout = buildOciLayout(join(b.tmp, 'layout'), { tag: '1' });
  await skopeoPush(layout, `${reg.host}/cri/busybox:1`);
  const image = `${reg.host}/cri/busybox:1`;

  const confDir = join(b.tmp, 'net.d');
  mkdirSync(confDir);
  writeFileSync(join(confDir, '10-berth-test.conflist'), JSON.stringify({
    cniVersion: '1.0.0', name: `critest${tag}`, plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(b.tmp, 'ipam') } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }));
  const startBerthd = async () => {
    berthd = spawn(process.execPath, [...b.argv(['system', 'service', '--socket', join(b.tmp, 'berthd.sock'), '--workers', '1', '--cri-socket', `unix://${sock}`])],
      { env: { ...b.env, BERTH_DAEMON_SOCKET: '', BERTH_CNI_CONF_DIR: confDir }, stdio: ['ignore', 'ignore', 'pipe'] });
    berthd.stderr!.on('data', (d) => { daemonLog += d; });
    await waitFile(sock, berthd, () => daemonLog);
  };
  await startBerthd();

  assert.match(await ok(sock, ['version']), /RuntimeName:\s+berth/);
  const info = JSON.parse(await ok(sock, ['info'])) as { status: { conditions: { type: string; status: boolean }[] } };
  assert.deepEqual(info.status.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);

  await ok(sock, ['pull', image]);
  assert.match(await ok(sock, ['images']), new RegExp(`${reg.host}/cri/busybox\\s+1`));

  const hostPort = 20000 + (process.pid % 20000);
  const logDir = join(b.tmp, 'pod-logs');
  writeFileSync(join(b.tmp, 'pod.json'), JSON.stringify({
    metadata: { name: 'web', namespace: 'default', uid: `uid-${tag}`, attempt: 0 }, hostname: 'webpod', log_directory: logDir,
    port_mappings: [{ protocol: 0, container_port: 80, host_port: hostPort }], labels: { app: 'web' },
    dns_config: { servers: ['10.0.0.53'], searches: ['svc.test'], options: ['ndots:2'] }, linux: {},
  }));
  writeFileSync(join(b.tmp, 'ctr.json'), JSON.stringify({
    metadata: { name: 'box' }, image: { image }, log_path: 'box/0.log', labels: { tier: 'front' }, envs: [{ key: 'GREETING', value: 'hi' }],
    command: ['sh', '-c', 'echo started $GREETING; echo out-of-pod > /tmp/index.html; httpd -p 127.0.0.1:8080 -h /tmp; exec httpd -f -p 80 -h /tmp'], linux: {},
  }));
  const podId = (await ok(sock, ['runp', join(b.tmp, 'pod.json')])).trim();
  assert.match(podId, /^[0-9a-f]{64}$/);
  const pods = await ok(sock, ['pods', '--label', 'app=web']);
  assert.match(pods, new RegExp(`${podId.slice(0, 13)}\\s+.*Ready\\s+web\\s+default\\s+0`));
  const podIp = (JSON.parse(await ok(sock, ['inspectp', podId])) as { status: { network: { ip: string } } }).status.network.ip;
  assert.match(podIp, /^10\.\d+\.\d+\.\d+$/);

  const ctrId = (await ok(sock, ['create', podId, join(b.tmp, 'ctr.json'), join(b.tmp, 'pod.json')])).trim();
  assert.match(ctrId, /^[0-9a-f]{64}$/);
  assert.match(await ok(sock, ['ps', '-a']), /Created/);
  await ok(sock, ['start', ctrId]);
  assert.match(await ok(sock, ['ps', '--pod', podId, '--label', 'tier=front']), new RegExp(`${ctrId.slice(0, 13)}.*Running\\s+box\\s+0`));

  // exec (ExecSync): the pod's hostname, DNS and environment.
  assert.equal((await ok(sock, ['exec', '-s', ctrId, 'hostname'])).trim(), 'webpod');
  const resolv = await ok(sock, ['exec', '-s', ctrId, 'cat', '/etc/resolv.conf']);
  assert.match(resolv, /nameserver 10\.0\.0\.53/);
  assert.match(resolv, /search svc\.test/);
  const failed = await crictl(sock, ['exec', '-s', ctrId, 'sh', '-c', 'exit 3']);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /exited with 3/);

  // berthd restarts: the pod and its container are still there and running (state on disk,
  // conmon keeps the processes), and the new berthd answers for them.
  berthd!.kill('SIGTERM');
  await new Promise((r) => berthd!.once('exit', r));
  assert.ok(!existsSync(sock), 'the CRI socket went with berthd');
  await startBerthd();
  assert.match(await ok(sock, ['ps', '--pod', podId]), new RegExp(`${ctrId.slice(0, 13)}.*Running`));
  assert.match(await ok(sock, ['pods', '--id', podId]), /Ready/);
  assert.equal((await ok(sock, ['exec', '-s', ctrId, 'cat', '/tmp/index.html'])).trim(), 'out-of-pod');

  // ExecSync past its timeout: an error, and the process in the container is gone.
  const slow = await crictl(sock, ['exec', '-s', '--timeout', '1', ctrId, 'sleep', '77']);
  assert.notEqual(slow.code, 0);
  assert.match(slow.stderr, /timed out|DeadlineExceeded/);
  assert.doesNotMatch(await ok(sock, ['exec', '-s', ctrId, 'ps', '-o', 'args']), /sleep 77/);

  // exec through the streaming server (SPDY/3.1, remote command v4): output, stdin, exit codes,
  // and more output than SPDY's initial 64 KiB window (the client never sends WINDOW_UPDATE).
  assert.equal((await ok(sock, ['exec', ctrId, 'sh', '-c', 'echo streamed; echo to-stderr >&2'])).trim(), 'streamed');
  const piped = await new Promise<string>((resolve, reject) => {
    const c = spawn(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, 'exec', '-i', ctrId, 'tr', 'a-z', 'A-Z'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', () => resolve(out));
    c.stdin.end('piped input\n');
  });
  assert.equal(piped, 'PIPED INPUT\n');
  // exec -it: a terminal in the container (crictl needs one on its side too: script(1) gives it).
  const it = spawnSync('bash', ['-c', `(sleep 2; printf 'tty; echo $((6*7))\\r'; sleep 1; printf 'exit\\r'; sleep 1) | script -qec "${CRICTL} --runtime-endpoint unix://${sock} exec -it ${ctrId} sh" /dev/null`],
    { encoding: 'utf8', timeout: 60_000 });
  assert.match(it.stdout, /\/dev\/pts\/\d+/);
  assert.match(it.stdout, /^42\r?$/m);
  const big = await ok(sock, ['exec', ctrId, 'sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" x']);
  assert.equal(big.length, 300000);
  const exit = await crictl(sock, ['exec', ctrId, 'sh', '-c', 'exit 4']);
  assert.notEqual(exit.code, 0);
  assert.match(exit.stderr, /command terminated with exit code 4/);

  // port-forward: a local port into the pod's port 8080, which listens on the pod's own
  // 127.0.0.1 only (reached from inside the pod's network namespace).
  const fwdPort = hostPort + 1;
  const fwd = spawn(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, 'port-forward', podId, `${fwdPort}:8080`], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { fwd.kill('SIGKILL'); });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const on = (d: Buffer) => { text += d; if (/Forwarding from/.test(text)) resolve(); };
    fwd.stdout.on('data', on);
    fwd.stderr.on('data', on);
    fwd.on('close', (code) => reject(new Error(`crictl port-forward exited ${code}: ${text}`)));
  });
  assert.equal((await httpGet(`http://127.0.0.1:${fwdPort}/index.html`)).trim(), 'out-of-pod');
  await assert.rejects(httpGet(`http://${podIp}:8080/index.html`), 'port 8080 is not reachable from outside the pod');
  fwd.kill('SIGTERM');

  // attach: a second container reading its stdin (stdin_once), driven through conmon's attach socket.
  writeFileSync(join(b.tmp, 'shell.json'), JSON.stringify({
    metadata: { name: 'shell' }, image: { image }, command: ['sh'], stdin: true, stdin_once: true, log_path: 'shell/0.log', linux: {},
  }));
  const shellId = (await ok(sock, ['create', podId, join(b.tmp, 'shell.json'), join(b.tmp, 'pod.json')])).trim();
  await ok(sock, ['start', shellId]);
  const attached = await new Promise<string>((resolve, reject) => {
    const c = spawn(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, 'attach', '-i', shellId], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('close', () => resolve(out));
    setTimeout(() => c.stdin.end('echo attached-hello\n'), 500);
  });
  assert.equal(attached, 'attached-hello\n');
  const shellState = JSON.parse(await ok(sock, ['inspect', shellId])) as { status: { state: string } };
  assert.equal(shellState.status.state, 'CONTAINER_EXITED', 'stdin closed: the shell ended');
  await ok(sock, ['rm', shellId]);

  // logs: at kubelet's path, in the CRI format.
  let logs = '';
  for (const end = Date.now() + 60_000; !/started hi/.test(logs) && Date.now() < end;) { logs = await ok(sock, ['logs', ctrId]); await new Promise((r) => setTimeout(r, 100)); }
  assert.match(logs, /started hi/);
  assert.match(readFileSync(join(logDir, 'box', '0.log'), 'utf8'), /^\S+ stdout F started hi$/m);

  // ReopenContainerLog (kubelet's log rotation; crictl has no command for it: our own client):
  // the log renamed away, a new one at the path.
  const logPath = join(logDir, 'box', '0.log');
  renameSync(logPath, `${logPath}.1`);
  const client = criClient(sock);
  try { await client.runtime.ReopenContainerLog({ containerId: ctrId }); } finally { client.close(); }
  assert.ok(existsSync(logPath), 'a new log file after ReopenContainerLog');

  // stats: the running container with its memory.
  const stats = JSON.parse(await ok(sock, ['stats', '-o', 'json', ctrId])) as { stats: { attributes: { id: string }; memory: { workingSetBytes: { value: string } } }[] };
  assert.equal(stats.stats[0].attributes.id, ctrId);
  assert.ok(Number(stats.stats[0].memory.workingSetBytes.value) > 0);

  // pod stats: the pod's network counters and its container.
  const podStats = JSON.parse(await ok(sock, ['statsp', '-o', 'json', podId])) as { stats: { attributes: { id: string }; linux: { network: { defaultInterface: { name: string; rxBytes: { value: string } } }; containers: unknown[] } }[] };
  assert.equal(podStats.stats[0].attributes.id, podId);
  assert.equal(podStats.stats[0].linux.network.defaultInterface.name, 'eth0');
  assert.equal(podStats.stats[0].linux.containers.length, 1);

  // hostPort: the pod's port 80 on the host's loopback (portmap), and the pod address itself.
  assert.equal((await httpGet(`http://127.0.0.1:${hostPort}/index.html`)).trim(), 'out-of-pod');
  assert.equal((await httpGet(`http://${podIp}/index.html`)).trim(), 'out-of-pod');

  await ok(sock, ['stop', '--timeout', '2', ctrId]);
  const st = JSON.parse(await ok(sock, ['inspect', ctrId])) as { status: { state: string; exitCode: number; reason: string } };
  assert.equal(st.status.state, 'CONTAINER_EXITED');
  await ok(sock, ['rm', ctrId]);
  assert.doesNotMatch(await ok(sock, ['ps', '-a']), new RegExp(ctrId.slice(0, 13)));
  await ok(sock, ['stopp', podId]);
  assert.match(await ok(sock, ['pods']), /NotReady/);
  await ok(sock, ['rmp', podId]);
  assert.doesNotMatch(await ok(sock, ['pods']), new RegExp(podId.slice(0, 13)));

  // Nothing of the pod is left: no netns, no monitor, no portmap rule, no address lease.
  assert.deepEqual(readdirSync(join(b.runRoot, 'netns')).filter((n) => n.startsWith('berth-pod')), []);
  assert.deepEqual(pidsMentioning(b.tmp).filter((p) => String(berthd!.pid) !== p && !readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('system\0service')), []);
  const save = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;
  assert.ok(!save.includes(podId), 'no iptables rule names the pod');
  assert.deepEqual(readdirSync(join(b.tmp, 'ipam', `critest${tag}`)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)), []);
  // The pod's veth pair goes with its netns (the kernel's own clean-up, moments later).
  const veths = () => spawnSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).stdout.trim();
  for (const end = Date.now() + 60_000; veths() && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
  assert.equal(veths(), '', 'no veth is left on the pod bridge');
  assert.deepEqual(readdirSync(join(b.root, 'pods')), []);
  assert.ok(!existsSync(join(b.root, 'containers', ctrId)), 'the container\'s directory is gone');
  // berthd deletes removed directories in the background (src/engine/trash.ts): soon done.
  const trash = join(b.root, 'trash');
  for (const end = Date.now() + 60_000; existsSync(trash) && readdirSync(trash).length && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(existsSync(trash) ? readdirSync(trash) : [], [], 'the trash is emptied');
  // berthd keeps one network namespace ready for the next pod; stopped, it leaves none.
  assert.ok(readdirSync(join(b.runRoot, 'netns')).filter((n) => n.startsWith('berth-spare-')).length <= 1);
  const exited = new Promise((r) => berthd!.once('exit', r));
  berthd!.kill('SIGTERM');
  await exited;
  assert.deepEqual(readdirSync(join(b.runRoot, 'netns')), [], 'no netns is left once berthd stopped');
});
