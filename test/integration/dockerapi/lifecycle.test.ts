// Lifecycle edges through the real docker CLI and raw API calls against berthd: a stop that
// lands between two runs of a restart policy (304, and the container stays stopped, as `berth
// stop` leaves it); detaching from a container with the detach keys (docker's ctrl-p,ctrl-q or
// --detach-keys) typed on a terminal, through run -it, attach, exec -it and the raw API: the
// container keeps running, and a later attach types into it; `rm --link`, which removes a link
// and never the container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { driveOnPty, type PtyStep } from '../../helpers/pty-driver.ts';
import { isRoot } from '../../helpers/rootfs.ts';
import { waitFor } from '../engine/harness.ts';
import { useApiFixture, type ApiDaemon, type Berth, DOCKER } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(DOCKER) ? `needs the docker CLI at ${DOCKER}` : false;

let b: Berth;
let api: ApiDaemon;
const fx = useApiFixture(skip, (f) => ({ b, api } = f));

interface State { Status: string; Running: boolean }
async function inspect(name: string): Promise<{ State: State; RestartCount: number }> {
  const r = await api.http('GET', `/v1.44/containers/${name}/json`);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { State: State; RestartCount: number };
}

test('stop between two runs of a restart policy: 304, and no restart follows', { skip }, async () => {
  await api.ok(['run', '-d', '--name', 'bouncer', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.5; exit 1']);
  try {
    // Catch it exited, its exit command about to restart it; a stop that finds it running again
    // (the restart won the race) stops it for real (204): start it and try again.
    let status = 0;
    for (let i = 0; i < 8 && status !== 304; i++) {
      await waitFor(async () => (await inspect('bouncer')).State.Status === 'exited', 60_000);
      status = (await api.http('POST', '/v1.44/containers/bouncer/stop')).status;
      if (status === 204) await api.ok(['start', 'bouncer']);
    }
    assert.equal(status, 304, 'a stop that found nothing running');
    const count = (await inspect('bouncer')).RestartCount;
    await sleep(2500);
    const after = await inspect('bouncer');
    assert.equal(after.State.Status, 'exited');
    assert.equal(after.RestartCount, count, 'the restart policy did not bring it back');
    assert.match(await b.ok(['ps', '-a', '--filter', 'name=bouncer', '--format', '{{.Status}}']), /^Exited \(1\)/);
    // A second stop: still nothing to do, still 304; the CLI takes it as success.
    assert.equal((await api.http('POST', '/v1.44/containers/bouncer/stop')).status, 304);
    assert.equal((await api.ok(['stop', 'bouncer'])).trim(), 'bouncer');
  } finally {
    await api.ok(['rm', '-f', 'bouncer']);
  }
});

/** The docker CLI on a terminal of its own, through `steps`. */
async function dockerOnPty(args: string[], steps: PtyStep[]) {
  const r = await driveOnPty([DOCKER, ...args], steps, { env: api.env() });
  assert.equal(r.failedStep, null, `docker ${args.join(' ')}: step ${r.failedStep} not seen in ${JSON.stringify(r.output)}\nberthd: ${api.log}`);
  return r;
}

const PROMPT = '/ # ';

test('detach keys: run -it and attach (default and --detach-keys), exec -it, the raw API; the container runs on', { skip }, async () => {
  try {
    // docker run -it, left with docker's default ctrl-p,ctrl-q.
    const run = await dockerOnPty(['run', '-it', '--name', 'det', 'busybox', 'sh'], [
      { expect: PROMPT, send: 'echo one-$((1+1))\r' }, { expect: 'one-2', pauseMs: 200, send: '\x10\x11' },
    ]);
    assert.equal(run.status, 0, run.output);
    assert.equal((await inspect('det')).State.Running, true, 'running after the detach');
    // Attached again, its stdin still open: it answers; left with keys of the user's own.
    const att = await dockerOnPty(['attach', '--detach-keys', 'ctrl-x,x', 'det'], [
      { pauseMs: 500, send: '\r' }, { expect: PROMPT, send: 'echo two-$((2+2))\r' }, { expect: 'two-4', pauseMs: 200, send: '\x18x' },
    ]);
    // docker attach reports a detach as its error: "read escape sequence", exit status 1 (the
    // docker CLI's own behaviour, the same against dockerd).
    assert.equal(att.status, 1, att.output);
    assert.match(att.output, /read escape sequence/);
    assert.equal((await inspect('det')).State.Running, true);
    // exec -it with its own keys: the exec ends its stream, the container runs on.
    const ex = await dockerOnPty(['exec', '-it', '--detach-keys', 'ctrl-x,x', 'det', 'sh'], [
      { expect: PROMPT, send: 'echo three-$((3+3))\r' }, { expect: 'three-6', pauseMs: 200, send: '\x18x' },
    ]);
    assert.equal(ex.status, 1, ex.output);
    assert.match(ex.output, /read escape sequence/);

    // The raw API: the server finds the keys in the stream (detachKeys), drops them and closes.
    const sock = connect(api.socket);
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write('POST /v1.44/containers/det/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-a,a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    await waitFor(async () => got.includes('101 UPGRADED'), 60_000);
    sock.write('echo four-$((2*2))\r');
    await waitFor(async () => got.includes('four-4'), 60_000);
    sock.write('\x01a');
    await Promise.race([closed, sleep(10_000).then(() => { throw new Error(`berthd did not close the attach: ${JSON.stringify(got)}`); })]);
    assert.equal((await inspect('det')).State.Running, true);
    const badKeys = await api.http('POST', '/v1.44/containers/det/attach?stream=1&stdin=1&detachKeys=ctrl-1');
    assert.equal(badKeys.status, 400, badKeys.body);
    assert.match(badKeys.body, /Invalid detach keys \(ctrl-1\) provided/);

    // The berth CLI's attach: the same keys, the same report; the default ones, then its own.
    for (const [flags, keys] of [[[], '\x10\x11'], [['--detach-keys', 'ctrl-x,x'], '\x18x']] as const) {
      const mine = await driveOnPty([process.execPath, ...b.argv(['attach', ...flags, 'det'])], [
        { pauseMs: 500, send: '\r' }, { expect: PROMPT, send: 'echo five-$((5*1))\r' }, { expect: 'five-5', pauseMs: 200, send: keys },
      ], { env: b.env });
      assert.equal(mine.failedStep, null, JSON.stringify(mine.output));
      assert.deepEqual([mine.status, /read escape sequence/.test(mine.output)], [1, true], mine.output);
      assert.equal((await inspect('det')).State.Running, true);
    }

    // A last attach ends the shell: its exit code is the attach's, the container's.
    const last = await dockerOnPty(['attach', 'det'], [{ pauseMs: 500, send: '\r' }, { expect: PROMPT, send: 'exit 3\r' }]);
    assert.equal(last.status, 3, last.output);
    await waitFor(async () => (await inspect('det')).State.Status === 'exited', 60_000);
  } finally {
    await api.ok(['rm', '-f', 'det']);
  }
});

test('berth run -it and start -ai: the detach keys leave it running; with --rm it goes once it exits', { skip }, async () => {
  try {
    for (const [name, flags] of [['bdet', []], ['brm', ['--rm', '--detach-keys', 'ctrl-x,x']]] as const) {
      const keys = flags.length ? '\x18x' : '\x10\x11';
      const r = await driveOnPty([process.execPath, ...b.argv(['run', '-it', ...flags, '--name', name, 'busybox', 'sh'])], [
        { expect: PROMPT, send: 'echo six-$((3+3))\r' }, { expect: 'six-6', pauseMs: 200, send: keys },
      ], { env: b.env });
      assert.deepEqual([r.failedStep, r.status], [null, 0], r.output);
      assert.equal((await inspect(name)).State.Running, true, `${name} runs on`);
    }
    // start -ai, stopped first: the same keys leave it running again (status 0, as docker start).
    await b.ok(['stop', '-t', '1', 'bdet']);
    const again = await driveOnPty([process.execPath, ...b.argv(['start', '-ai', 'bdet'])], [
      { expect: PROMPT, send: 'echo seven-$((3+4))\r' }, { expect: 'seven-7', pauseMs: 200, send: '\x10\x11' },
    ], { env: b.env });
    assert.deepEqual([again.failedStep, again.status], [null, 0], again.output);
    assert.equal((await inspect('bdet')).State.Running, true);
    // The --rm one, killed (kill leaves the clean-up to the exit command): conmon's exit command,
    // no longer handed to the gone CLI, removes it.
    await api.ok(['kill', 'brm']);
    await waitFor(async () => (await api.http('GET', '/v1.44/containers/brm/json')).status === 404, 60_000);
  } finally {
    await api.docker(['rm', '-f', 'bdet', 'brm']);
  }
});

test('rm --link removes a link, never the container (berth makes none)', { skip }, async () => {
  await api.ok(['create', '--name', 'linked', 'busybox', 'true']);
  try {
    const r = await api.docker(['rm', '--link', 'linked']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Conflict, cannot remove the default link name of the container/);
    assert.equal((await inspect('linked')).State.Status, 'created', 'the container is still there');
    const alias = await api.http('DELETE', '/v1.44/containers/linked%2Fdb?link=1');
    assert.equal(alias.status, 404, alias.body);
    const orphan = await api.http('DELETE', '/v1.44/containers/nosuch%2Fdb?link=1');
    assert.deepEqual([orphan.status, JSON.parse(orphan.body)], [404, { message: 'Cannot get parent /nosuch for link name /nosuch/db' }]);
    assert.equal((await inspect('linked')).State.Status, 'created');
  } finally {
    await api.ok(['rm', '-f', 'linked']);
  }
});

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
});
