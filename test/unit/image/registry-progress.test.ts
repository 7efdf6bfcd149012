import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createProgress, formatBytes, renderLayerLine } from '../../../src/image/progress.ts';
import { shortId } from '../../../src/image/types.ts';

function capture(mode: 'plain' | 'json' | 'quiet' | 'tty') {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => { text += d; });
  return { p: createProgress({ mode, out }), text: () => text };
}

test('sizes and ids', () => {
  assert.equal(formatBytes(512), '512B');
  assert.equal(formatBytes(1234567), '1.235MB', 'go-units HumanSize: 4 significant digits');
  assert.equal(formatBytes(45_600_000), '45.6MB');
  assert.equal(shortId('sha256:0123456789abcdef0123'), '0123456789ab');
});

test('bar line shows fraction, sizes and speed', () => {
  const l = renderLayerLine({ id: 'abc', action: 'downloading', current: 500_000, total: 1_000_000 }, 250_000, 10);
  assert.equal(l, 'abc: Downloading [=====>    ] 500kB/1MB  250kB/s');
  assert.equal(renderLayerLine({ id: 'abc', action: 'complete', current: 1, total: 1 }, 0), 'abc: Pull complete');
});

test('plain mode prints one line per state change, not per byte', async () => {
  const { p, text } = capture('plain');
  p.emit({ type: 'status', message: 'v1: Pulling from a/b' });
  for (let i = 0; i <= 10; i++) p.emit({ type: 'layer', id: 'l1', action: 'downloading', current: i * 100, total: 1000 });
  p.emit({ type: 'layer', id: 'l1', action: 'complete' });
  p.close();
  await new Promise((r) => setImmediate(r));
  assert.equal(text(), 'v1: Pulling from a/b\nl1: Downloading (1kB)\nl1: Pull complete\n');
});

test('json mode writes docker jsonmessages; quiet writes nothing', async () => {
  const j = capture('json');
  j.p.emit({ type: 'layer', id: 'l1', action: 'downloading', current: 5, total: 10 });
  const q = capture('quiet');
  q.p.emit({ type: 'status', message: 'x' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(JSON.parse(j.text()), { status: 'Downloading', id: 'l1', progressDetail: { current: 5, total: 10 } });
  assert.equal(q.text(), '');
});

test('tty mode redraws bars in place', async () => {
  const { p, text } = capture('tty');
  p.emit({ type: 'layer', id: 'l1', action: 'downloading', current: 1, total: 4 });
  p.emit({ type: 'layer', id: 'l2', action: 'waiting' });
  p.close();
  p.emit({ type: 'layer', id: 'l1', action: 'complete' });
  p.close();
  await new Promise((r) => setImmediate(r));
  const t = text();
  assert.match(t, /l1: Downloading \[/);
  assert.match(t, /\x1b\[2A\x1b\[J/, 'moves up over the two drawn lines');
  assert.match(t, /l1: Pull complete\n\x1b\[2Kl2: Waiting\n$/);
});
