// Planner side of the hardening steps: the session keyring (and --no-new-keyring), the
// executable looked up before `created`, with the PATH the final exec uses; rootless id maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planCreate, searchPath } from '../../../src/runtime/planner.ts';
import { encodeSteps } from '../../../src/runtime/plan.ts';
import { defaultSpec, parseSpec, renderSpec } from '../../../src/oci/index.ts';
import type { Spec } from '../../../src/oci/index.ts';
import { ctx, ROOTLESS_V2_HOST, V1_HOST } from './planner-fixtures.ts';
import { idMapArgs } from '../../../src/runtime/rootless.ts';

function spec(mutate: (s: Spec) => void = () => {}): Spec {
  const s = parseSpec(renderSpec(defaultSpec({})));
  s.process!.terminal = false;
  mutate(s);
  return s;
}

const ops = (p: { steps: { op: string }[] }) => p.steps.map((s) => s.op);

test('session keyring _ses.<id> right after the namespaces (after become-root), none with noNewKeyring', () => {
  const p = planCreate(spec(), ctx(), V1_HOST);
  assert.deepEqual(p.steps.filter((s) => s.op === 'session-keyring'), [{ op: 'session-keyring', name: '_ses.c1' }]);
  assert.ok(ops(p).indexOf('session-keyring') < ops(p).indexOf('bind-rootfs'));
  const q = planCreate(spec(), ctx({ noNewKeyring: true }), V1_HOST);
  assert.ok(!ops(q).includes('session-keyring'));
  const withUser = planCreate(spec((s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  }), ctx(), V1_HOST);
  assert.ok(ops(withUser).indexOf('become-root') < ops(withUser).indexOf('session-keyring'));
});

test('find-exec: after the identity change, before created, with the PATH exec searches', () => {
  const p = planCreate(spec((s) => { s.process!.args = ['myprog', '-x']; s.process!.env = ['PATH=/opt/bin:/bin', 'PATH=/ignored']; }), ctx(), V1_HOST);
  const o = ops(p);
  assert.deepEqual(p.steps[o.indexOf('find-exec')], { op: 'find-exec', path: 'myprog', searchPath: '/opt/bin:/bin' });
  assert.ok(o.indexOf('setresuid') < o.indexOf('find-exec'));
  assert.equal(o.indexOf('find-exec') + 1, o.indexOf('report'));
  assert.ok(encodeSteps(p.steps).includes(Buffer.from('find-exec')));
  assert.equal(searchPath([]), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  assert.equal(searchPath(['PATH=']), '');
});

test('rootless id maps: own ids are written directly (setgroups deny); subordinate ranges need newuidmap', () => {
  const rootless = (mutate: (s: Spec) => void = () => {}) => {
    const s = parseSpec(renderSpec(defaultSpec({ rootless: true, uid: 1000, gid: 1000 })));
    s.process!.terminal = false;
    mutate(s);
    return s;
  };
  const host = { ...ROOTLESS_V2_HOST, idMapHelpers: true };
  const own = planCreate(rootless(), ctx(), host);
  assert.equal(own.idMapper, 'write');
  assert.equal(own.setgroups, 'deny');
  const sub = (s: Spec) => {
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }];
    s.process!.user = { uid: 1000, gid: 1000, additionalGids: [100] };
  };
  const p = planCreate(rootless(sub), ctx(), host);
  assert.equal(p.idMapper, 'newidmap');
  assert.equal(p.setgroups, undefined);
  assert.ok(p.steps.some((s) => s.op === 'setgroups'), 'supplementary groups can be set');
  assert.throws(() => planCreate(rootless(sub), ctx(), { ...host, idMapHelpers: false }), /only the caller's own uid can be mapped/);
  assert.deepEqual(idMapArgs(42, p.uidMappings), ['42', '0', '1000', '1', '1', '100000', '65536']);
});
