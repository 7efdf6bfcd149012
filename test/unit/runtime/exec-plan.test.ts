// planExec and the exec process rules (pure): joins in order, clone without namespaces, process
// steps, seccomp placement, refusals; runc's flag semantics; capabilities the runtime lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec } from '../../../src/oci/index.ts';
import type { Process } from '../../../src/oci/index.ts';
import { mergeEnv } from '../../../src/oci/env.ts';
import { ExecSpecError, planExec, processFromFlags, parseProcessJson } from '../../../src/runtime/exec/index.ts';
import type { ExecPlanContext } from '../../../src/runtime/exec/index.ts';
import { identitySteps } from '../../../src/runtime/planner/identity.ts';

const base = (): Process => ({ ...structuredClone(defaultSpec({ args: ['sh'] }).process!), terminal: false });
const ctx = (x: Partial<ExecPlanContext> = {}): ExecPlanContext => ({
  id: 'c1', join: [], capLastCap: 40, preserveFds: 0, setgroupsDenied: false, ...x,
});
const filter = { flags: 0, filter: Buffer.alloc(8) };

test('joins: user first, mount last, then a clone with no new namespace', () => {
  const join = (['mount', 'pid', 'user', 'network'] as const).map((ns) => ({ ns, path: `/proc/9/ns/${ns}` }));
  const steps = planExec(base(), ctx({ join }));
  const head = steps.slice(0, 5);
  assert.deepEqual(head.map((s) => (s.op === 'setns' ? s.ns : s.op)), ['user', 'network', 'pid', 'mount', 'clone']);
  assert.deepEqual(steps[4], { op: 'clone', namespaces: [] });
  assert.equal(steps.at(-1)!.op, 'exec');
});

test('terminal: dialled before any join, pty after the clone; no console socket is refused', () => {
  const p = { ...base(), terminal: true, consoleSize: { height: 30, width: 100 } };
  const steps = planExec(p, ctx({ consoleSocket: '/run/c.sock', join: [{ ns: 'mount', path: '/proc/9/ns/mnt' }] }));
  assert.deepEqual(steps.slice(0, 4).map((s) => s.op), ['console-dial', 'setns', 'clone', 'console-pty']);
  assert.deepEqual(steps[3], { op: 'console-pty', rows: 30, cols: 100 });
  assert.throws(() => planExec(p, ctx()), (e: unknown) => e instanceof ExecSpecError && /process.terminal/.test(e.message));
});

test('seccomp: before the identity change without no_new_privs, last with it', () => {
  const ops = (p: Process) => planExec(p, ctx({ seccompFilter: filter })).map((s) => s.op);
  const a = ops({ ...base(), noNewPrivileges: false });
  assert.ok(a.indexOf('chdir') < a.indexOf('seccomp') && a.indexOf('seccomp') < a.indexOf('setresuid'));
  const b = ops({ ...base(), noNewPrivileges: true });
  assert.equal(b.at(-2), 'seccomp');
  assert.ok(b.indexOf('no-new-privs') < b.indexOf('seccomp'));
});

test('refusals are collected: AppArmor, SELinux, relative cwd, empty args', () => {
  const p = { ...base(), args: [], cwd: 'tmp', apparmorProfile: 'x', selinuxLabel: 'y' };
  assert.throws(() => planExec(p, ctx()), (e: unknown) => {
    assert.ok(e instanceof ExecSpecError);
    assert.deepEqual(e.problems.map((x) => x.path), ['process.args', 'process.cwd', 'process.apparmorProfile', 'process.selinuxLabel']);
    return true;
  });
});

test('runc flag semantics: env appended and deduplicated, user without its groups, caps into every set, tty off by default', () => {
  const b = { ...base(), env: ['PATH=/bin', 'A=1'], user: { uid: 0, gid: 0, additionalGids: [5] } };
  const p = processFromFlags('c1', b, { args: ['id'], env: ['A=2', 'B=3'], user: '1000', caps: ['CAP_NET_RAW'] });
  assert.deepEqual(mergeEnv(p.env!), ['PATH=/bin', 'A=2', 'B=3']);
  assert.deepEqual(p.user, { uid: 1000, gid: 0 });
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) assert.ok(p.capabilities![set]!.includes('CAP_NET_RAW'), set);
  assert.equal(p.terminal, false);
  assert.throws(() => processFromFlags('c1', b, { args: ['id'], user: 'bob' }), /--user: must be uid\[:gid\]/);
  const env = planExec(processFromFlags('c1', b, { args: ['id'] }), ctx({ home: '/root' })).at(-1)!;
  assert.ok(env.op === 'exec' && env.env.includes('HOME=/root'));
});

test('process.json: defaults for user and cwd; bad JSON and bad args name the file', () => {
  const p = parseProcessJson('c1', '{"args":["true"]}', '/x/process.json');
  assert.deepEqual(p.user, { uid: 0, gid: 0 });
  assert.equal(p.cwd, '/');
  assert.throws(() => parseProcessJson('c1', '{', '/x/process.json'), /\/x\/process.json: not valid JSON/);
  assert.throws(() => parseProcessJson('c1', '{"args":"true"}', '/x/process.json'), /args: must be an array of strings/);
});

test('capabilities outside the runtime\'s own bounding set are left out of every set', () => {
  const p = base();
  p.capabilities = { bounding: ['CAP_SYS_RESOURCE', 'CAP_KILL'], effective: ['CAP_SYS_RESOURCE', 'CAP_KILL'], permitted: ['CAP_SYS_RESOURCE', 'CAP_KILL'], inheritable: ['CAP_SYS_RESOURCE'], ambient: ['CAP_SYS_RESOURCE'] };
  const available = ((1n << 41n) - 1n) & ~(1n << 24n);
  const steps = identitySteps(p, 40, false, available);
  const kill = 1n << 5n;
  assert.deepEqual(steps.find((s) => s.op === 'caps-bounding'), { op: 'caps-bounding', mask: kill });
  assert.deepEqual(steps.find((s) => s.op === 'caps'), { op: 'caps', effective: kill, permitted: kill, inheritable: 0n });
  assert.deepEqual(steps.find((s) => s.op === 'caps-ambient'), { op: 'caps-ambient', mask: 0n });
  const all = identitySteps(p, 40, false);
  assert.deepEqual(all.find((s) => s.op === 'caps-bounding'), { op: 'caps-bounding', mask: kill | (1n << 24n) });
});

test('the program is looked up (find-exec) as the process\'s user, with its PATH, before the exec and a no_new_privs filter', () => {
  const p = { ...base(), args: ['nosuchcmd', 'x'], env: ['PATH=/opt/bin:/bin', 'A=1'], noNewPrivileges: true };
  const steps = planExec(p, ctx({ seccompFilter: filter }));
  const ops = steps.map((s) => s.op);
  const at = ops.indexOf('find-exec');
  assert.deepEqual(steps[at], { op: 'find-exec', path: 'nosuchcmd', searchPath: '/opt/bin:/bin' });
  assert.deepEqual(ops.slice(at), ['find-exec', 'seccomp', 'exec']);
  assert.ok(ops.indexOf('setresuid') < at && ops.indexOf('chdir') < at, 'after the identity change and chdir');
  const noPath = planExec({ ...base(), env: [] }, ctx()).find((s) => s.op === 'find-exec');
  assert.deepEqual(noPath, { op: 'find-exec', path: 'sh', searchPath: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' });
});
