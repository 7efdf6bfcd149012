// The resize stream of remote command v4: JSON sizes as Go's json.Encoder writes them, split
// across frames or several in one, with anything else ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SizeReader } from '../../../src/cri/streaming/remote-command.ts';

test('sizes come out whole, in order, however the frames cut them', () => {
  const r = new SizeReader();
  assert.deepEqual(r.push('{"Width":80,"Hei'), []);
  assert.deepEqual(r.push('ght":24}\n{"Width":120,"Height":40}\n{"Wid'), [{ width: 80, height: 24 }, { width: 120, height: 40 }]);
  assert.deepEqual(r.push(Buffer.from('th":7,"Height":3}\n')), [{ width: 7, height: 3 }]);
});

test('what is not a size is skipped', () => {
  const r = new SizeReader();
  assert.deepEqual(r.push('{"Width":"wide","Height":1}\n{not json}\n{"Height":5}\n{"Width":10,"Height":5}\n'), [{ width: 10, height: 5 }]);
  assert.deepEqual(r.push('garbage without braces'), []);
  assert.deepEqual(r.push('{"Width":1,"Height":2}'), [{ width: 1, height: 2 }]);
});
