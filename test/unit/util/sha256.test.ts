import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { sha256Hex } from '../../../src/util/sha256.ts';

test('sha256Hex: the FIPS 180-4 examples', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
});

test('sha256Hex agrees with node:crypto on every length around the block boundaries and on random data', () => {
  for (let n = 0; n < 200; n++) {
    const b = randomBytes(n);
    assert.equal(sha256Hex(b), createHash('sha256').update(b).digest('hex'), `length ${n}`);
  }
  const big = randomBytes(70_000);
  assert.equal(sha256Hex(big), createHash('sha256').update(big).digest('hex'));
  const text = 'sha256:abc ünïcödé ' + 'x'.repeat(1000);
  assert.equal(sha256Hex(text), createHash('sha256').update(text, 'utf8').digest('hex'));
});
