// The CLI's build progress: BuildKit's plain lines, and the terminal view's final frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainRenderer, ttyRenderer } from '../../../src/cli/present/build-progress.ts';
import type { BuildEvent } from '../../../src/build/index.ts';

const EVENTS: BuildEvent[] = [
  { type: 'step', id: 1, stage: 'stage-0', index: 1, total: 3, instruction: 'FROM busybox' },
  { type: 'done', id: 1, seconds: 0 },
  { type: 'step', id: 2, stage: 'stage-0', index: 2, total: 3, instruction: 'COPY a /a' },
  { type: 'cached', id: 2 },
  { type: 'done', id: 2, seconds: 0 },
  { type: 'step', id: 3, stage: 'stage-0', index: 3, total: 3, instruction: 'RUN false\nmore' },
  { type: 'output', id: 3, stream: 'stderr', text: 'one\ntwo\n' },
  { type: 'error', id: 3, message: 'exit code: 1' },
];

test('plain lines', () => {
  let out = '';
  const r = plainRenderer((t) => { out += t; });
  for (const e of EVENTS) r.event(e);
  r.finish();
  assert.match(out, /^#1 \[stage-0 1\/3\] FROM busybox\n#1 DONE 0\.0s\n#2 \[stage-0 2\/3\] COPY a \/a\n#2 CACHED\n/);
  assert.match(out, /#3 \[stage-0 3\/3\] RUN false\n#3 \d+\.\d{3} one\n#3 \d+\.\d{3} two\n#3 ERROR: exit code: 1\n$/);
});

test('terminal view: one row per step, CACHED/ERROR marks, the failed step\'s last output', () => {
  let out = '';
  const stream = { columns: 100, write: (t: string) => { out += t; return true; } } as unknown as NodeJS.WriteStream;
  const r = ttyRenderer(stream);
  for (const e of EVENTS) r.event(e);
  r.finish();
  const frame = out.slice(out.lastIndexOf('[+] Building'));
  assert.match(frame, /\(3\/3\) FINISHED/);
  assert.match(frame, / => CACHED \[stage-0 2\/3\] COPY a \/a/);
  assert.match(frame, / => ERROR \[stage-0 3\/3\] RUN false/);
  assert.match(frame, / => => # one\n\x1b\[2K => => # two\n/);
});
