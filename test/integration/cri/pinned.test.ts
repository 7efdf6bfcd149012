// CRI pods without an infra process (engine/pods/pinned.ts), through berth's own gRPC client on
// the real bridge and host-local plugins: a pod whose containers do not share a PID namespace
// (kubelet's default: PID CONTAINER) has its IPC and UTS namespaces pinned by bind mounts, its
// hostname and sysctls (IPC and net) set once; its containers share them (and not the host's),
// each in a PID namespace of its own; no berth-pause or conmon runs for the pod itself. Stopped,
// the pins are gone; a sysctl that is not the pod's own is refused before anything is made. A
// pod sharing its PID namespace (CRI's POD) still has its infra process as PID 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { isRoot } from '../../helpers/rootfs.ts';
import { isMountPoint, processAlive } from '../../../src/util/proc.ts';
import { criFixture } from './harness.ts';

const skip = !isRoot ? 'needs root'
  : !['bridge', 'host-local'].every((p) => existsSync(`/usr/lib/cni/${p}`)) ? 'needs the bridge and host-local CNI plugins in /usr/lib/cni'
  : false;

test('a pod without a shared PID namespace runs without an infra process: pinned IPC and UTS, hostname, sysctls', { skip, timeout: 300_000 }, async (t) => {
  const tag = String(process.pid % 200);
  const bridge = `bcripin${tag}`;
  const { tmp, engine, client: c } = await criFixture(t, 'pin', { longLived: true, cniConfDir: (tmp) => {
    const confDir = join(tmp, 'net.d');
    mkdirSync(confDir);
    writeFileSync(join(confDir, '10-pin.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: `cripin${tag}`, plugins: [
      { type: 'bridge', bridge, isGateway: true, ipam: { type: 'host-local', ranges: [[{ subnet: `10.248.${tag}.0/24` }]], dataDir: join(tmp, 'ipam') } },
    ] }));
    return confDir;
  } });
  t.after(() => { spawnSync('ip', ['link', 'del', bridge]); });
  const pinDir = join(tmp, 'run', 'podns');
  const pins = () => { try { return readdirSync(pinDir); } catch { return []; } };
  // A cgroup parent of the pod's own, as kubelet gives (its containers' cgroups go under it).
  const cgroupParent = `berth-test-pinpod-${tag}`;
  const parentDirs = () => readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, cgroupParent)).filter((d) => existsSync(d));
  t.after(() => { for (const d of parentDirs().reverse()) try { rmdirSync(d); } catch { /* busy: reported by the test */ } });
  const config = (name: string, pid: string, sysctls: Record<string, string> = {}) => ({
    metadata: { name, namespace: 'ns', uid: `uid-${name}` }, hostname: `${name}-host`,
    linux: { cgroupParent, sysctls, securityContext: { namespaceOptions: { network: 'POD', pid, ipc: 'POD' } } },
  });
  const exec = async (containerId: string, cmd: string) => {
    const r = await c.runtime.ExecSync({ containerId, cmd: ['sh', '-c', cmd], timeout: 60 }) as { stdout: Buffer; stderr: Buffer; exitCode: number };
    assert.equal(r.exitCode, 0, `${cmd}: ${r.stderr.toString()}`);
    return r.stdout.toString().trim();
  };

  // kubelet's default pod: PID per container.
  const podConfig = config('pin', 'CONTAINER', { 'kernel.shm_rmid_forced': '1', 'net.ipv4.ip_unprivileged_port_start': '81' });
  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: podConfig }) as { podSandboxId: string };
  const pod = engine.pods.get(podSandboxId);
  assert.equal(pod.state.infraPid, 0, 'no infra process');
  assert.equal(pod.state.conmonPid, 0, 'no monitor for the pod itself');
  assert.deepEqual(pins().sort(), [`${podSandboxId.slice(0, 32)}-ipc`, `${podSandboxId.slice(0, 32)}-uts`]);
  for (const p of pins()) assert.ok(isMountPoint(join(pinDir, p)), `${p} is a pinned namespace`);
  const pauses = spawnSync('pgrep', ['-f', `berth-pod-${podSandboxId}|${podSandboxId.slice(0, 16)}`], { encoding: 'utf8' }).stdout.trim();
  assert.equal(pauses, '', 'no process names the pod');
  const st = await c.runtime.PodSandboxStatus({ podSandboxId }) as { status: { state: string; network: { ip: string } } };
  assert.equal(st.status.state, 'SANDBOX_READY');
  assert.match(st.status.network.ip, new RegExp(`^10\\.248\\.${tag}\\.`));

  const ids: string[] = [];
  for (const name of ['one', 'two']) {
    const { containerId } = await c.runtime.CreateContainer({ podSandboxId, sandboxConfig: podConfig, config: {
      metadata: { name }, image: { image: 'busybox' }, command: ['sleep', '1000'],
    } }) as { containerId: string };
    await c.runtime.StartContainer({ containerId });
    ids.push(containerId);
  }
  const [one, two] = ids;
  assert.ok(parentDirs().length > 0, 'the containers\' cgroups are under the pod\'s cgroup parent');
  assert.equal(await exec(one, 'hostname'), 'pin-host');
  assert.equal(await exec(two, 'hostname'), 'pin-host');
  assert.equal(await exec(one, 'cat /proc/sys/kernel/shm_rmid_forced'), '1');
  assert.equal(await exec(two, 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start'), '81');
  assert.equal(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim() === '81', false, 'not the host\'s');
  const nsOf = (id: string, t: string) => exec(id, `readlink /proc/self/ns/${t}`);
  for (const kind of ['ipc', 'uts', 'net']) {
    const a = await nsOf(one, kind);
    assert.equal(a, await nsOf(two, kind), `both containers share the pod's ${kind} namespace`);
    assert.notEqual(a, readlinkSync(`/proc/self/ns/${kind}`), `the pod's ${kind} namespace is not the host's`);
  }
  assert.notEqual(await nsOf(one, 'pid'), await nsOf(two, 'pid'), 'each container has a PID namespace of its own');
  // The writable layer's usage (blocks and inodes of the container's upper directory): a MiB
  // written into one container shows in its stats, not in the other's (measured at most every 2 s).
  type Layer = { usedBytes: { value: string }; inodesUsed: { value: string }; fsId: { mountpoint: string } } | null;
  const layerOf = async (containerId: string) => (await c.runtime.ContainerStats({ containerId }) as { stats: { writableLayer: Layer } }).stats.writableLayer;
  const before = await layerOf(two);
  assert.ok(before && Number(before.inodesUsed.value) >= 1 && before.fsId.mountpoint, `a writable layer is reported: ${JSON.stringify(before)}`);
  await exec(one, 'dd if=/dev/zero of=/big bs=1024 count=1024 2>/dev/null && sync');
  let grown: Layer = null;
  for (let i = 0; i < 40 && !(grown && Number(grown.usedBytes.value) >= Number(before!.usedBytes.value) + 1024 * 1024); i++) {
    await new Promise((r) => setTimeout(r, 250));
    grown = await layerOf(one);
  }
  assert.ok(grown && Number(grown.usedBytes.value) >= Number(before!.usedBytes.value) + 1024 * 1024, `the MiB written shows: ${JSON.stringify(grown)} against ${JSON.stringify(before)}`);
  const listed = (await c.runtime.ListContainerStats({ filter: { podSandboxId } }) as { stats: { attributes: { id: string }; writableLayer: Layer }[] }).stats;
  assert.deepEqual(listed.map((x) => x.attributes.id).sort(), [one, two].sort());
  assert.ok(Number(listed.find((x) => x.attributes.id === two)!.writableLayer!.usedBytes.value) < 1024 * 1024, 'the other container did not grow');
  const ifs = (await c.runtime.PodSandboxStats({ podSandboxId }) as { stats: { linux: { network: { defaultInterface: { name: string } | null } } } }).stats.linux.network;
  assert.equal(ifs.defaultInterface?.name, 'eth0', 'the pod\'s interfaces are read through a container');

  // Stopped: the answer comes once the containers exited and the netns is gone; the pins, the
  // containers' clean-up (the runtime's state, their monitors) and the address follow in the
  // background, under the pod's and the containers' locks.
  const monitors = ids.map((id) => engine.containers.get(id).state.conmonPid);
  for (const id of ids) assert.ok(existsSync(join(tmp, 'run', 'runtime', id)), 'running: the runtime has its state');
  await c.runtime.StopPodSandbox({ podSandboxId });
  assert.equal((await c.runtime.PodSandboxStatus({ podSandboxId }) as { status: { state: string } }).status.state, 'SANDBOX_NOTREADY');
  for (const containerId of ids) {
    assert.equal((await c.runtime.ContainerStatus({ containerId }) as { status: { state: string } }).status.state, 'CONTAINER_EXITED');
  }
  await engine.settle();
  assert.deepEqual(pins(), []);
  assert.deepEqual(parentDirs(), [], 'the pod\'s cgroup parent went once its containers\' clean-ups were done');
  for (const pid of monitors) assert.equal(processAlive(pid), false, `monitor ${pid} is gone`);
  for (const id of ids) assert.equal(existsSync(join(tmp, 'run', 'runtime', id)), false, 'the runtime\'s state is gone');
  await c.runtime.RemovePodSandbox({ podSandboxId });

  // A sysctl outside the pod's namespaces: refused before anything is made.
  let refused: { code: number; details: string } | undefined;
  try { await c.runtime.RunPodSandbox({ config: config('bad', 'CONTAINER', { 'vm.swappiness': '10' }) }); } catch (e) { refused = e as typeof refused; }
  assert.equal(refused?.code, status.INVALID_ARGUMENT);
  assert.match(refused!.details, /vm\.swappiness/);
  assert.deepEqual(await c.runtime.ListPodSandbox({}), { items: [] });
  assert.deepEqual(pins(), []);
  // A value the kernel refuses: the start fails, and nothing is left (pins, the directory's own
  // mount, the netns).
  let failed: { code: number; details: string } | undefined;
  try { await c.runtime.RunPodSandbox({ config: config('badvalue', 'CONTAINER', { 'net.ipv4.ip_local_port_range': 'abc' }) }); } catch (e) { failed = e as typeof failed; }
  assert.match(failed?.details ?? '', /ip_local_port_range/);
  assert.deepEqual(pins(), []);
  assert.equal(existsSync(pinDir) && isMountPoint(pinDir), false, 'the pin directory\'s self bind mount is gone');
  assert.deepEqual(readdirSync(join(tmp, 'run', 'netns')).filter((n) => n.startsWith('berth-pod')), []);

  // Pins an engine killed half-way left recorded (the record is saved before they are made):
  // a start of the pod removes them first, a stop removes them.
  const left = (await c.runtime.RunPodSandbox({ config: config('left', 'CONTAINER') }) as { podSandboxId: string }).podSandboxId;
  const killedDuringStart = () => {
    const rec = engine.pods.store.get(left)!;
    assert.ok(rec.state.pinned?.ipc, 'pins recorded');
    rec.state.status = 'stopped';
    engine.pods.store.save(rec);
  };
  killedDuringStart();
  await engine.pods.start(left);
  assert.equal(engine.pods.get(left).state.status, 'running', 'started again over its leftover pins');
  killedDuringStart();
  await c.runtime.StopPodSandbox({ podSandboxId: left });
  await engine.settle();
  assert.deepEqual(pins(), []);
  assert.equal(engine.pods.store.get(left)!.state.pinned, undefined);
  await c.runtime.RemovePodSandbox({ podSandboxId: left });

  // A shared PID namespace needs a PID 1: the infra process.
  const shared = (await c.runtime.RunPodSandbox({ config: config('shared', 'POD') }) as { podSandboxId: string }).podSandboxId;
  assert.ok(engine.pods.get(shared).state.infraPid > 0, 'an infra process');
  assert.deepEqual(pins(), []);
  await c.runtime.StopPodSandbox({ podSandboxId: shared });
  await c.runtime.RemovePodSandbox({ podSandboxId: shared });
  assert.deepEqual(readdirSync(join(tmp, 'run', 'netns')).filter((n) => n.startsWith('berth-pod')), []);
});
