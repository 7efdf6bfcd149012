// RUN --mount=type=cache sharing modes in the engine's build service: shared, locked (waits),
// private (a second user gets its own directory, dropped after).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../../src/engine/index.ts';

test('cache mount sharing: shared, locked, private', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-cache-mounts-'));
  const engine = new Engine({ root: join(tmp, 'root'), runRoot: join(tmp, 'run') });
  t.after(() => { engine.close(); rmSync(tmp, { recursive: true, force: true }); });
  const svc = engine.build();
  const a = await svc.cache.mount('go', 'shared', { mode: 0o700 });
  const b = await svc.cache.mount('go', 'shared', {});
  assert.equal(a.path, b.path);
  assert.equal(statSync(a.path).mode & 0o777, 0o700);
  a.release(); b.release();

  const l1 = await svc.cache.mount('apt', 'locked', {});
  let second = false;
  const l2p = svc.cache.mount('apt', 'locked', {}).then((m) => { second = true; return m; });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(second, false, 'a locked cache waits for its user');
  l1.release();
  const l2 = await l2p;
  assert.equal(l2.path, l1.path);
  l2.release();

  const p1 = await svc.cache.mount('pip', 'private', {});
  const p2 = await svc.cache.mount('pip', 'private', {});
  assert.notEqual(p1.path, p2.path);
  p2.release();
  assert.ok(!existsSync(p2.path), 'the extra private directory is dropped');
  p1.release();
  assert.ok(existsSync(p1.path), 'the shared one stays');
});
