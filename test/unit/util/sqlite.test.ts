// openSharedDatabase: the WAL switch of a fresh database waits out another connection's lock
// (SQLite's busy handler does not cover a journal-mode change).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { openSharedDatabase } from '../../../src/util/sqlite.ts';

/** A worker that holds a write transaction (the RESERVED lock) on `path`, still in rollback mode,
 * for `ms`, then ends it. Another connection's WAL switch then needs to upgrade its read lock
 * while this one waits to write: SQLite reports that deadlock at once, without the busy handler,
 * which is how two processes opening a fresh database together collide. */
async function holdWriteLock(path: string, ms: number): Promise<Worker> {
  const w = new Worker(`
    const { DatabaseSync } = require('node:sqlite');
    const { parentPort, workerData } = require('node:worker_threads');
    const db = new DatabaseSync(workerData.path);
    db.exec('BEGIN IMMEDIATE');
    parentPort.postMessage('held');
    setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage(Date.now()); }, workerData.ms);
  `, { eval: true, workerData: { path, ms } });
  await new Promise<void>((resolve, reject) => {
    w.once('error', reject);
    w.once('message', () => resolve());
  });
  return w;
}

/** A fresh database in rollback mode with one table, removed after the test. */
function rollbackDb(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'm.db');
  const seed = new DatabaseSync(path);
  seed.exec('CREATE TABLE t (a TEXT)');
  seed.close();
  return path;
}

test('the WAL switch fails at once beside a writer with a plain open, and waits with openSharedDatabase', async (t) => {
  const path = rollbackDb(t);

  const w1 = await holdWriteLock(path, 50);
  const plain = new DatabaseSync(path, { timeout: 5000 });
  assert.throws(() => plain.exec('PRAGMA journal_mode=WAL'), /database is locked/, 'the busy timeout does not cover the switch');
  plain.close();
  await new Promise((r) => w1.once('exit', r));

  const w2 = await holdWriteLock(path, 150);
  const released = new Promise<number>((r) => w2.once('message', (at: number) => r(at)));
  const db = openSharedDatabase(path, 5000);
  const opened = Date.now();
  assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  db.exec("INSERT INTO t VALUES ('x')");
  db.close();
  assert.ok(opened >= (await released) - 5, 'the open waited for the writer to let go');
  await new Promise((r) => w2.once('exit', r));
});

test('openSharedDatabase gives up after its timeout with the SQLite error', async (t) => {
  const path = rollbackDb(t);
  const w = await holdWriteLock(path, 400);
  const t0 = Date.now();
  assert.throws(() => openSharedDatabase(path, 100), /database is locked/);
  assert.ok(Date.now() - t0 >= 100);
  await new Promise((r) => w.once('exit', r));
});
