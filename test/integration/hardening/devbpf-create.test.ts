// cgroup v2 device control end to end: a real container whose cgroup is planned in the hybrid
// cgroup2 tree (create's cgroupHost override makes this hybrid host look like a pure v2 one for
// the container's cgroup) gets the eBPF device program before its init runs. The host's
// /dev/kmsg, bind-mounted in (not a linux.devices node, so no rule allows it), cannot be opened
// (for writing: a write-only open needs no CAP_SYSLOG);
// with an allow-all rule in linux.resources.devices the same container opens it, so the refusal
// is the program's doing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { runContainer } from '../../../src/runtime/index.ts';
import { detectCgroups, type CgroupHost } from '../../../src/runtime/cgroups/index.ts';
import type { Spec } from '../../../src/oci/index.ts';
import { build, makeBundle } from '../runtime/support.ts';

const UNIFIED = '/sys/fs/cgroup/unified';
const skip = !isRoot ? 'needs root' : !existsSync(join(UNIFIED, 'cgroup.procs')) ? `no cgroup2 tree at ${UNIFIED}` : false;
before(() => { if (!skip) build(); });

const SCRIPT = 'grep ^0:: /proc/self/cgroup > /out; (exec 3>/kmsg) 2>/dev/null && echo kmsg-open >> /out || echo kmsg-refused >> /out; (exec 3</dev/null) && echo null-open >> /out';

/** Runs the script in a container whose cgroup lives under a private parent in the cgroup2 tree
 * (so the planned subtree_control writes land there, not in the host's root); returns /out. */
async function runInV2(t: { after: (fn: () => void) => void }, name: string, edit: (s: Spec) => void): Promise<{ code: number; out: string; parent: string }> {
  const parent = join(UNIFIED, `berth-test-${name}-${process.pid}`);
  mkdirSync(parent);
  const tmp = makeTemp();
  const root = join(tmp, 'state');
  const id = `${name}-${process.pid}`;
  t.after(() => {
    removeTemp(tmp);
    try { rmdirSync(parent); } catch { /* reported below */ }
    assert.ok(!existsSync(parent), `cgroup ${parent} left behind`);
  });
  const { bundle } = makeBundle(join(tmp, 'bundle'), id, ['sh', '-c', SCRIPT], (s) => {
    s.root!.readonly = false;
    s.linux!.cgroupsPath = `/${id}`;
    s.mounts!.push({ destination: '/kmsg', type: 'bind', source: '/dev/kmsg', options: ['bind'] });
    edit(s);
  });
  // The v2 mount as the host's cgroup2 tree, seen from our private parent down.
  const cgroupHost: CgroupHost = { version: 2, v1: {}, unified: { ...detectCgroups().unified!, mountpoint: parent, root: '/', own: '/' } };
  const code = await runContainer({ root, id, bundle, cgroupHost, stdio: ['ignore', 'inherit', 'inherit'], warn: (m) => console.error(m) });
  assert.ok(!existsSync(join(parent, id)), 'the container\'s cgroup is removed with it');
  return { code, out: readFileSync(join(bundle, 'rootfs/out'), 'utf8'), parent };
}

test('a container in a cgroup2 cgroup cannot open a device its rules do not allow; allowed ones work', { skip }, async (t) => {
  const { code, out } = await runInV2(t, 'devbpf-deny', () => {});
  assert.equal(code, 0, out);
  assert.deepEqual(out.trim().split('\n'), [`0::/berth-test-devbpf-deny-${process.pid}/devbpf-deny-${process.pid}`, 'kmsg-refused', 'null-open']);
});

test('with an allow-all device rule the same container opens it: the test above can fail', { skip }, async (t) => {
  const { code, out } = await runInV2(t, 'devbpf-allow', (s) => { s.linux!.resources = { ...s.linux!.resources, devices: [{ allow: true, access: 'rwm' }] }; });
  assert.equal(code, 0, out);
  assert.deepEqual(out.trim().split('\n'), [`0::/berth-test-devbpf-allow-${process.pid}/devbpf-allow-${process.pid}`, 'kmsg-open', 'null-open']);
});
