// The plan's root propagation steps for each rootfsPropagation value: the change of / before the
// rootfs bind, the mount holding the rootfs made private when something may still be shared
// (pivot_root refuses a shared new root or parent), and the asked-for propagation after the pivot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec, parseSpec, renderSpec } from '../../../src/oci/index.ts';
import type { Propagation } from '../../../src/oci/index.ts';
import type { Step } from '../../../src/runtime/plan.ts';
import { planCreate } from '../../../src/runtime/planner.ts';
import { MS } from '../../../src/runtime/planner/mount-options.ts';
import { ctx, V1_HOST } from './planner-fixtures.ts';

const ROOT_OPS = new Set<Step['op']>(['root-propagation', 'rootfs-parent-private', 'bind-rootfs', 'pivot-root', 'chroot-move']);

/** The steps that change the root's propagation or move it, in plan order. */
function rootSteps(propagation: Propagation | undefined, noPivot = false): Step[] {
  const s = parseSpec(renderSpec(defaultSpec({})));
  s.process!.terminal = false;
  if (propagation) s.linux!.rootfsPropagation = propagation;
  const steps = planCreate(s, ctx({ noPivot }), V1_HOST).steps;
  return steps.filter((x) => ROOT_OPS.has(x.op) || (x.op === 'propagate' && x.target === '/'));
}

const RF = '/bundles/c1/rootfs';
const pre = (flags: number): Step => ({ op: 'root-propagation', flags });
const parentPrivate: Step = { op: 'rootfs-parent-private', path: RF };
const bind: Step = { op: 'bind-rootfs', path: RF };
const pivot: Step = { op: 'pivot-root' };
const after = (flags: number): Step => ({ op: 'propagate', target: '/', flags });

const CASES: [Propagation | undefined, Step[]][] = [
  // runc's default: everything recursive slave, nothing shared is left to make private.
  [undefined, [pre(MS.REC | MS.SLAVE), bind, pivot]],
  ['rslave', [pre(MS.REC | MS.SLAVE), bind, pivot, after(MS.REC | MS.SLAVE)]],
  ['rprivate', [pre(MS.REC | MS.PRIVATE), bind, pivot, after(MS.REC | MS.PRIVATE)]],
  // Shared: the rootfs's mount is made private for the pivot, / made shared again after it.
  ['rshared', [pre(MS.REC | MS.SHARED), parentPrivate, bind, pivot, after(MS.REC | MS.SHARED)]],
  ['shared', [pre(MS.SHARED), parentPrivate, bind, pivot, after(MS.SHARED)]],
  // Non-recursive: mounts under / (a rootfs that is a mount of its own) keep the host's sharing.
  ['private', [pre(MS.PRIVATE), parentPrivate, bind, pivot, after(MS.PRIVATE)]],
  ['slave', [pre(MS.SLAVE), parentPrivate, bind, pivot, after(MS.SLAVE)]],
  // Unbindable could not be bound: private until the pivot, unbindable after.
  ['runbindable', [pre(MS.REC | MS.PRIVATE), bind, pivot, after(MS.REC | MS.UNBINDABLE)]],
  ['unbindable', [pre(MS.REC | MS.PRIVATE), bind, pivot, after(MS.UNBINDABLE)]],
];

for (const [propagation, want] of CASES) {
  test(`rootfsPropagation ${propagation ?? '(unset)'}: root propagation steps in order`, () => {
    assert.deepEqual(rootSteps(propagation), want);
  });
}

test('with --no-pivot the same order holds around chroot-move', () => {
  assert.deepEqual(rootSteps('rshared', true), [pre(MS.REC | MS.SHARED), parentPrivate, bind, { op: 'chroot-move' }, after(MS.REC | MS.SHARED)]);
});
