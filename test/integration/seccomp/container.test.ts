// A busybox container under berth-runtime with linux.seccomp in config.json: the runtime compiles
// the profile (through the cache) and berth-init loads it as the last step before exec.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, cli, forceDelete, leftovers, makeBundle } from '../runtime/support.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

test('mkdir in a container fails with the profile errno; other syscalls run', { skip }, (t) => {
  const dir = makeTemp('berth-seccomp-rt-');
  const root = join(dir, 'state');
  const id = `seccomp-${process.pid}`;
  t.after(() => { forceDelete(root, id); removeTemp(dir); });
  const { bundle } = makeBundle(join(dir, 'bundle'), id, ['sh', '-c', 'mkdir /tmp/d; echo "rc=$?"; ls -d /tmp /proc'], (s) => {
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 122 /* EDQUOT */ }],
    };
  });
  const r = cli(root, ['run', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /mkdir: can't create directory '\/tmp\/d': Disk quota exceeded/);
  assert.equal(r.stdout, 'rc=1\n/proc\n/tmp\n');
  assert.deepEqual(leftovers(root, id, bundle), []);
  assert.equal(readdirSync(join(root, '.seccomp-cache')).filter((f) => f.endsWith('.bpf')).length, 1, 'compiled once into the cache');
});
