import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupUser, UserLookupError, mergeEnv } from '../../../src/engine/index.ts';
import { conmonArgs, exitCodeFor, parseSyncMessage } from '../../../src/engine/conmon.ts';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nweb:x:33:33::/var/www:/bin/sh\n';
const GROUP = 'root:x:0:\nwww:x:33:\nextra:x:50:web,other\n';

test('-u forms resolve through the image files', () => {
  assert.deepEqual(lookupUser('', PASSWD, GROUP), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  assert.deepEqual(lookupUser('web', PASSWD, GROUP), { uid: 33, gid: 33, additionalGids: [50], home: '/var/www' });
  // An explicit group: no supplementary groups (runc's GetExecUser, which docker uses).
  assert.deepEqual(lookupUser('web:root', PASSWD, GROUP), { uid: 33, gid: 0, additionalGids: [], home: '/var/www' });
  assert.deepEqual(lookupUser('33', PASSWD, GROUP), { uid: 33, gid: 33, additionalGids: [50], home: '/var/www' });
  assert.deepEqual(lookupUser('web:7', PASSWD, GROUP), { uid: 33, gid: 7, additionalGids: [], home: '/var/www' });
  assert.deepEqual(lookupUser('1234:5678', PASSWD, GROUP), { uid: 1234, gid: 5678, additionalGids: [], home: '/' });
  assert.throws(() => lookupUser('ghost', PASSWD, GROUP), (e: Error) => e instanceof UserLookupError && /no matching entries in passwd/.test(e.message));
  assert.throws(() => lookupUser('web:ghosts', PASSWD, GROUP), /no matching entries in group/);
});

test('conmon sync pipe messages and arguments', () => {
  assert.deepEqual(parseSyncMessage('{"data": 1234}\n'), { data: 1234 });
  assert.deepEqual(parseSyncMessage('{"data": -1, "message": "boom"}\n'), { data: -1, message: 'boom' });
  assert.deepEqual(parseSyncMessage('{"pid": 7}'), { data: 7 });
  assert.equal(parseSyncMessage('{"data": 12'), null);
  const a = conmonArgs({ id: 'i', cuuid: 'u', name: 'n', runtime: '/r', runtimeRoot: '/rr', bundle: '/b', pidFile: '/p', conmonPidFile: '/cp',
    logPath: '/l', logSizeMax: 100, exitDir: '/e', socketDir: '/s', terminal: true, stdin: true, exitCommand: ['/node', 'berth', 'x'] });
  assert.deepEqual(a.slice(a.indexOf('--runtime-arg'), a.indexOf('--runtime-arg') + 4), ['--runtime-arg', '--root', '--runtime-arg', '/rr']);
  assert.ok(a.includes('k8s-file:/l'));
  assert.deepEqual(a.slice(a.indexOf('--log-size-max'), a.indexOf('--log-size-max') + 2), ['--log-size-max', '100']);
  assert.ok(a.includes('-t') && a.includes('-i'));
  assert.deepEqual(a.slice(a.indexOf('--exit-command')), ['--exit-command', '/node', '--exit-command-arg', 'berth', '--exit-command-arg', 'x']);
});

test('runtime errors map to docker exit codes', () => {
  assert.equal(exitCodeFor('exec: "nope": executable file not found in $PATH'), 127);
  assert.equal(exitCodeFor('berth-init: step exec: exec nope: not found in PATH or not executable: No such file or directory'), 127);
  assert.equal(exitCodeFor('exec: "/etc/passwd": permission denied'), 126);
  assert.equal(exitCodeFor('cgroup setup failed'), 125);
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
});
