import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBlkioV1, parseFlatKeyed, parseIoStat } from '../../../src/runtime/cgroups/index.ts';

test('flat keyed files (memory.stat, cpu.stat) become numbers; junk lines are skipped', () => {
  assert.deepEqual(parseFlatKeyed('cache 4096\nrss 8192\n\nhierarchical_memory_limit 9223372036854771712\nweird\n'), {
    cache: 4096, rss: 8192, hierarchical_memory_limit: 9223372036854771712,
  });
  assert.deepEqual(parseFlatKeyed(undefined), {});
});

test('v1 blkio service files: per device and op, Total line dropped', () => {
  const text = '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\nTotal 12288\n';
  assert.deepEqual(parseBlkioV1(text), [
    { major: 8, minor: 0, op: 'Read', value: 4096 },
    { major: 8, minor: 0, op: 'Write', value: 8192 },
    { major: 8, minor: 0, op: 'Sync', value: 0 },
    { major: 8, minor: 0, op: 'Async', value: 12288 },
    { major: 8, minor: 0, op: 'Discard', value: 0 },
    { major: 8, minor: 0, op: 'Total', value: 12288 },
  ]);
});

test('v2 io.stat is reshaped into v1-style byte and io entries', () => {
  const io = parseIoStat('8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=5 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n');
  assert.deepEqual(io.bytes, [
    { major: 8, minor: 0, op: 'Read', value: 1024 }, { major: 8, minor: 0, op: 'Write', value: 2048 }, { major: 8, minor: 0, op: 'Discard', value: 0 },
    { major: 259, minor: 0, op: 'Read', value: 5 }, { major: 259, minor: 0, op: 'Write', value: 0 }, { major: 259, minor: 0, op: 'Discard', value: 0 },
  ]);
  assert.deepEqual(io.ios.filter((e) => e.major === 8), [
    { major: 8, minor: 0, op: 'Read', value: 1 }, { major: 8, minor: 0, op: 'Write', value: 2 }, { major: 8, minor: 0, op: 'Discard', value: 0 },
  ]);
});
