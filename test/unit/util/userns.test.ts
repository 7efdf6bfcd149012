// Rootless plumbing without a second user: the id maps read back, the per-user default roots
// (podman's places), and that root needs no re-exec. The helper itself runs in test/integration/rootless/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRoots, enginePaths } from '../../../src/engine/paths.ts';
import { hostIdOfRoot, inUserNamespace, isInitialUserNs, mapsOneId, parseIdMap, rootlessUser, userNamespaceArgv } from '../../../src/util/userns.ts';

test('hostIdOfRoot: the host id behind 0; none for the initial namespace', () => {
  assert.equal(hostIdOfRoot('         0          0 4294967295\n'), undefined);
  assert.equal(hostIdOfRoot('         0       1001          1\n         1     100000      65536\n'), 1001);
  assert.equal(hostIdOfRoot('         1     100000      65536\n         0       1001          1\n'), 1001);
  assert.equal(hostIdOfRoot('         1     100000      65536\n'), undefined);
  assert.equal(hostIdOfRoot(''), undefined);
});

test('defaultRoots: root keeps the system roots; a user gets XDG places or ~/.local/share and /tmp/berth-UID', () => {
  assert.deepEqual(defaultRoots({}, null), { root: '/var/lib/berth', runRoot: '/run/berth', rootless: false });
  const user = { uid: 1234, gid: 1234, home: '/home/u', inNamespace: false };
  assert.deepEqual(defaultRoots({}, user), { root: '/home/u/.local/share/berth', runRoot: '/tmp/berth-1234', rootless: true });
  assert.deepEqual(defaultRoots({ XDG_DATA_HOME: '/d', XDG_RUNTIME_DIR: '/run/user/1234' }, user),
    { root: '/d/berth', runRoot: '/run/user/1234/berth', rootless: true });
});

test('as root (this test): no rootless user, no re-exec, system defaults unless overridden', { skip: process.geteuid?.() !== 0 && 'runs as root' }, () => {
  assert.equal(rootlessUser(), null);
  assert.equal(mapsOneId(), false, 'the initial namespace maps every id');
  assert.equal(userNamespaceArgv('/x/berth-userns', '/run/x', ['node', 'berth.mjs']), null);
  const saved = { root: process.env.BERTH_ROOT, run: process.env.BERTH_RUN_ROOT };
  delete process.env.BERTH_ROOT; delete process.env.BERTH_RUN_ROOT;
  try {
    assert.equal(enginePaths().root, '/var/lib/berth');
    assert.equal(enginePaths({ root: '/r', runRoot: '/rr' }).netns, '/rr/netns');
  } finally {
    if (saved.root !== undefined) process.env.BERTH_ROOT = saved.root;
    if (saved.run !== undefined) process.env.BERTH_RUN_ROOT = saved.run;
  }
});

test('parseIdMap, isInitialUserNs: the identity map of the initial namespace only', () => {
  assert.deepEqual(parseIdMap('         0       1001          1\n         1     100000      65536\n'),
    [{ inside: 0, outside: 1001, count: 1 }, { inside: 1, outside: 100000, count: 65536 }]);
  assert.deepEqual(parseIdMap(''), []);
  assert.equal(isInitialUserNs('         0          0 4294967295\n'), true);
  assert.equal(isInitialUserNs('         0          0 4294967295\n         1          1 1\n'), false);
  assert.equal(isInitialUserNs('         0       1000          1\n'), false);
  assert.equal(isInitialUserNs(''), false);
  // This test runs as the host's root (as the suite does).
  assert.equal(inUserNamespace(), false);
});
