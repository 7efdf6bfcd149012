// tmpcopyup (runc's mount extension, which podman puts on every --tmpfs and --read-only tmpfs):
// planned as a tmpfs mount step carrying copyUp, encoded as an 8th `copyup` field for the helper.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec, parseSpec, renderSpec } from '../../../src/oci/index.ts';
import type { Spec } from '../../../src/oci/index.ts';
import { stepFields } from '../../../src/runtime/plan.ts';
import { PlanError, planCreate, renderPlan } from '../../../src/runtime/planner.ts';
import { MS } from '../../../src/runtime/planner/mount-options.ts';
import { ctx, V1_HOST } from './planner-fixtures.ts';

function spec(mutate: (s: Spec) => void): Spec {
  const s = parseSpec(renderSpec(defaultSpec({ uid: 1000, gid: 1000 })));
  s.process!.terminal = false;
  mutate(s);
  return s;
}

test('tmpcopyup on a tmpfs: a mount step with copyUp, encoded with a trailing copyup field', () => {
  const p = planCreate(spec((x) => {
    x.mounts!.push(
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] },
      { destination: '/plain', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] },
    );
  }), ctx(), V1_HOST);
  const tmp = p.steps.find((s) => s.op === 'mount' && s.target === '/tmp');
  assert.deepEqual(tmp, { op: 'mount', source: 'tmpfs', target: '/tmp', fstype: 'tmpfs', flags: MS.NOSUID | MS.NODEV, data: '', create: 'dir', copyUp: true });
  assert.deepEqual(stepFields(tmp!), ['mount', 'tmpfs', '/tmp', 'tmpfs', String(MS.NOSUID | MS.NODEV), '', 'dir', 'copyup']);
  const plain = p.steps.find((s) => s.op === 'mount' && s.target === '/plain')!;
  assert.equal('copyUp' in plain, false);
  assert.equal(stepFields(plain).length, 7);
  assert.match(renderPlan(p), /mount tmpfs on \/tmp type tmpfs .* create dir copyup\n/);
});

test('tmpcopyup on anything but a tmpfs is refused, naming the mount', () => {
  const s = spec((x) => {
    x.mounts!.push(
      { destination: '/b', type: 'bind', source: '/', options: ['rbind', 'tmpcopyup'] },
      { destination: '/m', type: 'mqueue', source: 'mqueue', options: ['tmpcopyup'] },
    );
  });
  const n = s.mounts!.length;
  assert.throws(() => planCreate(s, ctx(), V1_HOST), (e: unknown) => {
    assert.ok(e instanceof PlanError);
    assert.deepEqual(e.problems.map((p) => `${p.path}: ${p.message}`), [
      `mounts[${n - 2}].options: option "tmpcopyup" needs a tmpfs mount, not a bind mount`,
      `mounts[${n - 1}].options: option "tmpcopyup" needs a tmpfs mount, not mqueue`,
    ]);
    return true;
  });
});
