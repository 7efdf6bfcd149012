import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BundleError, defaultSpec, loadBundle, parseSpec, renderSpec, SpecError } from '../../../src/oci/index.ts';

/** A valid document to break one field at a time. */
function base(): any {
  return JSON.parse(renderSpec(defaultSpec()));
}

function problems(doc: unknown): string[] {
  try {
    parseSpec(typeof doc === 'string' ? doc : JSON.stringify(doc), 'config.json');
  } catch (e) {
    assert.ok(e instanceof SpecError, `expected SpecError, got ${e}`);
    return e.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  }
  return [];
}

test('the default spec and runc-shaped documents are valid', () => {
  assert.deepEqual(problems(base()), []);
  assert.deepEqual(problems(JSON.parse(renderSpec(defaultSpec({ rootless: true, uid: 1000, gid: 1000 })))), []);
});

test('JSON syntax errors carry line and column', () => {
  const text = '{\n  "ociVersion": "1.2.0",\n  "process": {,\n}';
  try {
    parseSpec(text, '/b/config.json');
    assert.fail('parsed');
  } catch (e) {
    assert.ok(e instanceof SpecError);
    assert.equal(e.problems.length, 1);
    assert.equal(e.problems[0].line, 3);
    assert.equal(e.problems[0].column, 15);
    assert.match(e.message, /^\/b\/config\.json: line 3 column 15: invalid JSON/);
  }
  const [truncated] = problems('{"ociVersion": "1.0.0"');
  assert.match(truncated, /invalid JSON/);
  assert.deepEqual(problems('[1,2]'), ['must be a JSON object, got an array']);
});

test('process.args must be a non-empty array of strings', () => {
  for (const args of [[], 'sh', undefined]) {
    const d = base();
    d.process.args = args;
    assert.deepEqual(problems(d), ['process.args: must be a non-empty array of strings']);
  }
  const d = base();
  d.process.args = ['sh', 3];
  assert.deepEqual(problems(d), ['process.args[1]: must be a string']);
});

test('ociVersion missing or not 1.x', () => {
  const d = base();
  delete d.ociVersion;
  assert.deepEqual(problems(d), ['ociVersion: is required']);
  d.ociVersion = '2.0.0';
  assert.deepEqual(problems(d), ['ociVersion: unsupported version "2.0.0" (expected 1.x.y)']);
  d.ociVersion = '1.0.2-dev';
  assert.deepEqual(problems(d), []);
});

test('namespaces: unknown type, duplicates, relative path', () => {
  const d = base();
  d.linux.namespaces = [{ type: 'pid' }, { type: 'network' }, { type: 'foo' }, { type: 'pid' }, { type: 'net', path: 'proc/1/ns/net' }];
  assert.deepEqual(problems(d), [
    'linux.namespaces[2].type: unknown namespace "foo"',
    'linux.namespaces[3].type: duplicate namespace "pid" (also linux.namespaces[0])',
    'linux.namespaces[4].type: unknown namespace "net"',
    'linux.namespaces[4].path: must be an absolute path, got "proc/1/ns/net"',
  ]);
});

test('mounts: destination must be absolute, options strings', () => {
  const d = base();
  d.mounts[3].destination = 'dev/shm';
  d.mounts[1].options = ['nosuid', 7];
  d.mounts.push({ type: 'tmpfs' });
  assert.deepEqual(problems(d), [
    'mounts[1].options[1]: must be a string',
    'mounts[3].destination: must be an absolute path, got "dev/shm"',
    'mounts[7].destination: is required',
  ]);
});

test('rlimits: unknown type, duplicate, soft above hard, negative, NaN-like', () => {
  const d = base();
  d.process.rlimits = [
    { type: 'RLIMIT_NOFILE', soft: 10, hard: 5 },
    { type: 'RLIMIT_FOO', soft: 1, hard: 1 },
    { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 },
    { type: 'RLIMIT_CORE', soft: -1, hard: 1.5 },
  ];
  assert.deepEqual(problems(d), [
    'process.rlimits[0]: soft limit 10 is above hard limit 5',
    'process.rlimits[1].type: unknown rlimit type "RLIMIT_FOO"',
    'process.rlimits[2].type: duplicate rlimit type "RLIMIT_NOFILE"',
    'process.rlimits[3].soft: must not be negative, got -1',
    'process.rlimits[3].hard: must be an integer, got 1.5',
  ]);
});

test('rlimits above 2^53 stay exact (bigint)', () => {
  const d = base();
  const text = JSON.stringify(d).replace('"hard":1024', '"hard":18446744073709551615');
  const spec = parseSpec(text);
  assert.equal(spec.process!.rlimits![0].hard, 18446744073709551615n);
  const over = JSON.stringify(d).replace('"hard":1024', '"hard":18446744073709551616');
  assert.deepEqual(problems(over), ['process.rlimits[0].hard: must be between 0 and 18446744073709551615, got 18446744073709551616']);
});

test('capabilities: unknown names are reported per set and index', () => {
  const d = base();
  d.process.capabilities.bounding.push('CAP_FLY');
  d.process.capabilities.ambient = ['KILL'];
  assert.deepEqual(problems(d), [
    'process.capabilities.bounding[3]: unknown capability "CAP_FLY"',
    'process.capabilities.ambient[0]: unknown capability "KILL"',
  ]);
});

test('user, cwd, env, oomScoreAdj, hooks, devices, propagation, seccomp: all problems at once', () => {
  const d = base();
  d.process.user = { uid: -1, gid: 'root', additionalGids: [5, 4294967296] };
  d.process.cwd = 'home';
  d.process.env = ['PATH=/bin', 'JUNK'];
  d.process.oomScoreAdj = 2000;
  d.hooks = { prestart: [{ path: 'hook', timeout: 0 }], poststop: 'x' };
  d.linux.devices = [{ type: 'x', path: '/dev/a', major: 1, minor: 1 }, { type: 'c', path: '/etc/x' }];
  d.linux.rootfsPropagation = 'sideways';
  d.linux.seccomp = { defaultAction: 'SCMP_ACT_NOPE', syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] };
  d.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: 1e9 }, realtime: { secs: 1 } };
  const got = problems(d);
  assert.deepEqual(got, [
    'process.user.uid: must not be negative, got -1',
    'process.user.gid: must be an integer, got "root"',
    'process.user.additionalGids[1]: must be between 0 and 4294967295, got 4294967296',
    'process.env[1]: must have the form NAME=value, got "JUNK"',
    'process.cwd: must be an absolute path, got "home"',
    'process.oomScoreAdj: must be between -1000 and 1000, got 2000',
    'hooks.prestart[0].path: must be an absolute path, got "hook"',
    'hooks.prestart[0].timeout: must be greater than zero, got 0',
    'hooks.poststop: must be an array',
    'linux.timeOffsets.monotonic.nanosecs: must be between 0 and 999999999, got 1000000000',
    'linux.timeOffsets.realtime: unknown clock "realtime" (expected monotonic or boottime)',
    'linux.devices[0].type: unknown device type "x" (expected c, b, u or p)',
    'linux.devices[1].path: must be under /dev, got "/etc/x"',
    'linux.devices[1].major: is required',
    'linux.devices[1].minor: is required',
    'linux.rootfsPropagation: unknown propagation "sideways" (expected one of private, rprivate, shared, rshared, slave, rslave, unbindable, runbindable)',
    'linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_NOPE" (expected one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)',
    'linux.seccomp.syscalls[0].names: must be a non-empty array of strings',
    'linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5, got 6',
  ]);
});

test('required sections and wrong types', () => {
  assert.deepEqual(problems({ ociVersion: '1.0.0' }), ['process: is required', 'root: is required']);
  const d = base();
  d.root = { path: 5 };
  d.linux.sysctl = { 'net.ipv4.ip_forward': 1 };
  d.annotations = { a: 'b', c: false };
  d.linux.resources = { memory: { limit: 'lots' }, pids: {} };
  assert.deepEqual(problems(d), [
    'root.path: must be a string',
    'annotations["c"]: must be a string',
    'linux.resources.memory.limit: must be an integer, got "lots"',
    'linux.resources.pids.limit: is required',
    'linux.sysctl["net.ipv4.ip_forward"]: must be a string',
  ]);
});

test('unknown fields are ignored and null reads as absent, like runc', () => {
  const d = base();
  d.somethingNew = { x: 1 };
  d.process.futureField = true;
  d.linux.seccomp = null;
  d.hooks = null;
  const spec = parseSpec(JSON.stringify(d));
  assert.equal(spec.linux!.seccomp, undefined);
  assert.equal((spec as any).somethingNew.x, 1);
});

test('SpecError message lists every problem under the file name', () => {
  const d = base();
  d.process.args = [];
  d.process.cwd = 'x';
  try {
    parseSpec(JSON.stringify(d), '/b/config.json');
    assert.fail('parsed');
  } catch (e) {
    assert.ok(e instanceof SpecError);
    assert.equal(e.message, '/b/config.json: 2 problems:\n  process.args: must be a non-empty array of strings\n  process.cwd: must be an absolute path, got "x"');
  }
});

test('loadBundle resolves root.path against the bundle and checks it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(() => loadBundle(dir), (e: unknown) => e instanceof BundleError && /no config\.json/.test(e.message));
  writeFileSync(join(dir, 'config.json'), renderSpec(defaultSpec()));
  assert.throws(() => loadBundle(dir), (e: unknown) => e instanceof SpecError && e.problems[0].path === 'root.path' && e.message.includes(join(dir, 'rootfs')));
  mkdirSync(join(dir, 'rootfs'));
  const b = loadBundle(join(dir, '.'));
  assert.equal(b.rootfs, join(dir, 'rootfs'));
  assert.equal(b.bundle, dir);
  assert.deepEqual(b.spec.process!.args, ['sh']);
});
