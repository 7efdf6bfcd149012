import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyConfigChanges } from '../../../src/engine/config-changes.ts';
import { bodyChanges, parseChanges } from '../../../src/dockerapi/config-changes.ts';
import { HttpError } from '../../../src/dockerapi/errors.ts';

test('docker --change instructions become the config a commit or import gets', () => {
  const base = { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], WorkingDir: '/srv', Labels: { keep: 'y' } };
  const cfg = applyConfigChanges(base, parseChanges([
    'CMD ["/bin/echo", "hi"]', 'ENV A=2 B=3', 'LABEL role=web', 'EXPOSE 80 53/udp', 'WORKDIR app', 'USER nobody',
    'VOLUME /data', 'STOPSIGNAL SIGINT', 'ONBUILD RUN true', '',
  ]));
  assert.deepEqual(cfg, {
    Env: ['PATH=/bin', 'A=2', 'B=3'], Cmd: ['/bin/echo', 'hi'], WorkingDir: '/srv/app', Labels: { keep: 'y', role: 'web' },
    ExposedPorts: { '80/tcp': {}, '53/udp': {} }, User: 'nobody', Volumes: { '/data': {} }, StopSignal: 'SIGINT', OnBuild: ['RUN true'],
  });
  // Shell form through the default shell; a shell-form entrypoint drops the command.
  assert.deepEqual(applyConfigChanges({ Cmd: ['x'] }, parseChanges(['ENTRYPOINT exec top -b'])), { Entrypoint: ['/bin/sh', '-c', 'exec top -b'], Cmd: null });
  assert.deepEqual(applyConfigChanges({}, parseChanges(['CMD echo $HOME'])), { Cmd: ['/bin/sh', '-c', 'echo $HOME'] });
  assert.deepEqual(base.Env, ['PATH=/bin', 'A=1'], 'the base is not changed');
});

test('changes docker refuses, and commit\'s Config body', () => {
  const is400 = (re: RegExp) => (e: unknown) => e instanceof HttpError && e.status === 400 && re.test(e.message);
  assert.throws(() => parseChanges(['RUN rm -rf /']), is400(/RUN is not a valid change command/));
  assert.throws(() => parseChanges(['FROM busybox']), is400(/FROM is not a valid change command/));
  assert.throws(() => parseChanges(['BOGUS x']), is400(/invalid change "BOGUS x"/));
  assert.throws(() => parseChanges(['WORKDIR']), is400(/invalid change "WORKDIR"/));
  assert.deepEqual(applyConfigChanges({ Env: ['A=1'] }, bodyChanges({ Cmd: ['top'], Env: ['B=2'], ExposedPorts: { '8080/tcp': {} }, User: '' })),
    { Env: ['A=1', 'B=2'], Cmd: ['top'], ExposedPorts: { '8080/tcp': {} } });
  assert.deepEqual(bodyChanges(undefined), []);
  // A string is a one-element list, as docker's strslice reads it; a number is not.
  assert.deepEqual(bodyChanges({ Cmd: 'top' }), [{ kind: 'cmd', argv: ['top'], shell: false }]);
  assert.throws(() => bodyChanges({ Cmd: 7 }), is400(/Config.Cmd/));
});
