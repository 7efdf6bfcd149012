// A foreground `run` / `exec` whose process has a terminal and no --console-socket relays the
// pty to the caller's terminal as runc does. `script` gives the CLI a real terminal: its size
// reaches the container at the start and after a resize (SIGWINCH), the caller's tty is raw while
// the container runs and restored after, output flows and the exit code comes back.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, cli, CLI, forceDelete, leftovers, makeBundle } from './support.ts';

const hasScript = existsSync('/usr/bin/script') && existsSync('/usr/bin/stty');
const skip = !isRoot ? 'needs root' : !hasScript ? 'needs script and stty (util-linux, coreutils)' : false;
before(() => { if (!skip) build(); });

/** Runs `command` under script(1) (a fresh pty as the controlling terminal); returns its output. */
function underScript(command: string): { code: number | null; out: string } {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, out: (r.stdout + r.stderr).replace(/\r/g, '') };
}

/** The terminal mode words stty prints that raw mode turns off. */
const mode = (sttyA: string) => (['icanon', 'echo', 'isig'] as const).map((w) => (new RegExp(`(^|\\s)-${w}(\\s|$)`).test(sttyA) ? `-${w}` : w));

test('run -t without --console-socket: size, resize, raw mode while running, output and exit code', { skip }, (t) => {
  const dir = makeTemp('berth-tty-');
  const root = join(dir, 'state');
  const id = `ttyrun-${process.pid}`;
  // The container reports its first size and marks that it runs (/first, in its rootfs); the
  // sibling below resizes only then, and the container polls its size until it is the new one
  // (for at most a minute: without the resize it prints the old size, and the test fails).
  const script = 'stty size; touch /first; i=0; while s=$(stty size); [ "$s" != "44 120" ] && [ $i -lt 600 ]; do i=$((i+1)); sleep 0.1; done; echo "$s"; echo out-$((6*7)); exit 3';
  const { bundle } = makeBundle(join(dir, 'bundle'), id, ['sh', '-c', script], (s) => { s.process!.terminal = true; s.root!.readonly = false; });
  t.after(() => {
    forceDelete(root, id);
    const left = leftovers(root, id, bundle);
    removeTemp(dir);
    assert.deepEqual(left, []);
  });
  // A sibling looks at the terminal while the container runs, then resizes it.
  const during = join(dir, 'during');
  const after = join(dir, 'after');
  const first = join(bundle, 'rootfs/first');
  const r = underScript(`stty rows 33 cols 99; (n=0; while [ ! -e ${first} ] && [ $n -lt 600 ]; do n=$((n+1)); sleep 0.1; done; stty -F /dev/tty -a > ${during}; stty -F /dev/tty rows 44 cols 120) & ${CLI} --root ${root} run -b ${bundle} ${id}; echo rc=$?; wait; stty -a > ${after}`);
  assert.equal(r.code, 0, r.out);
  const lines = r.out.split('\n').map((l) => l.replace(/^[^\x20-\x7e]*\^@/, ''));
  assert.ok(lines.includes('33 99'), `the first size is the caller's: ${r.out}`);
  assert.ok(lines.includes('44 120'), `a resize reaches the container: ${r.out}`);
  assert.ok(lines.includes('out-42'), r.out);
  assert.ok(lines.includes('rc=3'), `exit code passed through: ${r.out}`);
  assert.deepEqual(mode(readFileSync(during, 'utf8')), ['-icanon', '-echo', '-isig'], 'raw while the container runs');
  assert.deepEqual(mode(readFileSync(after, 'utf8')), ['icanon', 'echo', 'isig'], 'restored afterwards');
});

test('input typed at the caller\'s terminal reaches the container; exec -t relays the same way', { skip }, (t) => {
  const dir = makeTemp('berth-tty-');
  const root = join(dir, 'state');
  const id = `ttyexec-${process.pid}`;
  const { bundle } = makeBundle(join(dir, 'bundle'), id, ['sleep', '1000'], (s) => { s.process!.terminal = false; });
  t.after(() => {
    forceDelete(root, id);
    const left = leftovers(root, id, bundle);
    removeTemp(dir);
    assert.deepEqual(left, []);
  });
  const c = cli(root, ['run', '-d', '-b', bundle, id]);
  assert.equal(c.code, 0, c.stderr);
  // The line is typed into script's terminal (its stdin) after a moment; the container reads it.
  const s = spawnSync('sh', ['-c', `(sleep 1.5; printf 'abc\\r') | script -qec "stty rows 21 cols 77; ${CLI} --root ${root} exec -t ${id} sh -c 'stty size; read x; echo got-\\$x; exit 5'; echo rc=\\$?" /dev/null`], { encoding: 'utf8', timeout: 120_000 });
  const out = (s.stdout + s.stderr).replace(/\r/g, '');
  assert.match(out, /^21 77$/m, out);
  assert.match(out, /^got-abc$/m, out);
  assert.match(out, /^rc=5$/m, out);
});
