// berthd's engine (long-lived) keeps the next pod's netns attached ahead on the CNI
// configuration (src/engine/pods/spare-netns.ts) and releases a stopped pod's address after
// StopPodSandbox answers (pods/service.ts stop): through berth's own gRPC client, on the real
// bridge, host-local and portmap plugins. The second pod takes the spare (its address is the
// spare's, its CNI container id the spare's), portmap runs for its port mapping on top of what
// was done ahead (the hostPort answers), a stopped pod's lease goes without a removal, a removal
// right after the stop waits for it, and once the engine settled nothing is left: no lease, no
// veth, no netns, no iptables rule, no record of a spare. The second pod also has the id its
// infra monitor was started ahead for (spare-infra.ts); the one not taken goes at the settle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { criFixture } from './harness.ts';

const skip = !isRoot ? 'needs root'
  : !['bridge', 'host-local', 'portmap'].every((p) => existsSync(`/usr/lib/cni/${p}`)) ? 'needs the bridge, host-local and portmap CNI plugins in /usr/lib/cni'
  : false;

async function until(what: string, f: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url}: timeout`)));
  });
}

async function retry<T>(what: string, f: () => Promise<T>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try { return await f(); } catch (e) {
      if (Date.now() > end) throw new Error(`${what}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

test('pods on a network attached ahead; addresses released after the stop answers; nothing left', { skip, timeout: 300_000 }, async (t) => {
  const tag = String(process.pid % 200);
  const bridge = `bcrisp${tag}`;
  const network = `crispare${tag}`;
  let ipamDir = '';
  const { tmp, engine, client: c } = await criFixture(t, 'spare', { longLived: true, cniConfDir: (tmp) => {
    const confDir = join(tmp, 'net.d');
    mkdirSync(confDir);
    ipamDir = join(tmp, 'ipam');
    writeFileSync(join(confDir, '10-spare.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: network, plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: `10.249.${tag}.0/24` }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: ipamDir } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ] }));
    return confDir;
  } });
  t.after(() => { spawnSync('ip', ['link', 'del', bridge]); });
  const record = join(tmp, 'root', 'pod-spare.json');
  const leases = () => { try { return readdirSync(join(ipamDir, network)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)); } catch { return []; } };
  const veths = () => spawnSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  const iptables = () => spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;
  const config = (name: string, portMappings: object[] = []) => ({ metadata: { name, namespace: 'ns', uid: `uid-${name}` }, portMappings, linux: {} });
  const ipOf = async (id: string) => (await c.runtime.PodSandboxStatus({ podSandboxId: id }) as { status: { network: { ip: string } } }).status.network.ip;

  // The first pod has no spare to take: its own netns and ADD; a spare is attached after it.
  const a = (await c.runtime.RunPodSandbox({ config: config('a') }) as { podSandboxId: string }).podSandboxId;
  assert.equal(engine.pods.get(a).state.cni?.containerId, undefined, 'the first pod\'s attachment is its own');
  await until('the next pod\'s netns is attached ahead', () => existsSync(record));
  const spare = JSON.parse(readFileSync(record, 'utf8')) as { path: string; cni: { containerId: string; result: { ips: { address: string }[] } } };
  // And its infra monitor started ahead, under the id the next pod gets (spare-infra.ts).
  const infraRecord = join(tmp, 'root', 'pod-spare-infra');
  await until('the next pod\'s infra monitor is started ahead', () => existsSync(infraRecord));
  const nextId = readFileSync(infraRecord, 'utf8').trim();
  await until('its conmon runs', () => existsSync(join(tmp, 'root', 'pods', nextId, 'infra', 'conmon.pid')));
  assert.equal(leases().length, 2, 'the pod\'s lease and the spare\'s');

  // The second pod takes it: the spare's address and CNI container id; portmap runs for it.
  const hostPort = 21000 + (process.pid % 20000);
  const b = (await c.runtime.RunPodSandbox({ config: config('b', [{ protocol: 'TCP', containerPort: 80, hostPort }]) }) as { podSandboxId: string }).podSandboxId;
  assert.equal(b, nextId, 'the pod has the id its infra monitor was started for');
  const bPod = engine.pods.get(b);
  assert.equal(bPod.state.cni?.containerId, spare.cni.containerId, 'the pod\'s attachment is the spare\'s');
  assert.equal(bPod.state.netnsPath, spare.path);
  assert.deepEqual(bPod.state.cni?.conflist.plugins.map((p) => p.type), ['bridge', 'portmap'], 'the whole chain is the pod\'s (for its DEL)');
  const bIp = await ipOf(b);
  assert.equal(`${bIp}/24`, spare.cni.result.ips[0].address);
  assert.ok(iptables().includes(spare.cni.containerId), 'portmap\'s rules for the pod (named by the attachment\'s id)');
  const { containerId } = await c.runtime.CreateContainer({ podSandboxId: b, sandboxConfig: config('b'), config: {
    metadata: { name: 'web' }, image: { image: 'busybox' }, command: ['sh', '-c', 'echo in-pod > /tmp/index.html; exec httpd -f -p 80 -h /tmp'],
  } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId });
  assert.equal((await retry('the pod address answers', () => httpGet(`http://${bIp}/index.html`))).trim(), 'in-pod');
  assert.equal((await retry('the hostPort answers', () => httpGet(`http://127.0.0.1:${hostPort}/index.html`))).trim(), 'in-pod');

  // Stopped: unreachable at once (no netns); its lease goes right after, without a removal.
  await until('a spare is attached for the next pod', () => existsSync(record));
  await c.runtime.StopPodSandbox({ podSandboxId: b });
  assert.equal(engine.pods.get(b).state.netnsPath, '', 'the netns is gone when StopPodSandbox answers');
  assert.ok(!readdirSync(join(tmp, 'run', 'netns')).some((n) => spare.path.endsWith(n)));
  await until('the stopped pod\'s lease is released', () => !leases().includes(bIp));
  await until('its state no longer holds the attachment', () => engine.pods.get(b).state.cni === undefined);
  assert.ok(!iptables().includes(spare.cni.containerId), 'no portmap rule of the pod is left');

  // A removal right after the stop waits for the release.
  const aIp = await ipOf(a);
  await c.runtime.StopPodSandbox({ podSandboxId: a });
  await c.runtime.RemovePodSandbox({ podSandboxId: a });
  assert.ok(!leases().includes(aIp), 'removed: its lease is gone');
  await c.runtime.RemovePodSandbox({ podSandboxId: b });

  // Only the spare's lease and veth while the engine runs; nothing once it settled.
  assert.equal(leases().length, 1, `the spare's lease only (${leases().join(', ')})`);
  await until('only the spare\'s veth is on the bridge', () => veths().length === 1);
  await engine.settle();
  assert.deepEqual(leases(), [], 'no lease once the engine settled');
  await until('no veth on the bridge', () => veths().length === 0);
  assert.deepEqual(readdirSync(join(tmp, 'run', 'netns')), [], 'no netns');
  assert.equal(existsSync(record), false, 'no spare recorded');
  assert.equal(existsSync(infraRecord), false, 'no infra monitor recorded');
  assert.deepEqual(readdirSync(join(tmp, 'root', 'pods')), [], 'no pod directory (the spare monitor\'s went)');
  assert.deepEqual(readdirSync(join(tmp, 'run', 'runtime')).filter((n) => !n.startsWith('.')), [], 'no runtime record');
});
