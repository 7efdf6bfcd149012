// The default network's bridge name: berth0 for the default state root, a name of its own for
// every other root (so that roots never share, and one root's teardown never deletes, a bridge).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBridge } from '../../../src/network/networks.ts';
import { DEFAULT_STATE_ROOT } from '../../../src/network/store.ts';

test('the default state root keeps berth0', () => {
  assert.equal(defaultBridge(DEFAULT_STATE_ROOT), 'berth0');
  assert.equal(defaultBridge('/var/lib/berth/networks/'), 'berth0');
  assert.equal(defaultBridge('/var/lib/berth/../berth/networks'), 'berth0');
});

test('any other root gets berth0- and 8 hex digits of its path, within IFNAMSIZ', () => {
  const a = defaultBridge('/tmp/berth-test-a/root/networks');
  const b = defaultBridge('/tmp/berth-test-b/root/networks');
  for (const n of [a, b]) {
    assert.match(n, /^berth0-[0-9a-f]{8}$/);
    assert.ok(n.length <= 15, `${n} longer than IFNAMSIZ - 1`);
  }
  assert.notEqual(a, b);
  // The same root, however spelled, is the same bridge.
  assert.equal(defaultBridge('/tmp/berth-test-a/root/networks/'), a);
  assert.equal(defaultBridge('/tmp/berth-test-a/root/../root/networks'), a);
});

test('a relative root is taken from the working directory', () => {
  assert.equal(defaultBridge('state/networks'), defaultBridge(`${process.cwd()}/state/networks`));
});
