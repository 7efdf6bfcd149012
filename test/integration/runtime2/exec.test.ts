// berth-runtime exec through the real CLI against busybox containers: namespaces and cgroup
// joined, process attributes from flags and from process.json (conmon's way), exit codes,
// terminals, refusals.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../../helpers/rootfs.ts';
import { build, cgroupDirs, cli, RECVTTY, startedBundle, stateOf } from '../runtime/support.ts';
import type { Spec } from '../../../src/oci/index.ts';
import { killOnEnd } from '../../helpers/cleanup.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

/** A started `sleep` container; deleted (and checked clean) after the test. */
function running(t: { after(fn: () => void): void }, tag: string, edit?: (s: Spec) => void) {
  return startedBundle(t, 'berth-rt2-', `x2-${tag}-${process.pid}`, ['sleep', '1000'], (s) => { s.root!.readonly = false; edit?.(s); });
}

test('exec passes output and the exit code through and joins every namespace and the cgroup', { skip }, (t) => {
  const c = running(t, 'ns', (s) => { s.linux!.namespaces!.push({ type: 'cgroup' }); });
  const r = cli(c.root, ['exec', c.id, 'sh', '-c', 'for n in ipc mnt net pid uts cgroup; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup; exit 7']);
  assert.equal(r.code, 7, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const want = ['ipc', 'mnt', 'net', 'pid', 'uts', 'cgroup'].map((n) => readlinkSync(`/proc/${c.pid}/ns/${n}`));
  assert.deepEqual(lines.slice(0, 6), want);
  // In the container's cgroup namespace its own cgroup is the root.
  assert.ok(lines.slice(6).every((l) => l.endsWith(':/')), lines.slice(6).join('\n'));
  // The exec'd process is gone afterwards; only the init is in the cgroup.
  const ps = cli(c.root, ['ps', '--format', 'json', c.id]);
  assert.deepEqual(JSON.parse(ps.stdout), [c.pid]);
});

test('exec flags: --user, --cwd, --env, --additional-gids, --cap, --no-new-privs', { skip }, (t) => {
  const c = running(t, 'flags');
  const r = cli(c.root, ['exec', '-u', '65534:65534', '-g', '10', '--cwd', '/tmp', '-e', 'FOO=bar', '-e', 'PATH=/bin',
    '--cap', 'CAP_NET_RAW', '--no-new-privs', c.id, 'sh', '-c', 'id -u; id -g; id -G; pwd; echo $FOO $PATH $HOME; grep -E "^(CapBnd|CapEff|NoNewPrivs)" /proc/self/status']);
  assert.equal(r.code, 0, r.stderr);
  const [uid, gid, groups, cwd, env, ...status] = r.stdout.trim().split('\n');
  assert.equal(uid, '65534');
  assert.equal(gid, '65534');
  assert.deepEqual(groups.split(' ').sort(), ['10', '65534']);
  assert.equal(cwd, '/tmp');
  assert.equal(env, 'bar /bin /home');
  const field = (name: string) => status.find((l) => l.startsWith(name))!.split(/\s+/)[1];
  const bnd = BigInt(`0x${field('CapBnd')}`);
  assert.ok(bnd & (1n << 13n), 'CAP_NET_RAW added to the bounding set');
  assert.equal(field('NoNewPrivs'), '1');
  // --cap also makes it ambient (as runc does), so even uid 65534 has it effective, and only it.
  assert.equal(BigInt(`0x${field('CapEff')}`), 1n << 13n);
});

test('exec --process FILE --detach --pid-file (how conmon calls it) runs the file\'s process in the cgroup', { skip }, async (t) => {
  const c = running(t, 'proc');
  const procFile = join(c.dir, 'process.json');
  const out = join(c.dir, 'bundle/rootfs/tmp/out');
  writeFileSync(procFile, JSON.stringify({
    args: ['sh', '-c', 'echo $MSG > /tmp/out; exec sleep 300'], env: ['MSG=from-json'], cwd: '/', user: { uid: 0, gid: 0 },
  }));
  const pidFile = join(c.dir, 'exec.pid');
  const r = cli(c.root, ['exec', '--process', procFile, '--detach', '--pid-file', pidFile, c.id]);
  assert.equal(r.code, 0, r.stderr);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 1 && pid !== c.pid);
  const ps = JSON.parse(cli(c.root, ['ps', '-f', 'json', c.id]).stdout) as number[];
  assert.ok(ps.includes(pid) && ps.includes(c.pid), `ps ${ps} has ${pid}`);
  // Every controller directory of the container has it (and there are some: else this checks nothing).
  const dirs = cgroupDirs(c.id).filter((d) => existsSync(join(d, 'cgroup.procs')));
  assert.ok(dirs.length > 0, `no cgroup directories for ${c.id}`);
  for (const d of dirs) assert.ok(readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)), d);
  const table = cli(c.root, ['ps', c.id]);
  assert.match(table.stdout, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
  assert.match(table.stdout, /sleep 300/);
  assert.equal(table.stdout.trim().split('\n').length, 3, table.stdout);
  for (const end = Date.now() + 60_000; !existsSync(out) && Date.now() < end;) await sleep(5);
  assert.equal(readFileSync(out, 'utf8'), 'from-json\n');
});

test('exec -t with --console-socket hands a pty master over; without a terminal flag stdio is ours', { skip }, async (t) => {
  const c = running(t, 'tty');
  const sock = join(c.dir, 'console.sock');
  const recv = spawn(RECVTTY, ['--print-only', sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnEnd(t, recv);
  let got = '';
  recv.stdout!.on('data', (d: Buffer) => { got += d.toString(); });
  for (const end = Date.now() + 60_000; !existsSync(sock) && Date.now() < end;) await sleep(5);
  const r = cli(c.root, ['exec', '-t', '--console-socket', sock, c.id, 'sh', '-c', 'tty > /tmp/tty; exit 3']);
  assert.equal(r.code, 3, r.stderr);
  for (const end = Date.now() + 60_000; !got.includes('got pty') && Date.now() < end;) await sleep(5);
  const tty = readFileSync(join(c.bundle, 'rootfs/tmp/tty'), 'utf8').trim();
  assert.match(tty, /^\/dev\/pts\/\d+$/);
  assert.equal(got.trim(), `got pty: ${tty}`);
  // The container's /dev/console was left alone (no bind mount in its namespace).
  const m = cli(c.root, ['exec', c.id, 'sh', '-c', 'grep -c " /dev/console " /proc/self/mountinfo || true']);
  assert.equal(m.stdout.trim(), '0');
});

test('exec refuses stopped and paused containers and AppArmor; failures name the step', { skip }, async (t) => {
  const c = running(t, 'refuse');
  const aa = cli(c.root, ['exec', '--apparmor', 'unconfined', c.id, 'true']);
  assert.equal(aa.code, 1);
  assert.match(aa.stderr, /apparmorProfile: AppArmor/);
  const missing = cli(c.root, ['exec', c.id, '/no/such/program']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /exec failed: unable to start container process: exec: "\/no\/such\/program"/);
  const badCwd = cli(c.root, ['exec', '--cwd', '/nonexistent', c.id, 'true']);
  assert.equal(badCwd.code, 1);
  assert.match(badCwd.stderr, /\(chdir\).*nonexistent/);
  assert.equal(cli(c.root, ['pause', c.id]).code, 0);
  assert.equal(stateOf(c.root, c.id).status, 'paused');
  const paused = cli(c.root, ['exec', c.id, 'true']);
  assert.equal(paused.code, 1);
  assert.match(paused.stderr, /paused.*--ignore-paused/);
  assert.equal(cli(c.root, ['resume', c.id]).code, 0);
  assert.equal(stateOf(c.root, c.id).status, 'running');
  assert.equal(cli(c.root, ['kill', c.id, 'KILL']).code, 0);
  for (const end = Date.now() + 60_000; stateOf(c.root, c.id).status !== 'stopped' && Date.now() < end;) await sleep(5);
  const stopped = cli(c.root, ['exec', c.id, 'true']);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /stopped/);
});

test('exec uses the config as it was at create, not later edits of config.json', { skip }, (t) => {
  const c = running(t, 'cfg', (s) => { s.process!.env = ['MARK=at-create', 'PATH=/bin']; });
  const cfg = join(c.bundle, 'config.json');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('MARK=at-create', 'MARK=edited'));
  const r = cli(c.root, ['exec', c.id, 'sh', '-c', 'echo $MARK']);
  assert.equal(r.stdout, 'at-create\n', r.stderr);
});

test('exec of a missing or non-executable program fails before anything runs: runc\'s message, exit 127 / 126', { skip }, (t) => {
  const c = running(t, 'noprog');
  const missing = cli(c.root, ['exec', c.id, 'nosuchcmd', 'arg']);
  assert.equal(missing.code, 127, missing.stderr);
  assert.match(missing.stderr, /exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in \$PATH/);
  assert.equal(missing.stdout, '');
  const abs = cli(c.root, ['exec', c.id, '/no/such/prog']);
  assert.equal(abs.code, 127, abs.stderr);
  assert.match(abs.stderr, /exec: "\/no\/such\/prog".*no such file or directory/i);
  writeFileSync(join(c.bundle, 'rootfs/prog'), '#!/bin/sh\necho ran\n', { mode: 0o644 });
  const noexec = cli(c.root, ['exec', '-u', '1000:1000', c.id, '/prog']);
  assert.equal(noexec.code, 126, noexec.stderr);
  assert.match(noexec.stderr, /exec: "\/prog".*permission denied/i);
  assert.doesNotMatch(noexec.stdout, /ran/);
  // Nothing was left running in the container; it still works.
  assert.deepEqual(JSON.parse(cli(c.root, ['ps', '--format', 'json', c.id]).stdout), [c.pid]);
  const ok = cli(c.root, ['exec', c.id, 'true']);
  assert.equal(ok.code, 0, ok.stderr);
});
