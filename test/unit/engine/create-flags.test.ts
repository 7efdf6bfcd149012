import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../../src/cli/berth/flags.ts';
import { CREATE_FLAGS, parseMountFlag, parseRestart, parseTmpfsFlag, parseVolumeFlag, toCreateRequest } from '../../../src/cli/berth/create-flags.ts';
import { MountSpecError } from '../../../src/engine/index.ts';

const req = (argv: string[]) => toCreateRequest(parseFlags(argv, CREATE_FLAGS, { stopAtPositional: true }));

test('-v: bind, named volume, anonymous volume, options', () => {
  assert.deepEqual(parseVolumeFlag('/host:/ctr:ro'), { type: 'bind', source: '/host', target: '/ctr', readOnly: true, options: [] });
  assert.deepEqual(parseVolumeFlag('/host:/ctr:rshared'), { type: 'bind', source: '/host', target: '/ctr', readOnly: false, options: ['rshared'] });
  assert.deepEqual(parseVolumeFlag('data:/data'), { type: 'volume', source: 'data', target: '/data', readOnly: false, options: [] });
  assert.deepEqual(parseVolumeFlag('/scratch'), { type: 'volume', source: '', target: '/scratch', readOnly: false, options: [], anonymous: true });
  assert.throws(() => parseVolumeFlag('/a:/b:bogus'), (e: Error) => e instanceof MountSpecError && /invalid mode: bogus/.test(e.message));
  assert.throws(() => parseVolumeFlag('relative'), MountSpecError);
  assert.throws(() => parseVolumeFlag('a:b:c:d'), /too many colons/);
});

test('--mount and --tmpfs', () => {
  assert.deepEqual(parseMountFlag('type=bind,source=/s,target=/t,readonly'), { type: 'bind', source: '/s', target: '/t', readOnly: true, options: [] });
  assert.deepEqual(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777'), { type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=1048576', 'mode=1777'] });
  assert.deepEqual(parseMountFlag('source=v,target=/v'), { type: 'volume', source: 'v', target: '/v', readOnly: false, options: [] });
  assert.throws(() => parseMountFlag('type=bind,target=/t'), /source is required/);
  assert.throws(() => parseMountFlag('type=nfs,target=/t'), /invalid mount type/);
  assert.throws(() => parseMountFlag('type=volume,src=v'), /target is required/);
  assert.deepEqual(parseTmpfsFlag('/run:size=64k,ro'), { type: 'tmpfs', source: '', target: '/run', readOnly: true, options: ['size=64k'] });
});

test('--restart', () => {
  assert.deepEqual(parseRestart('always'), { name: 'always', maximumRetryCount: 0 });
  assert.deepEqual(parseRestart('on-failure:3'), { name: 'on-failure', maximumRetryCount: 3 });
  assert.throws(() => parseRestart('always:3'), /cannot be used/);
  assert.throws(() => parseRestart('sometimes'), /invalid restart policy/);
});

test('run flags to a create request', () => {
  process.env.BERTH_UNIT_PASSED = 'from-env';
  const r = req(['-it', '--rm', '--name', 'x', '-e', 'A=1', '-e', 'BERTH_UNIT_PASSED', '-e', 'BERTH_UNIT_UNSET_VAR', '-p', '8080:80/udp',
    '-m', '64m', '--cpus', '1.5', '--pids-limit', '20', '--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges',
    '--cap-add', 'NET_ADMIN', '--entrypoint', '', '--restart', 'no', '-l', 'k=v', 'busybox', 'sh', '-c', 'true']);
  assert.equal(r.image, 'busybox');
  assert.deepEqual(r.cmd, ['sh', '-c', 'true']);
  assert.deepEqual(r.entrypoint, []);
  assert.equal(r.tty, true);
  assert.equal(r.openStdin, true);
  assert.equal(r.autoRemove, true);
  assert.deepEqual(r.env, ['A=1', 'BERTH_UNIT_PASSED=from-env']);
  assert.deepEqual(r.publish, [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'udp' }]);
  assert.equal(r.memory, 64 * 1024 * 1024);
  assert.equal(r.cpus, 1.5);
  assert.equal(r.pidsLimit, 20);
  assert.equal(r.seccomp, 'unconfined');
  assert.equal(r.noNewPrivileges, true);
  assert.deepEqual(r.labels, { k: 'v' });
  assert.equal(r.networkMode, 'bridge');
  assert.throws(() => req(['--rm', '--restart', 'always', 'busybox']), /Conflicting options/);
  assert.throws(() => req(['--pull', 'sometimes', 'busybox']), /invalid pull option/);
  assert.throws(() => req(['--add-host', 'nocolon', 'busybox']), /bad format for add-host/);
  assert.throws(() => req([]), /requires at least 1 argument/);
});
