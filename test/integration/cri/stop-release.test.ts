// berthd's engine (long-lived) answers StopPodSandbox once the pod is unreachable (no process, no
// netns, so no veth) and releases the pod's address after (pods/service.ts stop): through berth's
// own gRPC client, on the real bridge, host-local and portmap plugins. A pod with a port mapping
// answers on its address and its hostPort; StopContainer answers once the process exited and a
// RemoveContainer right after waits for its clean-up; stopped, its netns is gone when the call returns, its
// lease and portmap rules go right after without a removal; a removal right after a stop waits
// for the release; a stop of a pod whose release is still to be done (a berthd that died between
// the two) runs it; once the engine settled nothing is left: no lease, no veth, no netns, no rule.
// A release that fails (the bridge plugin's DEL, through a wrapper in the test's own CNI bin
// directory, fails while a marker file exists) is logged; the next StopPodSandbox and
// RemovePodSandbox release in the call and fail, and the pod stays (a start of it fails too);
// once the DEL works the removal succeeds and leaves nothing (lease, masquerade rules, netns,
// veth). With ipMasq the
// bridge plugin's DEL, run once the netns is gone, cannot find the addresses to unmasquerade:
// the engine sweeps those rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { processAlive } from '../../../src/util/proc.ts';
import { criFixture } from './harness.ts';
import { defer } from '../../helpers/cleanup.ts';

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

/** A bridge (host-local addresses in `dataDir`) + portmap conflist, as kubelet deployments ship. */
function writeConflist(file: string, o: { network: string; bridge: string; subnet: string; ipMasq: boolean; dataDir: string }): void {
  writeFileSync(file, JSON.stringify({ cniVersion: '1.0.0', name: o.network, plugins: [
    { type: 'bridge', bridge: o.bridge, isGateway: true, ipMasq: o.ipMasq, ipam: { type: 'host-local', ranges: [[{ subnet: o.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.dataDir } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ] }));
}

test('StopPodSandbox answers once the pod is unreachable; its address is released after; nothing left', { skip, timeout: 300_000 }, async (t) => {
  const tag = String(process.pid % 200);
  const bridge = `bcrirel${tag}`;
  const network = `crirel${tag}`;
  let ipamDir = '';
  const { tmp, engine, client: c } = await criFixture(t, 'rel', { longLived: true, cniConfDir: (tmp) => {
    const confDir = join(tmp, 'net.d');
    mkdirSync(confDir);
    ipamDir = join(tmp, 'ipam');
    writeConflist(join(confDir, '10-rel.conflist'), { network, bridge, subnet: `10.249.${tag}.0/24`, ipMasq: false, dataDir: ipamDir });
    return confDir;
  } });
  t.after(() => { spawnSync('ip', ['link', 'del', bridge]); });
  const leases = () => { try { return readdirSync(join(ipamDir, network)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)); } catch { return []; } };
  const veths = () => spawnSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  const iptables = () => spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;
  const config = (name: string, portMappings: object[] = []) => ({ metadata: { name, namespace: 'ns', uid: `uid-${name}` }, portMappings, linux: {} });
  const ipOf = async (id: string) => (await c.runtime.PodSandboxStatus({ podSandboxId: id }) as { status: { network: { ip: string } } }).status.network.ip;

  // A pod with a port mapping and a web server: reachable on its address and its hostPort.
  const hostPort = 21000 + (process.pid % 20000);
  const a = (await c.runtime.RunPodSandbox({ config: config('a', [{ protocol: 'TCP', containerPort: 80, hostPort }]) }) as { podSandboxId: string }).podSandboxId;
  const aIp = await ipOf(a);
  const { containerId } = await c.runtime.CreateContainer({ podSandboxId: a, sandboxConfig: config('a'), config: {
    metadata: { name: 'web' }, image: { image: 'busybox' }, command: ['sh', '-c', 'echo in-pod > /tmp/index.html; exec httpd -f -p 80 -h /tmp'],
  } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId });
  assert.equal((await retry('the pod address answers', () => httpGet(`http://${aIp}/index.html`))).trim(), 'in-pod');
  assert.equal((await retry('the hostPort answers', () => httpGet(`http://127.0.0.1:${hostPort}/index.html`))).trim(), 'in-pod');
  assert.ok(iptables().includes(a), 'portmap\'s rules name the pod');

  // Stopped: unreachable when the call returns (no netns: the veth went with it); the lease
  // and the portmap rules go right after, without a removal.
  await c.runtime.StopPodSandbox({ podSandboxId: a });
  assert.equal(engine.pods.get(a).state.netnsPath, '', 'the netns is gone when StopPodSandbox answers');
  assert.deepEqual(readdirSync(join(tmp, 'run', 'netns')).filter((n) => n.startsWith('berth-pod')), []);
  assert.ok(!iptables().includes(a), 'no portmap rule of the pod is left (its DEL runs before the answer)');
  await until('the stopped pod\'s lease is released', () => !leases().includes(aIp));
  await until('its state no longer holds the attachment', () => engine.pods.get(a).state.cni === undefined);
  await until('its veth is gone', () => veths().length === 0);

  // StopContainer answers once the process exited (its clean-up follows under the container's
  // lock): a RemoveContainer right after waits for it, and nothing of the container is left.
  const b = (await c.runtime.RunPodSandbox({ config: config('b') }) as { podSandboxId: string }).podSandboxId;
  const bIp = await ipOf(b);
  assert.ok(leases().includes(bIp));
  const { containerId: box } = await c.runtime.CreateContainer({ podSandboxId: b, sandboxConfig: config('b'), config: {
    metadata: { name: 'box' }, image: { image: 'busybox' }, command: ['sleep', '1000'],
  } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId: box });
  const boxMonitor = engine.containers.get(box).state.conmonPid;
  assert.ok(existsSync(join(tmp, 'run', 'runtime', box)) && processAlive(boxMonitor), 'running: the runtime\'s state and the monitor are there');
  await c.runtime.StopContainer({ containerId: box, timeout: 0 });
  assert.equal((await c.runtime.ContainerStatus({ containerId: box }) as { status: { state: string } }).status.state, 'CONTAINER_EXITED');
  await c.runtime.RemoveContainer({ containerId: box });
  assert.equal(existsSync(join(tmp, 'run', 'runtime', box)), false, 'removed: the runtime\'s state is gone');
  assert.equal(existsSync(join(tmp, 'root', 'containers', box)), false, 'removed: its directory is gone');
  await until('its monitor is gone', () => !processAlive(boxMonitor));

  // A removal right after the stop waits for the release.
  await c.runtime.StopPodSandbox({ podSandboxId: b });
  await c.runtime.RemovePodSandbox({ podSandboxId: b });
  assert.ok(!leases().includes(bIp), 'removed: its lease is gone');

  // A release still to be done when a berthd died (the pod's state keeps its attachment): the
  // next stop, a removal's, runs it.
  const d = (await c.runtime.RunPodSandbox({ config: config('d') }) as { podSandboxId: string }).podSandboxId;
  const dIp = await ipOf(d);
  const kept = engine.pods.get(d).state.cni;
  assert.ok(kept);
  const lease = readFileSync(join(ipamDir, network, dIp));
  await c.runtime.StopPodSandbox({ podSandboxId: d });
  await until('released', () => !leases().includes(dIp));
  const rec = engine.pods.store.get(d)!;
  rec.state.cni = kept;
  engine.pods.store.save(rec);
  // (The lease is back as the dead berthd would have left it: the DEL must release it again.)
  writeFileSync(join(ipamDir, network, dIp), lease);
  await c.runtime.RemovePodSandbox({ podSandboxId: d });
  assert.ok(!leases().includes(dIp), 'the removal released what the stop had not');

  await c.runtime.RemovePodSandbox({ podSandboxId: a });
  await engine.settle();
  assert.deepEqual(leases(), [], 'no lease once the engine settled');
  await until('no veth on the bridge', () => veths().length === 0);
  assert.deepEqual(readdirSync(join(tmp, 'run', 'netns')).filter((n) => !n.startsWith('berth-spare-')), [], 'no pod netns');
  assert.deepEqual(readdirSync(join(tmp, 'root', 'pods')), [], 'no pod directory');
});

test('a failed address release is logged, fails the next stop and the removal, and keeps the pod until it succeeds', { skip, timeout: 300_000 }, async (t) => {
  const tag = String(process.pid % 200);
  const bridge = `bcrifail${tag}`;
  const network = `crifail${tag}`;
  let ipamDir = '';
  let marker = '';
  const lines: string[] = [];
  const { tmp, engine, client: c } = await criFixture(t, 'relfail', {
    longLived: true,
    log: (l) => lines.push(l),
    cniConfDir: (tmp) => {
      const confDir = join(tmp, 'net.d');
      mkdirSync(confDir);
      ipamDir = join(tmp, 'ipam');
      writeConflist(join(confDir, '10-relfail.conflist'), { network, bridge, subnet: `10.248.${tag}.0/24`, ipMasq: true, dataDir: ipamDir });
      return confDir;
    },
    // The real plugins, but for a bridge whose DEL fails while the marker exists.
    cniPath: (tmp) => {
      const bin = join(tmp, 'cni-bin');
      mkdirSync(bin);
      marker = join(tmp, 'fail-del');
      writeFileSync(join(bin, 'bridge'), [
        '#!/bin/sh',
        `if [ "$CNI_COMMAND" = DEL ] && [ -e '${marker}' ]; then`,
        '  echo \'{"cniVersion":"1.0.0","code":11,"msg":"injected DEL failure"}\'',
        '  exit 1',
        'fi',
        'exec /usr/lib/cni/bridge "$@"',
        '',
      ].join('\n'));
      chmodSync(join(bin, 'bridge'), 0o755);
      return [bin, '/usr/lib/cni'];
    },
  });
  // Runs before the fixture's own clean-up (its removal of every pod).
  defer(t, () => { rmSync(marker, { force: true }); });
  t.after(() => { spawnSync('ip', ['link', 'del', bridge]); });
  const leases = () => { try { return readdirSync(join(ipamDir, network)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)); } catch { return []; } };
  const veths = () => spawnSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  const iptables = () => spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;
  const podNetns = () => readdirSync(join(tmp, 'run', 'netns')).filter((n) => !n.startsWith('berth-spare-'));

  const config = { metadata: { name: 'f', namespace: 'ns', uid: 'uid-f' }, linux: {} };
  const p = (await c.runtime.RunPodSandbox({ config }) as { podSandboxId: string }).podSandboxId;
  const ip = (await c.runtime.PodSandboxStatus({ podSandboxId: p }) as { status: { network: { ip: string } } }).status.network.ip;
  assert.ok(leases().includes(ip), 'the pod holds a lease');
  assert.ok(iptables().includes(p), 'the bridge\'s masquerade rules name the pod');

  writeFileSync(marker, '');
  // The first stop answers once the pod is unreachable; its release fails after, and says so.
  await c.runtime.StopPodSandbox({ podSandboxId: p });
  await until('the failed release is logged', () => lines.some((l) => l.includes(p) && l.includes('injected DEL failure')));
  assert.ok(engine.pods.store.get(p)?.state.cni, 'the pod\'s state keeps its attachment');
  // A retried stop releases in the call: kubelet sees the failure.
  await assert.rejects(c.runtime.StopPodSandbox({ podSandboxId: p }), /injected DEL failure/);
  // The removal too, and the pod stays with what the retry needs.
  await assert.rejects(c.runtime.RemovePodSandbox({ podSandboxId: p }), /injected DEL failure/);
  assert.ok(engine.pods.store.get(p)?.state.cni, 'the pod is kept, with its attachment');
  assert.ok(leases().includes(ip), 'its lease is still held');
  assert.ok(iptables().includes(p), 'its masquerade rules are still there');
  // Nor does a start of the pod attach it anew over the held address.
  await assert.rejects(engine.pods.start(p), /injected DEL failure/);
  assert.equal(engine.pods.get(p).state.status, 'stopped');
  assert.ok(engine.pods.store.get(p)?.state.cni, 'still the old attachment');
  assert.deepEqual(leases(), [ip], 'no second lease');
  assert.deepEqual(podNetns(), [], 'no netns made for it');

  rmSync(marker);
  await c.runtime.RemovePodSandbox({ podSandboxId: p });
  assert.equal(engine.pods.store.get(p), undefined, 'removed once its release worked');
  assert.deepEqual(leases(), [], 'no lease left');
  assert.ok(!iptables().includes(p), 'no rule of the pod left');

  // A release that works: the bridge's DEL ran without the netns (gone before it), so it could
  // not find the addresses to unmasquerade; the rules go anyway, without a removal.
  const q = (await c.runtime.RunPodSandbox({ config: { ...config, metadata: { ...config.metadata, name: 'g', uid: 'uid-g' } } }) as { podSandboxId: string }).podSandboxId;
  assert.ok(iptables().includes(q), 'the second pod\'s masquerade rules are there');
  await c.runtime.StopPodSandbox({ podSandboxId: q });
  await until('its masquerade rules go with its release', () => !iptables().includes(q));
  await until('its lease goes', () => leases().length === 0);
  await c.runtime.RemovePodSandbox({ podSandboxId: q });

  await engine.settle();
  await until('no veth on the bridge', () => veths().length === 0);
  assert.deepEqual(podNetns(), [], 'no pod netns');
  assert.deepEqual(readdirSync(join(tmp, 'root', 'pods')), [], 'no pod directory');
});
