import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ADJECTIVES, NOUNS, generateName, insertNamed, randomName } from '../../../src/engine/names.ts';
import { EngineStore } from '../../../src/engine/store.ts';
import { enginePaths } from '../../../src/engine/paths.ts';
import { initialState, type ContainerRecord } from '../../../src/engine/types.ts';

test('word lists: large, distinct, and valid in a container name', () => {
  assert.ok(ADJECTIVES.length >= 100 && NOUNS.length >= 200);
  assert.equal(new Set(ADJECTIVES).size, ADJECTIVES.length);
  assert.equal(new Set(NOUNS).size, NOUNS.length);
  for (let i = 0; i < 200; i++) assert.match(randomName(i % 3), /^[a-z]+_[a-z]+\d?$/);
  assert.match(randomName(0), /^[a-z]+_[a-z]+$/, 'the first attempt has no digit');
  assert.match(randomName(1), /^[a-z]+_[a-z]+\d$/, 'retries append one digit');
});

test('clashes retry with a digit, then fall back to the short ID (docker)', () => {
  const seen: string[] = [];
  const id = 'ab'.repeat(32);
  // every name is taken: six attempts, the last five with a digit, then the ID.
  assert.equal(generateName((n) => { seen.push(n); return true; }, id), id.slice(0, 12));
  assert.equal(seen.length, 6);
  assert.doesNotMatch(seen[0], /\d$/);
  for (const n of seen.slice(1)) assert.match(n, /\d$/);
  // the first free candidate wins
  let calls = 0;
  assert.match(generateName(() => ++calls < 3, id), /^[a-z]+_[a-z]+\d$/);
  assert.equal(calls, 3);
});

function record(name: string): ContainerRecord {
  return { id: randomBytes(32).toString('hex'), name, created: new Date().toISOString(), config: {} as ContainerRecord['config'], state: initialState() };
}

test('1,000 unnamed creates in one store never clash (the store\'s UNIQUE name decides)', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'berth-names-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new EngineStore(enginePaths({ root, runRoot: join(root, 'run') }));
  t.after(() => store.db.close());
  const names = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const rec = record('');
    rec.name = generateName((n) => store.byName(n) !== null, rec.id);
    insertNamed(store, rec, true);
    names.add(rec.name);
  }
  assert.equal(names.size, 1000);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM containers').get() as { n: number }).n, 1000);
  // A generated name another create took meanwhile is drawn again instead of failing.
  const taken = [...names][0];
  const late = record(taken);
  insertNamed(store, late, true);
  assert.notEqual(late.name, taken);
  assert.equal(store.byName(late.name)?.id, late.id);
  // A name the user chose still conflicts.
  assert.throws(() => insertNamed(store, record(taken), false), /Conflict\. The container name "\/.*" is already in use/);
});
