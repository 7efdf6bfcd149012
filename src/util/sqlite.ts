// Opening a node:sqlite database that several berth processes share (WAL, busy timeout).
//
// SQLite does not call the busy handler for a journal-mode change: when two processes open a
// fresh database at once, one `PRAGMA journal_mode=WAL` can fail at once with "database is
// locked" while the other converts the file. That pragma alone is retried here, within the same
// timeout; every later statement waits through the busy handler as usual.
import { DatabaseSync } from 'node:sqlite';

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

function isBusy(e: unknown): boolean {
  const code = (e as { errcode?: number }).errcode;
  return code !== undefined && ((code & 0xff) === SQLITE_BUSY || (code & 0xff) === SQLITE_LOCKED);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Opens `path` with a busy timeout of `timeoutMs`, in WAL mode with synchronous=NORMAL. */
export function openSharedDatabase(path: string, timeoutMs: number): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      db.exec('PRAGMA journal_mode=WAL');
      break;
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) {
        db.close();
        throw e;
      }
      Atomics.wait(pause, 0, 0, wait);
    }
  }
  db.exec('PRAGMA synchronous=NORMAL');
  return db;
}
