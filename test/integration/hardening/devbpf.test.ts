// cgroup v2 device control: the generated program, loaded and attached by build/berth-devbpf to
// a cgroup in the hybrid cgroup2 tree, really refuses a denied device to a process in that
// cgroup, while allowed devices and processes outside keep working. (Device control is a BPF
// attachment, not a controller: it works there even with no controller enabled.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { attachDeviceProgram, DeviceAttachError } from '../../../src/runtime/devbpf/index.ts';
import { build } from '../runtime/support.ts';

const UNIFIED = '/sys/fs/cgroup/unified';
const hasV2 = existsSync(join(UNIFIED, 'cgroup.procs'));
const skip = !isRoot ? 'needs root' : !hasV2 ? `no cgroup2 tree at ${UNIFIED}` : false;
before(() => { if (!skip) build(); });

/** Runs `script` in a shell that first moves itself into `cgroup`; returns its output. */
function inCgroup(cgroup: string, script: string): { code: number | null; out: string } {
  const r = spawnSync('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && ${script}`], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('a device denied by the attached program cannot be opened from inside the cgroup', { skip }, async (t) => {
  const cg = join(UNIFIED, `berth-test-devbpf-${process.pid}`);
  mkdirSync(cg);
  t.after(() => {
    // The shells have exited (spawnSync): the cgroup is empty and goes, with its programs.
    try { rmdirSync(cg); } catch { /* best effort */ }
    assert.ok(!existsSync(cg), `cgroup ${cg} left behind`);
  });
  // Everything but /dev/null's read and write; /dev/zero stays readable.
  await attachDeviceProgram(cg, [{ allow: false, rule: 'a' }, { allow: true, rule: 'c *:* m' }, { allow: true, rule: 'c 1:5 rwm' }, { allow: true, rule: 'c 1:3 m' }]);
  const denied = inCgroup(cg, 'cat /dev/null && echo opened');
  assert.notEqual(denied.code, 0);
  assert.match(denied.out, /Operation not permitted/);
  assert.doesNotMatch(denied.out, /opened/);
  const allowed = inCgroup(cg, 'head -c 4 /dev/zero | wc -c');
  assert.equal(allowed.code, 0, allowed.out);
  assert.equal(allowed.out.trim(), '4');
  // Outside the cgroup nothing changed.
  assert.equal(readFileSync('/dev/null', 'utf8'), '');
});

test('without the attachment (or with an allow-all program) the same open succeeds: the test can fail', { skip }, async (t) => {
  const cg = join(UNIFIED, `berth-test-devbpf-open-${process.pid}`);
  mkdirSync(cg);
  t.after(() => { try { rmdirSync(cg); } catch { /* best effort */ } });
  assert.equal(inCgroup(cg, 'cat /dev/null && echo opened').out.trim(), 'opened');
  await attachDeviceProgram(cg, []);
  assert.equal(inCgroup(cg, 'cat /dev/null && echo opened').out.trim(), 'opened');
});

test('attaching to something that is not a cgroup2 directory fails with a typed error', { skip }, async () => {
  await assert.rejects(attachDeviceProgram('/nonexistent-cgroup', []), (e: unknown) => e instanceof DeviceAttachError && /nonexistent-cgroup/.test(e.message));
});

test('the program for a container\'s full rule list passes the verifier and allows exactly its devices', { skip }, async (t) => {
  const { deviceRules } = await import('../../../src/runtime/cgroups/devices.ts');
  const cg = join(UNIFIED, `berth-test-devbpf-full-${process.pid}`);
  mkdirSync(cg);
  t.after(() => { try { rmdirSync(cg); } catch { /* best effort */ } });
  await attachDeviceProgram(cg, [{ allow: false, rule: 'a' }, ...deviceRules([], [], true)]);
  // /dev/null and /dev/zero are in the defaults; /dev/kmsg (c 1:11) is not.
  const r = inCgroup(cg, 'cat /dev/null && head -c 1 /dev/zero | wc -c && ( (exec 3</dev/kmsg) 2>/dev/null && echo kmsg-open || echo kmsg-refused)');
  assert.deepEqual(r.out.trim().split('\n'), ['1', 'kmsg-refused'], r.out);
  // The host itself can open it (so the refusal is the program's doing).
  assert.equal(spawnSync('sh', ['-c', '(exec 3</dev/kmsg) && echo ok'], { encoding: 'utf8' }).stdout.trim(), 'ok');
});
