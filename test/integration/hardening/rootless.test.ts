// Rootless end to end: a throwaway user with subordinate id ranges runs `berth-runtime spec
// --rootless` and `run` with a state root it owns. Once with the spec as generated (the caller's
// own ids, maps written by the runtime), once with a subordinate range added (maps written by
// newuidmap/newgidmap) and a non-root process user. No cgroup (v1 is not delegated). The exit
// code and output come through, and nothing is left: no state, mounts, processes; the user and
// its ranges are removed afterwards.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { defer } from '../../helpers/cleanup.ts';
import { build, mountsUnder, TOP } from '../runtime/support.ts';

const tools = ['/usr/sbin/useradd', '/usr/sbin/userdel', '/usr/sbin/usermod', '/usr/bin/setpriv', '/usr/bin/newuidmap', '/usr/bin/newgidmap'];
const skip = !isRoot ? 'needs root (to make the test user)' : tools.some((t) => !existsSync(t)) ? 'needs useradd, setpriv and uidmap' : false;
before(() => { if (!skip) build(); });

const SUB = 400000 + (process.pid % 1000) * 65536;

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() && !statSync(path).isSymbolicLink()) {
    for (const e of readdirSync(path, { withFileTypes: true })) {
      const p = join(path, e.name);
      if (e.isSymbolicLink()) execFileSync('chown', ['-h', `${uid}:${gid}`, p]);
      else if (e.isDirectory()) chownTree(p, uid, gid);
      else chownSync(p, uid, gid);
    }
  }
}

/** This tree's build installed by scripts/install.sh under a temporary prefix every user can
 * read, and its berth-runtime there: the test user cannot reach the tree itself when the clone
 * sits in a 0700 home such as /root (nor its Node, which the launcher's #! line names). */
function installedRuntime(t: { after(fn: () => void | Promise<void>): void }): string {
  const prefix = makeTemp('berth-rootless-prefix-');
  chmodSync(prefix, 0o755);
  defer(t, () => removeTemp(prefix));
  execFileSync('bash', [join(TOP, 'scripts/install.sh')], { env: { ...process.env, BERTH_PREFIX: prefix }, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(prefix, 'bin/berth-runtime');
}

function processesOf(uid: number): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const st = readFileSync(`/proc/${p}/status`, 'utf8');
      return new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(st) && !/^State:\s+Z/m.test(st);
    } catch { return false; }
  }).map(Number);
}

test('an unprivileged user runs a container: own-id map, then subordinate ranges via newuidmap', { skip }, (t) => {
  const cli = installedRuntime(t);
  const name = `berthrl${process.pid % 100000}`;
  execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', '--user-group', name]);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
  const range = `${SUB}-${SUB + 65535}`;
  const dir = makeTemp('berth-rootless-');
  t.after(() => {
    for (const pid of processesOf(uid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    removeTemp(dir);
    spawnSync('usermod', ['--del-subuids', range, '--del-subgids', range, name]);
    spawnSync('userdel', [name]);
    assert.ok(!readFileSync('/etc/subuid', 'utf8').includes(`${name}:`), 'subuid entries left');
    assert.ok(!readFileSync('/etc/passwd', 'utf8').includes(`${name}:`), 'user left');
  });
  execFileSync('usermod', ['--add-subuids', range, '--add-subgids', range, name]);

  const bundle = join(dir, 'bundle');
  const root = join(dir, 'state');
  mkdirSync(bundle);
  makeBusyboxRootfs(join(bundle, 'rootfs'));
  chownTree(dir, uid, gid);
  const asUser = (args: string[]) => {
    const r = spawnSync('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', '--', cli, ...args],
      { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: dir } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  // 1. The spec as `spec --rootless` writes it: only the caller's ids, maps written directly.
  const s = asUser(['spec', '--rootless', '--bundle', bundle]);
  assert.equal(s.code, 0, s.stderr);
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  assert.deepEqual(config.linux.uidMappings, [{ containerID: 0, hostID: uid, size: 1 }]);
  config.process.terminal = false;
  config.root.readonly = false;
  config.process.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; touch /tmp/made-inside; exit 3'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  const r1 = asUser(['--root', root, 'run', '-b', bundle, `rl1-${process.pid}`]);
  assert.equal(r1.code, 3, r1.stderr);
  const [id1, ...map1] = r1.stdout.trim().split('\n');
  assert.equal(id1, '0');
  assert.deepEqual(map1.map((l) => l.trim().split(/\s+/)), [['0', String(uid), '1']]);
  // Container root is the user on the host.
  assert.equal(statSync(join(bundle, 'rootfs/tmp/made-inside')).uid, uid);

  // 2. A subordinate range and a non-root process user: newuidmap/newgidmap write the maps.
  config.linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: SUB, size: 65536 }];
  config.linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }, { containerID: 1, hostID: SUB, size: 65536 }];
  config.process.user = { uid: 1000, gid: 1000, additionalGids: [100] };
  config.process.args = ['sh', '-c', 'id -u; id -G; cat /proc/self/uid_map; touch /tmp/made-by-1000'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  const r2 = asUser(['--root', root, 'run', '-b', bundle, `rl2-${process.pid}`]);
  assert.equal(r2.code, 0, r2.stderr);
  const [id2, groups, ...map2] = r2.stdout.trim().split('\n');
  assert.equal(id2, '1000');
  assert.deepEqual(groups.split(' ').sort(), ['100', '1000']);
  assert.deepEqual(map2.map((l) => l.trim().split(/\s+/)), [['0', String(uid), '1'], ['1', String(SUB), '65536']]);
  assert.equal(statSync(join(bundle, 'rootfs/tmp/made-by-1000')).uid, SUB + 999);

  // 3. A range the user does not own is refused by newuidmap, and create undoes itself.
  config.linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: 1, size: 1000 }];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  const r3 = asUser(['--root', root, 'run', '-b', bundle, `rl3-${process.pid}`]);
  assert.notEqual(r3.code, 0);
  assert.match(r3.stderr, /newuidmap/);

  // Nothing left behind.
  assert.deepEqual(existsSync(root) ? readdirSync(root).filter((e) => !e.startsWith('.')) : [], []);
  assert.deepEqual(mountsUnder(dir), []);
  assert.deepEqual(processesOf(uid), []);
});
