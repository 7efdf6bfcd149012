import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatEntry, parseLogLine, parseSince, readLogs, timeNs, type LogEntry } from '../../../src/engine/index.ts';

const line = (t: string, s: string, tag: string, text: string) => `2024-01-01T00:00:0${t}.000000001+00:00 ${s} ${tag} ${text}\n`;

test('parses CRI log lines', () => {
  assert.deepEqual(parseLogLine('2024-01-01T00:00:00.5+00:00 stderr P part one'), { time: '2024-01-01T00:00:00.5+00:00', stream: 'stderr', partial: true, text: 'part one' });
  assert.deepEqual(parseLogLine('2024-01-01T00:00:00Z stdout F '), { time: '2024-01-01T00:00:00Z', stream: 'stdout', partial: false, text: '' });
  assert.equal(parseLogLine('garbage'), null);
  assert.equal(timeNs('2024-01-01T00:00:00.000000001+00:00') - timeNs('2024-01-01T00:00:00Z'), 1n);
  assert.equal(parseSince('1704067200.5'), 1704067200500000000n);
  assert.equal(parseSince('10m', 1_000_000), BigInt(1_000_000 - 600_000) * 1_000_000n);
  assert.throws(() => parseSince('yesterday-ish'), /invalid time value/);
  assert.equal(formatEntry({ time: 'T', stream: 'stdout', partial: true, text: 'a' }, true, true), 'T a');
});

test('tail counts lines (partials join), since filters', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'ctr.log');
  writeFileSync(p, line('1', 'stdout', 'F', 'one') + line('2', 'stdout', 'P', 'tw') + line('2', 'stdout', 'F', 'o') + line('3', 'stderr', 'F', 'three'));
  const all: LogEntry[] = [];
  for await (const e of readLogs(p, { tail: 2 })) all.push(e);
  assert.deepEqual(all.map((e) => e.text), ['tw', 'o', 'three']);
  const since: string[] = [];
  for await (const e of readLogs(p, { sinceNs: timeNs('2024-01-01T00:00:03Z') })) since.push(e.text);
  assert.deepEqual(since, ['three']);
  const none: string[] = [];
  for await (const e of readLogs(p, { tail: 0 })) none.push(e.text);
  assert.deepEqual(none, []);
});

test('follow survives rotation (rename over) and stops when the writer is gone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'ctr.log');
  writeFileSync(p, line('1', 'stdout', 'F', 'before'));
  let alive = true;
  const got: string[] = [];
  const reader = (async () => { for await (const e of readLogs(p, { follow: true, alive: () => alive, pollMs: 10 })) got.push(e.text); })();
  await new Promise((r) => setTimeout(r, 50));
  appendFileSync(p, line('2', 'stdout', 'F', 'appended'));
  await new Promise((r) => setTimeout(r, 50));
  // conmon's rotation: a new file renamed over the old one.
  writeFileSync(join(dir, 'tmp'), line('3', 'stdout', 'F', 'rotated'));
  renameSync(join(dir, 'tmp'), p);
  await new Promise((r) => setTimeout(r, 50));
  appendFileSync(p, line('4', 'stderr', 'F', 'after'));
  alive = false;
  await reader;
  assert.deepEqual(got, ['before', 'appended', 'rotated', 'after']);
});
