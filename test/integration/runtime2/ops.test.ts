// ps, pause/resume, update, events and features through the real CLI.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { build, CLI, cgroupDirs, cli, leftovers, startedBundle, stateOf } from '../runtime/support.ts';
import type { Spec } from '../../../src/oci/index.ts';
import { killOnEnd } from '../../helpers/cleanup.ts';
import { waitFor } from '../engine/harness.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

function running(t: { after(fn: () => void): void }, tag: string, args: string[], edit?: (s: Spec) => void) {
  return startedBundle(t, 'berth-rt2-', `o2-${tag}-${process.pid}`, args, (s) => { s.root!.readonly = false; edit?.(s); });
}

const dirOf = (id: string, controller: string) => cgroupDirs(id).find((d) => d.split('/')[4].split(',').includes(controller))!;

test('ps lists the container\'s processes (json and ps table), children included', { skip }, (t) => {
  const c = running(t, 'ps', ['sh', '-c', 'sleep 1000 & sleep 1000 & wait']);
  let pids: number[] = [];
  for (let i = 0; i < 200 && pids.length < 3; i++) pids = JSON.parse(cli(c.root, ['ps', '--format', 'json', c.id]).stdout) as number[];
  assert.equal(pids.length, 3);
  assert.ok(pids.includes(c.pid));
  const table = cli(c.root, ['ps', c.id]);
  const rows = table.stdout.trim().split('\n');
  assert.match(rows[0], /^UID\s+PID\s+PPID/);
  assert.deepEqual(rows.slice(1).map((r) => Number(r.trim().split(/\s+/)[1])).sort(), [...pids].sort());
  // ps options after the id go to ps(1).
  const custom = cli(c.root, ['ps', c.id, '-o', 'pid,comm']);
  assert.match(custom.stdout, /^\s*PID COMMAND\n/);
  assert.equal(custom.stdout.trim().split('\n').length, 4);
});

test('pause freezes every process, state says paused, resume thaws; wrong states are refused', { skip }, async (t) => {
  const c = running(t, 'pause', ['sh', '-c', 'while :; do echo x >> /tmp/ticks; usleep 20000; done']);
  assert.equal(cli(c.root, ['resume', c.id]).code, 1, 'resume of a running container fails');
  const p = cli(c.root, ['pause', c.id]);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(stateOf(c.root, c.id).status, 'paused');
  assert.equal(readFileSync(join(dirOf(c.id, 'freezer'), 'freezer.state'), 'utf8').trim(), 'FROZEN');
  const ticks = join(c.bundle, 'rootfs/tmp/ticks');
  const before = readFileSync(ticks, 'utf8').length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(readFileSync(ticks, 'utf8').length, before, 'no progress while frozen');
  assert.equal(cli(c.root, ['pause', c.id]).code, 1, 'pausing twice fails');
  const list = JSON.parse(cli(c.root, ['list', '-f', 'json']).stdout) as { id: string; status: string }[];
  assert.equal(list.find((x) => x.id === c.id)?.status, 'paused');
  assert.equal(cli(c.root, ['resume', c.id]).code, 0);
  assert.equal(stateOf(c.root, c.id).status, 'running');
  // Progress again, however long the thawed shell takes to be scheduled.
  await waitFor(async () => readFileSync(ticks, 'utf8').length > before, 60_000).catch(() => assert.fail('no progress after resume'));
});

test('delete of a paused container needs --force, which thaws and kills', { skip }, (t) => {
  const c = running(t, 'pdel', ['sleep', '1000']);
  assert.equal(cli(c.root, ['pause', c.id]).code, 0);
  assert.equal(cli(c.root, ['delete', c.id]).code, 1);
  const d = cli(c.root, ['delete', '--force', c.id]);
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(leftovers(c.root, c.id, c.bundle), []);
});

test('update writes the cgroup limits and records them in state.json; -r takes linux.resources JSON', { skip }, (t) => {
  const c = running(t, 'upd', ['sleep', '1000']);
  const u = cli(c.root, ['update', '--memory', '64m', '--memory-reservation', '32M', '--pids-limit', '50', '--cpu-share', '512',
    '--cpu-quota', '50000', '--cpu-period', '100000', '--cpuset-cpus', '0', c.id]);
  assert.equal(u.code, 0, u.stderr);
  const rd = (ctl: string, f: string) => readFileSync(join(dirOf(c.id, ctl), f), 'utf8').trim();
  assert.equal(rd('memory', 'memory.limit_in_bytes'), String(64 << 20));
  assert.equal(rd('memory', 'memory.soft_limit_in_bytes'), String(32 << 20));
  assert.equal(rd('pids', 'pids.max'), '50');
  assert.equal(rd('cpu', 'cpu.shares'), '512');
  assert.equal(rd('cpu', 'cpu.cfs_quota_us'), '50000');
  assert.equal(rd('cpuset', 'cpuset.cpus'), '0');
  const r = cli(c.root, ['update', '-r', '/dev/stdin', c.id]);
  assert.equal(r.code, 1, 'empty stdin is not JSON');
  const child = spawn(CLI, ['--root', c.root, 'update', '-r', '-', c.id], { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin!.end(JSON.stringify({ pids: { limit: 77 }, memory: { limit: 100 << 20 } }));
  return new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => {
      try {
        assert.equal(code, 0);
        assert.equal(rd('pids', 'pids.max'), '77');
        assert.equal(rd('memory', 'memory.limit_in_bytes'), String(100 << 20));
        const rec = JSON.parse(readFileSync(join(c.root, c.id, 'state.json'), 'utf8')) as { resources: { pids: { limit: number }; memory: { limit: number; reservation: number }; cpu: { shares: number } } };
        assert.equal(rec.resources.pids.limit, 77);
        assert.equal(rec.resources.memory.limit, 100 << 20);
        assert.equal(rec.resources.memory.reservation, 32 << 20);
        assert.equal(rec.resources.cpu.shares, 512);
        const bad = cli(c.root, ['update', '--memory', 'lots', c.id]);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /--memory: invalid size "lots"/);
        resolve();
      } catch (e) { reject(e); }
    });
  });
});

test('events --stats prints one stats object; events streams an oom event and ends with exit', { skip }, async (t) => {
  const c = running(t, 'ev', ['sleep', '1000'], (s) => {
    s.linux!.resources = { ...(s.linux!.resources ?? {}), memory: { limit: 16 << 20, swap: 16 << 20 } };
  });
  const st = cli(c.root, ['events', '--stats', c.id]);
  assert.equal(st.code, 0, st.stderr);
  const ev = JSON.parse(st.stdout) as { type: string; id: string; data: { cpu: { usage: { total: number } }; memory: { usage: { limit: number; usage: number } }; pids: { current: number } } };
  assert.equal(ev.type, 'stats');
  assert.equal(ev.id, c.id);
  assert.equal(ev.data.memory.usage.limit, 16 << 20);
  assert.ok(ev.data.memory.usage.usage > 0);
  assert.equal(ev.data.pids.current, 1);
  assert.ok(ev.data.cpu.usage.total > 0);

  const stream = spawn(CLI, ['--root', c.root, 'events', '--interval', '300ms', c.id], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnEnd(t, stream);
  let out = '';
  stream.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => stream.on('exit', (code) => r(code)));
  // The stream watches once it has printed (not after a fixed delay): an OOM before that would
  // not be its to report.
  const count = (type: string) => out.split('\n').filter((l) => l.includes(`"type":"${type}"`)).length;
  await waitFor(async () => count('stats') >= 1, 60_000);
  // 64 MiB buffer in a 16 MiB cgroup without swap: the OOM killer takes dd.
  const hog = cli(c.root, ['exec', c.id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
  assert.equal(hog.code, 137, hog.stderr);
  await waitFor(async () => count('oom') >= 1 && count('stats') >= 2, 60_000).catch(() => {}); // asserted below, with the list
  assert.equal(cli(c.root, ['kill', c.id, 'KILL']).code, 0);
  assert.equal(await exited, 0);
  const events = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  const types = events.map((e) => e.type);
  assert.ok(types.filter((x) => x === 'stats').length >= 2, types.join(','));
  assert.equal(types.filter((x) => x === 'oom').length, 1, types.join(','));
  assert.equal(types.at(-1), 'exit');
});

test('features describes what berth supports', { skip }, () => {
  const r = cli('/nonexistent-root', ['features']);
  assert.equal(r.code, 0, r.stderr);
  const f = JSON.parse(r.stdout) as Record<string, any>;
  assert.equal(f.ociVersionMin, '1.0.0');
  assert.equal(f.ociVersionMax, '1.2.0');
  assert.ok(f.hooks.includes('createRuntime'));
  assert.ok(f.mountOptions.includes('rbind') && f.mountOptions.includes('nosymfollow'));
  assert.deepEqual([...f.linux.namespaces].sort(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
  assert.ok(f.linux.capabilities.includes('CAP_SYS_ADMIN'));
  assert.deepEqual(f.linux.cgroup, { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false });
  assert.equal(f.linux.seccomp.enabled, true);
  assert.ok(f.linux.seccomp.archs.includes('SCMP_ARCH_X86_64'));
  assert.ok(!f.linux.seccomp.actions.includes('SCMP_ACT_NOTIFY'));
  assert.equal(f.linux.apparmor.enabled, false);
  assert.equal(f.linux.selinux.enabled, false);
  assert.equal(f.linux.intelRdt.enabled, false);
});

test('memory.kernelTCP is written to memory.kmem.tcp.limit_in_bytes (v1)', { skip }, (t) => {
  const c = running(t, 'ktcp', ['sleep', '1000'], (s) => {
    s.linux!.resources = { ...(s.linux!.resources ?? {}), memory: { limit: 64 << 20, kernelTCP: 8 << 20 } };
  });
  const file = join(dirOf(c.id, 'memory'), 'memory.kmem.tcp.limit_in_bytes');
  assert.equal(readFileSync(file, 'utf8').trim(), String(8 << 20));
});
