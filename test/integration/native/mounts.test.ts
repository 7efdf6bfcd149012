// berth-init as root: namespaces, the rootfs, mounts resolved inside it, masking, device nodes.
import assert from 'node:assert/strict';
import { mkdirSync, readlinkSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { isRoot, makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { HelperError } from '../../../src/runtime/helper.ts';
import { baseSteps, buildNative, hostMountsUnder, MS_BIND, MS_REC, runPlan, sh } from './run-plan.ts';

describe('berth-init filesystem steps', { skip: !isRoot && 'needs root' }, () => {
  before(() => buildNative());

  function fixture(t: { after: (fn: () => void) => void }): { dir: string; rootfs: string } {
    const dir = makeTemp('berth-native-');
    t.after(() => removeTemp(dir));
    return { dir, rootfs: makeBusyboxRootfs(join(dir, 'rootfs')) };
  }

  test('new pid, mount, uts, ipc and net namespaces; exit status passes through --wait', async (t) => {
    const { dir, rootfs } = fixture(t);
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'sethostname', name: 'berthbox' },
      { op: 'pivot-root' },
      sh('echo pid=$$; hostname; cat /proc/net/dev | tail -n +3 | cut -d: -f1; readlink /proc/1/ns/ipc; exit 3'),
    ]);
    assert.equal(r.exit.code, 3, r.stderr);
    const [pidLine, host, ifaces, ipcNs] = r.stdout.trim().split('\n');
    assert.equal(pidLine, 'pid=1');
    assert.equal(host, 'berthbox');
    assert.equal(ifaces.trim(), 'lo', 'only loopback in a new network namespace');
    assert.notEqual(ipcNs, readlinkSync('/proc/self/ns/ipc'));
    assert.deepEqual(hostMountsUnder(dir), [], 'no mount leaks to the host');
  });

  test('bind-rootfs, tmpfs and bind mounts, pivot-root', async (t) => {
    const { dir, rootfs } = fixture(t);
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'hello'), 'from the host\n');
    writeFileSync(join(dir, 'single'), 'one file\n');
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'mount', source: 'tmpfs', target: '/run/deep/tmp', fstype: 'tmpfs', flags: 0, data: 'size=1m,mode=700', create: 'dir' },
      { op: 'mount', source: data, target: '/data', fstype: '', flags: MS_BIND | MS_REC, data: '', create: 'dir' },
      { op: 'mount', source: join(dir, 'single'), target: '/etc/single', fstype: '', flags: MS_BIND, data: '', create: 'file' },
      { op: 'remount', target: '/data', flags: 1 /* MS_RDONLY */ },
      { op: 'pivot-root' },
      sh('cat /data/hello /etc/single; stat -c %a /run/deep/tmp; cut -d" " -f5 /proc/self/mountinfo | tr "\\n" " "; echo; ' +
        'touch /data/x 2>/dev/null && echo writable || echo readonly; ls / | grep -c berth-test || true'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n'), ['from the host', 'one file', '700', '/ /proc /run/deep/tmp /data /etc/single ', 'readonly', '0', '']);
    assert.ok(existsSync(join(rootfs, 'run/deep/tmp')), 'the missing mount point was created in the rootfs');
    assert.ok(!existsSync(join(data, 'x')));
    assert.deepEqual(hostMountsUnder(dir), []);
  });

  test('in-root resolution: symlinks pointing at the host land inside the rootfs', async (t) => {
    const { dir, rootfs } = fixture(t);
    // A host directory the image tries to reach through absolute and relative symlinks.
    const victim = join(dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'precious'), 'host data\n');
    symlinkSync('/', join(rootfs, 'mnt-abs'));
    symlinkSync('../../../../../../..', join(rootfs, 'mnt-rel'));
    symlinkSync(victim, join(rootfs, 'mnt-victim'));
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'mount', source: 'tmpfs', target: '/mnt-abs/escape-abs', fstype: 'tmpfs', flags: 0, data: '', create: 'dir' },
      { op: 'mount', source: 'tmpfs', target: '/mnt-rel/escape-rel', fstype: 'tmpfs', flags: 0, data: '', create: 'dir' },
      { op: 'mount', source: 'tmpfs', target: '/mnt-victim', fstype: 'tmpfs', flags: 0, data: '', create: 'dir' },
      { op: 'symlink', linkTarget: 'whatever', target: '/mnt-victim/planted' },
      // Before the pivot the host's mountinfo is still visible: what did we mount on?
      sh(`grep -E 'escape|victim' /proc/self/mountinfo | cut -d' ' -f5`),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    const mountpoints = r.stdout.trim().split('\n').sort();
    assert.deepEqual(mountpoints, [join(rootfs, 'escape-abs'), join(rootfs, 'escape-rel'), join(rootfs, victim)].sort());
    assert.ok(!existsSync('/escape-abs') && !existsSync('/escape-rel'), 'nothing created at the host root');
    assert.ok(statSync(join(rootfs, victim)).isDirectory(), 'the symlink target was created inside the rootfs');
    assert.ok(!existsSync(join(victim, 'planted')), 'the symlink step stayed inside too');
    assert.deepEqual(hostMountsUnder(dir), []);
  });

  test('mknod, symlink, mask and readonly', async (t) => {
    const { dir, rootfs } = fixture(t);
    mkdirSync(join(rootfs, 'secret'));
    writeFileSync(join(rootfs, 'secret/key'), 'k\n');
    writeFileSync(join(rootfs, 'etc/token'), 't\n');
    mkdirSync(join(rootfs, 'ro'));
    writeFileSync(join(rootfs, 'dev/null'), 'not a device: must be replaced');
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'mknod', target: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
      { op: 'mknod', target: '/dev/zero', type: 'c', major: 1, minor: 5, mode: 0o640, uid: 65534, gid: 65534 },
      { op: 'mknod', target: '/dev/fifo', type: 'p', major: 0, minor: 0, mode: 0o600, uid: 0, gid: 0 },
      { op: 'symlink', linkTarget: '/proc/self/fd', target: '/dev/fd' },
      { op: 'mkdir', target: '/dev/shm/sub', mode: 0o1777 },
      { op: 'pivot-root' },
      { op: 'mask', target: '/secret' },
      { op: 'mask', target: '/etc/token' },
      { op: 'mask', target: '/does/not/exist' },
      { op: 'readonly', target: '/ro' },
      { op: 'readonly', target: '/nope' },
      sh('stat -c "%n %F %t:%T %a %u:%g" /dev/null /dev/zero /dev/fifo; readlink /dev/fd; stat -c %a /dev/shm/sub; ' +
        'ls -A /secret | wc -l; touch /secret/x 2>/dev/null || echo secret-ro; wc -c < /etc/token; ' +
        'touch /ro/x 2>/dev/null || echo ro-ro; echo hi > /dev/null && echo null-ok'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    assert.deepEqual(r.stdout.split('\n'), [
      '/dev/null character special file 1:3 666 0:0',
      '/dev/zero character special file 1:5 640 65534:65534',
      '/dev/fifo fifo 0:0 600 0:0',
      '/proc/self/fd',
      '1777',
      '0',
      'secret-ro',
      '0',
      'ro-ro',
      'null-ok',
      '',
    ]);
    assert.deepEqual(hostMountsUnder(dir), []);
  });

  test('without /proc in the container, steps after the pivot fall back to plain paths', async (t) => {
    const { dir, rootfs } = fixture(t);
    writeFileSync(join(rootfs, 'etc/token'), 'secret\n');
    mkdirSync(join(rootfs, 'ro'));
    const r = await runPlan([
      ...baseSteps(rootfs).slice(0, 3),   // no proc mount
      { op: 'mknod', target: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
      { op: 'pivot-root' },
      { op: 'mask', target: '/etc/token' },
      { op: 'readonly', target: '/ro' },
      { op: 'mount', source: 'tmpfs', target: '/scratch', fstype: 'tmpfs', flags: 0, data: '', create: 'dir' },
      sh('ls /proc | wc -l; wc -c < /etc/token; touch /ro/x 2>/dev/null || echo ro; touch /scratch/x && echo scratch-ok'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    assert.deepEqual(r.stdout.split('\n'), ['0', '0', 'ro', 'scratch-ok', '']);
    assert.ok(!existsSync(join(rootfs, 'scratch/x')), 'the tmpfs was mounted in the container only');
    assert.deepEqual(hostMountsUnder(dir), []);
  });

  test('a failing step is reported with its index, op and errno', async (t) => {
    const { dir, rootfs } = fixture(t);
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'mount', source: 'x', target: '/x', fstype: 'no-such-fs', flags: 0, data: '', create: 'dir' },
      sh('echo never'),
    ]);
    assert.equal(r.stdout, '');
    assert.equal(r.records.length, 1, `${JSON.stringify(r)} ${r.pidError}`);
    const [kind, index, op, errno, message] = r.records[0];
    assert.deepEqual([kind, index, op, errno], ['error', '4', 'mount', '19' /* ENODEV */]);
    assert.match(message, /no-such-fs/);
    assert.equal(r.exit.code, 1);

    const notFound = await runPlan([...baseSteps(rootfs), { op: 'pivot-root' },
      { op: 'exec', path: 'no-such-program', args: ['x'], env: ['PATH=/nowhere:/bin'] }]);
    assert.deepEqual(notFound.records[0].slice(0, 4), ['error', '5', 'exec', '2']);
    assert.equal(notFound.exit.code, 127);

    const stage0 = await runPlan([{ op: 'setns', path: '/proc/self/ns/nope', ns: 'network' }, ...baseSteps(rootfs), sh('true')]);
    assert.equal(stage0.pid, undefined);
    assert.ok(stage0.pidError instanceof HelperError);
    assert.equal((stage0.pidError as HelperError).index, 0);
    assert.equal((stage0.pidError as HelperError).code, 'ENOENT');
    assert.equal(stage0.exit.code, 1);
    assert.deepEqual(hostMountsUnder(dir), []);
  });
});
