import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PATH_ENV, mergeEnv, withDefaultPath } from '../../../src/oci/env.ts';
import { resolveUser, UserLookupError } from '../../../src/oci/user.ts';

test('env: later lists win in the first position; PATH only when the image has none', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1', 'B=2'], ['B=3', 'C=4', 'A=5']), ['PATH=/bin', 'A=5', 'B=3', 'C=4']);
  assert.deepEqual(mergeEnv(['A=1', 'A=2', 'NOVALUE']), ['A=2', 'NOVALUE']);
  assert.deepEqual(withDefaultPath(['A=1']), [DEFAULT_PATH_ENV, 'A=1']);
  assert.deepEqual(withDefaultPath(['A=1', 'PATH=/x']), ['A=1', 'PATH=/x']);
  assert.equal(DEFAULT_PATH_ENV, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

const PASSWD = '# comment\nroot:x:0:0:root:/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n1000:x:2000:2000::/home/num:/bin/sh\n';
const GROUP = 'root:x:0:\nwww:x:33:web\nextra:x:50:web,other\n';

test('user: runc/docker rules for name, number, group, supplementary groups', () => {
  assert.deepEqual(resolveUser('', PASSWD, GROUP), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  assert.deepEqual(resolveUser('web', PASSWD, GROUP), { uid: 33, gid: 33, additionalGids: [33, 50], home: '/var/www' });
  assert.deepEqual(resolveUser('web:extra', PASSWD, GROUP), { uid: 33, gid: 50, additionalGids: [], home: '/var/www' });
  assert.deepEqual(resolveUser('4242:4343', PASSWD, GROUP), { uid: 4242, gid: 4343, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('4242', '', ''), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  // A number is a uid, never the name of an entry (runc: "always treat it as a UID").
  assert.deepEqual(resolveUser('1000', PASSWD, GROUP), { uid: 1000, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('2000', PASSWD, GROUP), { uid: 2000, gid: 2000, additionalGids: [], home: '/home/num' });
  assert.throws(() => resolveUser('ghost', PASSWD, GROUP), (e: unknown) => e instanceof UserLookupError && e.message === 'unable to find user ghost: no matching entries in passwd file');
  assert.throws(() => resolveUser('web:ghosts', PASSWD, GROUP), /unable to find group ghosts: no matching entries in group file/);
});
