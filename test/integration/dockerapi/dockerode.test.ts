// dockerode (npm, the Docker Engine API client most Node programs use) against berthd's Docker
// API: create + start + wait of a container that prints and exits, its logs demultiplexed
// into stdout and stderr, a detached one with an exec (output and exit code from exec
// inspect), a label-filtered list, stop, remove; an exec with a terminal sized at start and
// resized while it runs; and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { PassThrough, type Readable } from 'node:stream';
import { isRoot } from '../../helpers/rootfs.ts';
import { waitFor } from '../engine/harness.ts';
import { useApiFixture, type ApiDaemon } from './harness.ts';

// dockerode ships no types: the part of its surface this test uses.
interface DContainer {
  id: string;
  start(): Promise<unknown>;
  wait(): Promise<{ StatusCode: number }>;
  logs(o: { stdout: boolean; stderr: boolean; follow?: boolean }): Promise<Buffer | Readable>;
  exec(o: { Cmd: string[]; AttachStdout: boolean; AttachStderr: boolean; Tty?: boolean }): Promise<DExec>;
  inspect(): Promise<{ State: { Status: string; Running: boolean; ExitCode: number } }>;
  stop(o?: { t: number }): Promise<unknown>;
  remove(o?: { force?: boolean }): Promise<unknown>;
}
interface DExec {
  id: string;
  start(o: { hijack: boolean; stdin: boolean; Tty?: boolean; ConsoleSize?: [number, number] }): Promise<Readable>;
  resize(o: { h: number; w: number }): Promise<unknown>;
  inspect(): Promise<{ ExitCode: number | null; Running: boolean }>;
}
interface Dockerode {
  ping(): Promise<Buffer | string>;
  createContainer(o: Record<string, unknown>): Promise<DContainer>;
  getContainer(id: string): DContainer;
  listContainers(o: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ Id: string; Names: string[]; Labels: Record<string, string>; State: string }[]>;
  modem: { demuxStream(s: Readable, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void };
}
const require = createRequire(import.meta.url);
const Docker = require('dockerode') as new (o: { socketPath: string }) => Dockerode;

const skip = !isRoot ? 'needs root' : false;

let api: ApiDaemon;
let docker: Dockerode;
const fx = useApiFixture(skip, (f) => {
  api = f.api;
  docker = new Docker({ socketPath: api.socket });
});

/** dockerode's own demultiplexer over a stream (or a whole body) of stdcopy frames. */
async function demux(src: Buffer | Readable): Promise<{ out: string; err: string }> {
  const stream = Buffer.isBuffer(src) ? new PassThrough().end(src) : src;
  let out = '';
  let err = '';
  const o = new PassThrough().on('data', (d) => (out += d));
  const e = new PassThrough().on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve).on('close', resolve).on('error', reject);
    docker.modem.demuxStream(stream, o, e);
  });
  return { out, err };
}

test('dockerode: create, start, wait, demultiplexed logs, remove', { skip }, async () => {
  assert.equal(String(await docker.ping()), 'OK');
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; echo again; exit 5'], Tty: false });
  await c.start();
  assert.equal((await c.wait()).StatusCode, 5);
  const st = (await c.inspect()).State;
  assert.equal(st.Status, 'exited');
  assert.equal(st.ExitCode, 5);
  // The whole body at once, and followed as a stream (the container has exited: it ends).
  assert.deepEqual(await demux(await c.logs({ stdout: true, stderr: true })), { out: 'to-out\nagain\n', err: 'to-err\n' });
  assert.deepEqual(await demux(await c.logs({ stdout: true, stderr: true, follow: true })), { out: 'to-out\nagain\n', err: 'to-err\n' });
  assert.deepEqual(await demux(await c.logs({ stdout: false, stderr: true })), { out: '', err: 'to-err\n' });
  await c.remove();
  await assert.rejects(c.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

test('dockerode: detached container, exec with output and exit code, label filter, stop, remove', { skip }, async () => {
  const c = await docker.createContainer({ Image: 'busybox', name: 'dockerode-box', Cmd: ['sh', '-c', 'echo up; exec sleep 300'], Labels: { 'berth.test': 'dockerode' } });
  const other = await docker.createContainer({ Image: 'busybox', Cmd: ['true'], Labels: { 'berth.test': 'else' } });
  try {
    await c.start();
    await waitFor(async () => (await demux(await c.logs({ stdout: true, stderr: true }))).out === 'up\n', 60_000);
    assert.equal((await c.inspect()).State.Running, true);

    const ex = await c.exec({ Cmd: ['sh', '-c', 'echo in-exec; echo exec-err >&2; exit 3'], AttachStdout: true, AttachStderr: true });
    assert.deepEqual(await demux(await ex.start({ hijack: true, stdin: false })), { out: 'in-exec\n', err: 'exec-err\n' });
    let info = await ex.inspect();
    await waitFor(async () => !(info = await ex.inspect()).Running, 60_000);
    assert.equal(info.ExitCode, 3);

    const ok = await c.exec({ Cmd: ['cat', '/proc/1/cmdline'], AttachStdout: true, AttachStderr: true });
    assert.equal((await demux(await ok.start({ hijack: true, stdin: false }))).out, 'sleep\u0000300\u0000');
    assert.equal((await ok.inspect()).ExitCode, 0);

    const listed = await docker.listContainers({ all: true, filters: { label: ['berth.test=dockerode'] } });
    assert.deepEqual(listed.map((x) => [x.Id, x.Names, x.Labels['berth.test'], x.State]), [[c.id, ['/dockerode-box'], 'dockerode', 'running']]);
    const byKey = await docker.listContainers({ all: true, filters: { label: ['berth.test'] } });
    assert.deepEqual(byKey.map((x) => x.Id).sort(), [c.id, other.id].sort());
    // Without all, only running containers.
    assert.deepEqual((await docker.listContainers({ filters: { label: ['berth.test'] } })).map((x) => x.Id), [c.id]);

    await c.stop({ t: 1 });
    assert.equal((await c.inspect()).State.Running, false);
    await c.remove();
    await other.remove();
    assert.deepEqual(await docker.listContainers({ all: true }), []);
  } finally {
    await c.remove({ force: true }).catch(() => {});
    await other.remove({ force: true }).catch(() => {});
  }
});

test('dockerode: exec with a terminal: its size at start (ConsoleSize), then resized', { skip }, async () => {
  const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'] });
  try {
    await c.start();
    // The shell reports its size, then again when SIGWINCH comes (the resize), and exits.
    const script = "stty size; trap 'stty size; exit 7' WINCH; echo ready; while :; do sleep 0.1; done";
    const ex = await c.exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true, Tty: true });
    const stream = await ex.start({ hijack: true, stdin: false, Tty: true, ConsoleSize: [21, 73] });
    let out = '';
    const ended = new Promise<void>((r) => { stream.on('end', r).on('close', r); });
    stream.on('data', (d) => (out += d));
    await waitFor(async () => out.includes('ready'), 60_000).catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(out)} ${api.log}`); });
    await ex.resize({ h: 42, w: 117 });
    await ended;
    // Not multiplexed (a terminal), with the pty's CRLF line ends.
    assert.equal(out, '21 73\r\nready\r\n42 117\r\n');
    assert.equal((await ex.inspect()).ExitCode, 7);
    // An exec that has exited has no terminal left to resize.
    await assert.rejects(ex.resize({ h: 10, w: 10 }), (e: { statusCode?: number }) => e.statusCode === 409);
  } finally {
    await c.remove({ force: true });
  }
});

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
});
