import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createdSince, goTime, humanDuration, humanSize, layoutTable } from '../../../src/image/ops/format.ts';
import { formatItems, goValue, parseTemplate, render } from '../../../src/image/ops/template.ts';
import { InvalidImageArgumentError } from '../../../src/image/ops/errors.ts';

test('humanSize: three significant digits, decimal units', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1234), '1.23kB');
  assert.equal(humanSize(4_261_296), '4.26MB');
  assert.equal(humanSize(12_500_000), '12.5MB');
  assert.equal(humanSize(100_000_000), '100MB');
  assert.equal(humanSize(1_500_000_000), '1.5GB');
});

test('humanDuration and createdSince in docker words', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(30_000), '30 seconds');
  assert.equal(humanDuration(61_000), 'About a minute');
  assert.equal(humanDuration(5 * 60_000), '5 minutes');
  assert.equal(humanDuration(60 * 60_000), 'About an hour');
  assert.equal(humanDuration(3 * 3_600_000), '3 hours');
  assert.equal(humanDuration(3 * 86_400_000), '3 days');
  assert.equal(humanDuration(3 * 7 * 86_400_000), '3 weeks');
  assert.equal(humanDuration(90 * 86_400_000), '3 months');
  assert.equal(humanDuration(3 * 365 * 86_400_000), '3 years');
  const now = Date.parse('2024-01-01T03:00:00Z');
  assert.equal(createdSince('2024-01-01T00:00:00Z', now), '3 hours ago');
  assert.equal(createdSince(undefined, now), 'N/A');
  assert.equal(goTime('2024-01-01T00:00:00Z'), '2024-01-01 00:00:00 +0000 UTC');
});

test('layoutTable: columns max(10, widest+3), last column unpadded', () => {
  const out = layoutTable([['REPOSITORY', 'TAG', 'SIZE'], ['busybox', 'latest', '4.26MB']]);
  assert.equal(out, 'REPOSITORY   TAG       SIZE\nbusybox      latest    4.26MB\n');
});

test('template: fields, nesting, json, functions, Go value printing', () => {
  const data = { ID: 'abc', Config: { Cmd: ['sh', '-c'], Labels: { b: '2', a: '1' } }, Empty: null };
  assert.equal(render(parseTemplate('{{.ID}}\\t{{.Config.Cmd}}'), data), 'abc\t[sh -c]');
  assert.equal(render(parseTemplate('{{json .Config.Cmd}}'), data), '["sh","-c"]');
  assert.equal(render(parseTemplate('{{ .Config.Labels }}'), data), 'map[a:1 b:2]');
  assert.equal(render(parseTemplate('{{upper .ID}}-{{join .Config.Cmd ","}}'), data), 'ABC-sh,-c');
  assert.equal(render(parseTemplate('{{.Empty}}'), data), '<nil>');
  assert.equal(goValue([]), '[]');
  assert.throws(() => render(parseTemplate('{{.Nope}}'), data), (e: unknown) => e instanceof InvalidImageArgumentError && /can't evaluate field Nope/.test(e.message));
  assert.throws(() => parseTemplate('{{range .X}}'), InvalidImageArgumentError);
  assert.throws(() => parseTemplate('{{.ID'), /unclosed action/);
});

test('formatItems: json lines, table with headers, bare template', () => {
  const items = [{ Repository: 'busybox', Tag: 'latest' }, { Repository: 'alpine', Tag: '3' }];
  const headers = { Repository: 'REPOSITORY', Tag: 'TAG' };
  assert.equal(formatItems(items, 'json', '', headers), '{"Repository":"busybox","Tag":"latest"}\n{"Repository":"alpine","Tag":"3"}\n');
  assert.equal(formatItems(items, '{{.Repository}}:{{.Tag}}', '', headers), 'busybox:latest\nalpine:3\n');
  assert.equal(formatItems(items, 'table {{.Repository}}\t{{.Tag}}', '', headers), 'REPOSITORY   TAG\nbusybox      latest\nalpine       3\n');
  assert.equal(formatItems(items, undefined, '{{.Tag}}', headers), 'TAG\nlatest\n3\n');
});
