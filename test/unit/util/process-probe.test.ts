// ProcessProbe: the liveness check berthd's `ps` makes for every running container, on a kept-open
// /proc/PID/stat. What it must never do is answer from a stale fd: a process reaped, or left a
// zombie, reads as dead at once; fds go when their pid is no longer asked about.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ProcessProbe } from '../../../src/util/proc.ts';

const openFds = () => readdirSync('/proc/self/fd').length;

function sleeper(t: { after(fn: () => void): void }): ChildProcess {
  const c = spawn('sleep', ['1000'], { stdio: 'ignore' });
  t.after(() => { if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
  return c;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a running process is alive and its fd kept; once killed and reaped it is dead at once, and the fd closed', async (t) => {
  const probe = new ProcessProbe();
  t.after(() => probe.close());
  const c = sleeper(t);
  const fds0 = openFds();
  assert.equal(probe.alive(c.pid!), true);
  assert.equal(probe.alive(c.pid!), true);
  assert.equal(probe.open, 1);
  assert.equal(openFds(), fds0 + 1, 'one fd per pid, re-read rather than re-opened');
  c.kill('SIGKILL');
  await exited(c);
  assert.equal(probe.alive(c.pid!), false, 'the kept fd must not answer for a reaped process');
  assert.equal(probe.open, 0);
  assert.equal(openFds(), fds0);
});

test('a zombie (exited, not reaped by its parent) is dead', async (t) => {
  const probe = new ProcessProbe();
  t.after(() => probe.close());
  // The shell starts a child, prints its pid, then becomes a sleep that never waits for it.
  const parent = spawn('sh', ['-c', 'sleep 1000 & echo $!; exec sleep 1000'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => { parent.kill('SIGKILL'); });
  let out = '';
  parent.stdout!.on('data', (d) => (out += d));
  await until(() => out.includes('\n'));
  const pid = Number(out.trim());
  t.after(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  assert.equal(probe.alive(pid), true);
  process.kill(pid, 'SIGKILL');
  const state = () => { try { return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1][0]; } catch { return 'gone'; } };
  await until(() => state() === 'Z');
  assert.equal(probe.alive(pid), false);
  assert.equal(probe.open, 0);
});

test('pids that cannot be processes are dead, and nothing is opened for them', () => {
  const probe = new ProcessProbe();
  for (const pid of [0, -1, Number.NaN, 2 ** 31 - 1]) assert.equal(probe.alive(pid), false, String(pid));
  assert.equal(probe.open, 0);
});

test('keepOnly and forget close the fds of pids no longer asked about; past `max` the answers stay right, unkept', (t) => {
  const probe = new ProcessProbe(2);
  t.after(() => probe.close());
  const [a, b, c] = [sleeper(t), sleeper(t), sleeper(t)];
  const fds0 = openFds();
  for (const x of [a, b, c]) assert.equal(probe.alive(x.pid!), true);
  assert.equal(probe.open, 2, 'at most max fds');
  assert.equal(openFds(), fds0 + 2);
  assert.equal(probe.alive(c.pid!), true, 'a pid beyond max is still read');
  probe.keepOnly(new Set([a.pid!]));
  assert.equal(probe.open, 1);
  probe.forget(a.pid!);
  assert.equal(probe.open, 0);
  assert.equal(openFds(), fds0);
  assert.equal(probe.alive(b.pid!), true);
  probe.close();
  assert.equal(probe.open, 0);
  assert.equal(openFds(), fds0);
});
