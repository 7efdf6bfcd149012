// A session keyring of its own per container (`_ses.<id>`, as runc), none with --no-new-keyring;
// a missing or non-executable process.args[0] fails `create` (not `start`) with a clear error
// and leaves nothing behind.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { build, cli, leftovers, tempBundle } from '../runtime/support.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

const keyringsNamed = (name: string) => readFileSync('/proc/keys', 'utf8').split('\n').filter((l) => l.includes(` ${name}:`));

test('each container gets a new session keyring _ses.<id>; --no-new-keyring keeps the caller\'s', { skip }, (t) => {
  const id = `keyring-${process.pid}`;
  const { root, bundle } = tempBundle(t, 'berth-hard-', id, ['sleep', '30']);
  const r = cli(root, ['create', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  const rings = keyringsNamed(`_ses.${id}`);
  assert.equal(rings.length, 1, readFileSync('/proc/keys', 'utf8'));
  // keyring, owned by the container's root, owner may search it (runc's permissions).
  assert.match(rings[0], /keyring/);
  cli(root, ['delete', '--force', id]);

  const id2 = `nokeyring-${process.pid}`;
  const b2 = tempBundle(t, 'berth-hard-', id2, ['sleep', '30']);
  const r2 = cli(b2.root, ['create', '--no-new-keyring', '-b', b2.bundle, id2]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(keyringsNamed(`_ses.${id2}`), []);
});

test('inside, the process possesses _ses.<id> as its session keyring', { skip }, (t) => {
  const id = `keyring-in-${process.pid}`;
  // /proc/keys is masked by the default spec; unmask it to look from inside.
  const { root, bundle } = tempBundle(t, 'berth-hard-', id, ['sh', '-c', 'cat /proc/keys'], (s) => { s.linux!.maskedPaths = s.linux!.maskedPaths!.filter((p) => p !== '/proc/keys'); });
  const r = cli(root, ['run', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`keyring\\s+_ses\\.${id}: empty`));
});

test('a missing executable fails create (absolute path, PATH lookup), not start', { skip }, (t) => {
  for (const [name, args, re] of [
    ['abs', ['/no/such/prog'], /exec: "\/no\/such\/prog".*no such file or directory/i],
    ['path', ['no-such-prog', 'x'], /exec: "no-such-prog": executable file not found in \$PATH/],
  ] as const) {
    const id = `noexec-${name}-${process.pid}`;
    const { root, bundle } = tempBundle(t, 'berth-hard-', id, [...args]);
    const r = cli(root, ['create', '-b', bundle, id]);
    assert.notEqual(r.code, 0, 'create must fail');
    assert.match(r.stderr, re);
    assert.deepEqual(leftovers(root, id, bundle), []);
  }
});

test('a program that is not executable, or a directory, fails create; PATH order is kept', { skip }, (t) => {
  const id = `noexec-mode-${process.pid}`;
  const { root, bundle } = tempBundle(t, 'berth-hard-', id, ['/prog'], (s) => { s.process!.user = { uid: 1000, gid: 1000 }; });
  writeFileSync(join(bundle, 'rootfs/prog'), '#!/bin/sh\necho ran\n');
  chmodSync(join(bundle, 'rootfs/prog'), 0o644);
  const r = cli(root, ['create', '-b', bundle, id]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /exec: "\/prog".*permission denied/i);

  const id2 = `noexec-dir-${process.pid}`;
  const b2 = tempBundle(t, 'berth-hard-', id2, ['/tmp']);
  const r2 = cli(b2.root, ['create', '-b', b2.bundle, id2]);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /exec: "\/tmp".*EISDIR/);

  // A non-executable match earlier in PATH does not hide an executable one later (execvp's rule).
  const id3 = `path-order-${process.pid}`;
  const b3 = tempBundle(t, 'berth-hard-', id3, ['prog'], (s) => { s.process!.env = ['PATH=/first:/second']; });
  for (const [d, mode, text] of [['first', 0o644, 'first'], ['second', 0o755, 'second']] as const) {
    const p = join(b3.bundle, 'rootfs', d);
    mkdirSync(p, { recursive: true });
    writeFileSync(join(p, 'prog'), `#!/bin/sh\necho ${text}\n`);
    chmodSync(join(p, 'prog'), mode);
  }
  const r3 = cli(b3.root, ['run', '-b', b3.bundle, id3]);
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(r3.stdout, 'second\n');
});
