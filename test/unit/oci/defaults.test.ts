import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultSpec, parseSpec, renderSpec } from '../../../src/oci/index.ts';

function hasRunc(): boolean {
  try { execFileSync('runc', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** `runc spec [--rootless]` output, read from a scratch directory. */
function runcSpec(t: { after(fn: () => void): void }, rootless: boolean): any {
  const dir = mkdtempSync(join(tmpdir(), 'berth-runc-spec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('runc', ['spec', ...(rootless ? ['--rootless'] : [])], { cwd: dir, stdio: 'ignore' });
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
}

/** Fields where berth deliberately differs from runc: its name, the spec version it speaks. */
function comparable(doc: any): any {
  const d = structuredClone(doc);
  delete d.ociVersion;
  delete d.hostname;
  return d;
}

test('defaultSpec has the content of `runc spec`', { skip: !hasRunc() && 'runc not installed' }, (t) => {
  assert.deepEqual(comparable(JSON.parse(renderSpec(defaultSpec()))), comparable(runcSpec(t, false)));
});

test('rootless defaultSpec matches `runc spec --rootless` except for the cgroup mount', { skip: !hasRunc() && 'runc not installed' }, (t) => {
  const uid = process.geteuid!();
  const gid = process.getegid!();
  const ours = comparable(JSON.parse(renderSpec(defaultSpec({ rootless: true }))));
  const runc = comparable(runcSpec(t, true));
  // runc keeps a cgroup mount that the /sys rbind already covers; we leave it out.
  runc.mounts = runc.mounts.filter((m: any) => m.destination !== '/sys/fs/cgroup');
  runc.linux.uidMappings[0].hostID = uid;
  runc.linux.gidMappings[0].hostID = gid;
  assert.deepEqual(ours, runc);
});

test('rootless variant: own ids mapped, user ns, no network ns, /sys bound', () => {
  const s = defaultSpec({ rootless: true, uid: 1234, gid: 99, args: ['/bin/true', '-x'] });
  assert.deepEqual(s.linux!.uidMappings, [{ containerID: 0, hostID: 1234, size: 1 }]);
  assert.deepEqual(s.linux!.gidMappings, [{ containerID: 0, hostID: 99, size: 1 }]);
  const types = s.linux!.namespaces!.map((n) => n.type);
  assert.ok(types.includes('user') && !types.includes('network'));
  const sys = s.mounts!.find((m) => m.destination === '/sys')!;
  assert.equal(sys.source, '/sys');
  assert.ok(sys.options!.includes('rbind'));
  assert.ok(!s.mounts!.some((m) => m.destination === '/sys/fs/cgroup'));
  assert.ok(!s.mounts!.find((m) => m.destination === '/dev/pts')!.options!.includes('gid=5'));
  assert.equal(s.linux!.resources, undefined);
  assert.deepEqual(s.process!.args, ['/bin/true', '-x']);
  // What we write we can read back.
  assert.deepEqual(parseSpec(renderSpec(s)), s);
});

test('renderSpec writes bigints exactly and ends with a newline', () => {
  const s = defaultSpec();
  s.process!.rlimits![0].hard = 18446744073709551615n;
  const text = renderSpec(s);
  assert.match(text, /"hard": 18446744073709551615,/);
  assert.ok(text.endsWith('}\n'));
  assert.equal(parseSpec(text).process!.rlimits![0].hard, 18446744073709551615n);
});
