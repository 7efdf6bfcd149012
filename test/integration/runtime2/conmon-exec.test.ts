// Interop: conmon runs `berth-runtime exec --process F --detach --pid-file P [--tty
// --console-socket S]` for an exec session, logs the output and records the exit code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../../helpers/rootfs.ts';
import { build, CLI, startedBundle } from '../runtime/support.ts';

const hasConmon = spawnSync('conmon', ['--version']).status === 0;
const skip = (!isRoot && 'needs root') || (!hasConmon && 'needs conmon');
before(() => { if (!skip) build(); });

async function waitFile(path: string): Promise<string> {
  for (const end = Date.now() + 60_000; Date.now() < end;) {
    try { return readFileSync(path, 'utf8'); } catch { await sleep(10); }
  }
  throw new Error(`${path} never appeared`);
}

for (const terminal of [false, true]) {
  test(`conmon exec session (${terminal ? 'terminal' : 'pipes'}): output logged, exit code recorded`, { skip }, async (t) => {
    const id = `cm2-${terminal ? 't' : 'p'}-${process.pid}`;
    const { dir, root } = startedBundle(t, 'berth-rt2-', id, ['sleep', '1000']);
    const s = join(dir, 'session');
    for (const d of ['exit', 'sock']) mkdirSync(join(s, d), { recursive: true });
    writeFileSync(join(s, 'process.json'), JSON.stringify({
      terminal, args: ['sh', '-c', `echo hello-$((40+2)); ${terminal ? 'tty; ' : ''}exit 3`], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'],
    }));
    const uuid = terminal ? 'aaaabbbbccccdddd' : 'eeeeffff00001111';
    const r = spawnSync('conmon', [
      '--api-version', '1', '-c', id, '-u', uuid, '-n', id, '-r', CLI, '--runtime-arg', '--root', '--runtime-arg', root,
      '-b', s, '-p', join(s, 'pid'), '-l', `k8s-file:${join(s, 'log')}`, '--exit-dir', join(s, 'exit'), '--socket-dir-path', join(s, 'sock'),
      '--log-level', 'error', ...(terminal ? ['-t'] : []), '-e', '--exec-process-spec', join(s, 'process.json'),
    ], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await waitFile(join(s, 'exit', id)), '3');
    assert.ok(Number(readFileSync(join(s, 'pid'), 'utf8')) > 1);
    const log = readFileSync(join(s, 'log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
    assert.ok(log.some((l) => l.replace(/\r$/, '') === 'hello-42'), log.join('\n'));
    if (terminal) assert.ok(log.some((l) => /^\/dev\/pts\/\d+\r?$/.test(l)), log.join('\n'));
  });
}
